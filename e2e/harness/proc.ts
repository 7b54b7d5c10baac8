/**
 * Processes of the end-to-end suite: started with their output in a log file, stopped (whole
 * process group) at the end of the run or when a test kills them, and waited on with a deadline
 * whose failure message carries the tail of the log.
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';

export interface StartOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Run as this uid/gid (setpriv), as a container's `runAsUser` would. */
  readonly uid?: number;
  readonly gid?: number;
}

/** A process the suite started. */
export class Proc {
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  public constructor(public readonly name: string, public readonly logFile: string, private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? 128 : -1);
      resolve();
    }));
  }

  public get pid(): number {
    return this.child.pid ?? -1;
  }

  public get running(): boolean {
    return this.exitCode === undefined;
  }

  /** The exit code, once the process has exited. */
  public get code(): number | null | undefined {
    return this.exitCode;
  }

  /** Waits for the process to exit (an init container runs to completion). */
  public async wait(timeoutMs: number): Promise<number | null | undefined> {
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, timeoutMs))]);
    return this.exitCode;
  }

  /** Last lines of the log, for failure messages. */
  public tail(lines = 30): string {
    return tailOf(this.logFile, lines);
  }

  /** SIGKILL the whole process group (a crashed pod), or SIGTERM first when `graceful`. */
  public async stop(graceful = true): Promise<void> {
    if (!this.running) return;
    try {
      process.kill(-this.pid, graceful ? 'SIGTERM' : 'SIGKILL');
    } catch {
      return;
    }
    const deadline = new Promise<void>((r) => setTimeout(r, graceful ? 10_000 : 3_000));
    await Promise.race([this.exited, deadline]);
    if (this.running) {
      try { process.kill(-this.pid, 'SIGKILL'); } catch { /* gone */ }
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3_000))]);
    }
  }
}

export function tailOf(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const started: Proc[] = [];

/** Starts a process in its own process group with stdout and stderr in `<logDir>/<name>.log`. */
export function start(logDir: string, name: string, cmd: string, args: readonly string[], opts: StartOptions = {}): Proc {
  const logFile = path.join(logDir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  let file = cmd;
  let argv = [...args];
  if (opts.uid !== undefined) {
    argv = [`--reuid=${opts.uid}`, `--regid=${opts.gid ?? opts.uid}`, '--clear-groups', '--', cmd, ...args];
    file = 'setpriv';
  }
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...opts.env },
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  fs.closeSync(fd);
  const p = new Proc(name, logFile, child);
  started.push(p);
  return p;
}

/** Stops every process the suite started, newest first. */
export async function stopAll(): Promise<void> {
  for (const p of [...started].reverse()) {
    await p.stop(true);
  }
}

/** Runs a command to completion; throws with its output when it fails. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(cmd: string, args: readonly string[], opts: SpawnSyncOptions & { allowFail?: boolean } = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  const res = { code: r.status ?? -1, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  if (res.code !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${res.code}:\n${res.stdout}\n${res.stderr}`);
  }
  return res;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`
 * with `what`, the last error seen and the logs of `procs`.
 */
type Check<T> = () => Promise<T | undefined | false> | T | undefined | false;

export async function waitFor<T>(what: string, timeoutMs: number, check: Check<T>, procs: Proc[] = [], intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    for (const p of procs) {
      if (!p.running) throw new Error(`${what}: ${p.name} exited early. Last log lines:\n${p.tail()}`);
    }
    if (Date.now() > deadline) {
      const logs = procs.map((p) => `--- ${p.name} (${p.logFile}):\n${p.tail()}`).join('\n');
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `; last error: ${last}` : ''}\n${logs}`);
    }
    await sleep(intervalMs);
  }
}

/** True once something accepts TCP connections at host:port. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
    s.setTimeout(1000, () => { s.destroy(); resolve(false); });
  });
}
