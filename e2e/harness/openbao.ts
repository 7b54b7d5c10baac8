/**
 * Real OpenBao (the Vault API; HashiCorp Vault does not build from the module proxy) in dev mode
 * (in-memory, unsealed), with a TLS listener at the address the generated `vault_addr` names
 * (resolved to a loopback address in the servers' sandboxes) and a plain operator listener for
 * the CLI. The `vault` CLI commands the library emits run verbatim, with `vault` being `bao`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BIN } from './components';
import { TestCa } from './pki';
import { Proc, run, start, waitFor } from './proc';

export interface OpenBao {
  readonly proc: Proc;
  readonly ca: TestCa;
  readonly operatorAddr: string;
  /** Runs one `vault …` command line (may use a heredoc) as the operator; returns stdout. */
  cli(commandLine: string): string;
  /** GET/PUT against the operator listener with the root token. */
  api<T = unknown>(method: 'GET' | 'PUT' | 'POST', apiPath: string, body?: unknown): Promise<T>;
}

const ROOT_TOKEN = 'e2e-root';

export async function startOpenBao(runDir: string, opts: { host: string; listen: string; port: number; operatorPort: number }): Promise<OpenBao> {
  const dir = path.join(runDir, 'openbao');
  fs.mkdirSync(dir, { recursive: true });
  const ca = new TestCa(path.join(runDir, 'pki', 'openbao'), 'openbao');
  const tls = ca.issue('openbao-server', { cn: opts.host, names: [opts.host], server: true });
  const cfg = path.join(dir, 'listener.hcl');
  fs.writeFileSync(cfg, `listener "tcp" {\n  address = "${opts.listen}:${opts.port}"\n  tls_cert_file = "${tls.cert}"\n  tls_key_file = "${tls.key}"\n}\n`);
  const operatorAddr = `http://127.0.0.1:${opts.operatorPort}`;
  const proc = start(path.join(runDir, 'logs'), 'openbao', BIN.bao, [
    'server', '-dev', `-dev-root-token-id=${ROOT_TOKEN}`, `-dev-listen-address=127.0.0.1:${opts.operatorPort}`, `-config=${cfg}`,
  ], { env: { HOME: dir } });
  // `vault` on PATH is bao: the commands the library emits run unchanged.
  const shim = path.join(dir, 'bin');
  fs.mkdirSync(shim, { recursive: true });
  fs.rmSync(path.join(shim, 'vault'), { force: true });
  fs.symlinkSync(BIN.bao, path.join(shim, 'vault'));
  const env = { PATH: `${shim}:${process.env.PATH}`, HOME: dir, VAULT_ADDR: operatorAddr, VAULT_TOKEN: ROOT_TOKEN, BAO_ADDR: operatorAddr, BAO_TOKEN: ROOT_TOKEN };
  const cli = (commandLine: string) => run('sh', ['-ec', commandLine], { env }).stdout;
  const api = async <T>(method: string, apiPath: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${operatorAddr}/v1/${apiPath}`, { method, headers: { 'X-Vault-Token': ROOT_TOKEN }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`openbao ${method} ${apiPath}: ${r.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  await waitFor('openbao to be unsealed', 60_000, async () => (await api<{ sealed: boolean }>('GET', 'sys/health')).sealed === false, [proc], 500);
  return { proc, ca, operatorAddr, cli, api };
}
