/**
 * The suite's test workload (e2e/workloads/spiffe-http, go-spiffe v2) run as a given uid, so
 * that the agent's `unix` workload attestor tells the workloads apart.
 */
import { BIN } from './components';
import { Proc, run, start } from './proc';

/** Starts `spiffe-http serve` as `uid`, with the agent's Workload API socket. */
export function serveAs(logDir: string, name: string, uid: number, agentSocket: string, addr: string, allowlistFile: string): Proc {
  return start(logDir, name, BIN.spiffeHttp, ['serve', '-addr', addr, '-allowlist', allowlistFile], {
    uid, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${agentSocket}` },
  });
}

export interface CallResult {
  /** HTTP status, or undefined when the connection or handshake failed. */
  readonly status?: number;
  readonly output: string;
}

/** `spiffe-http call` as `uid`; extra flags for a certificate from elsewhere or none. */
export function callAs(uid: number, agentSocket: string, url: string, method: string, serverId: string, extra: string[] = []): CallResult {
  const r = run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', BIN.spiffeHttp, 'call',
    '-url', url, '-method', method, '-server-id', serverId, ...extra], { allowFail: true, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${agentSocket}`, PATH: process.env.PATH } });
  const out = `${r.stdout}${r.stderr}`.trim();
  const m = /^(\d{3}) /.exec(r.stdout);
  return { status: r.code === 0 && m ? Number(m[1]) : undefined, output: out };
}

export interface LoadSummary {
  readonly requests: number;
  readonly failures: number;
  readonly firstFailures: string[] | null;
  readonly clientSerials: string[] | null;
  readonly serverSerials: string[] | null;
  readonly seconds: number;
}

/** Starts `spiffe-http load` as `uid` in the background; its summary is the last line of its log. */
export function loadAs(logDir: string, uid: number, agentSocket: string, url: string, method: string, serverId: string, duration: string): Proc {
  return start(logDir, 'load', BIN.spiffeHttp, ['load', '-url', url, '-method', method, '-server-id', serverId, '-duration', duration, '-interval', '50ms'], {
    uid, env: { SPIFFE_ENDPOINT_SOCKET: `unix://${agentSocket}` },
  });
}
