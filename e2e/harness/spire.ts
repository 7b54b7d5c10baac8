/**
 * The real SPIRE CLIs against the processes of the suite: the server's admin socket (entries,
 * agents, health) and the agent's Workload API (X.509-SVIDs fetched as a given uid).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BIN } from './components';
import { run } from './proc';

interface SpiffeIdJson { trust_domain: string; path: string }
const idString = (id: SpiffeIdJson) => `spiffe://${id.trust_domain}${id.path}`;

interface EntryJson {
  id: string;
  spiffe_id: SpiffeIdJson;
  parent_id: SpiffeIdJson;
  selectors: Array<{ type: string; value: string }>;
  x509_svid_ttl: number;
  federates_with?: string[];
}

export interface Entry {
  readonly id: string;
  readonly spiffeId: string;
  readonly parentId: string;
  readonly selectors: string[];
  readonly x509SvidTtl: number;
  /** Trust domain names the entry federates with (sorted). */
  readonly federatesWith: string[];
}

/** `spire-server <args> -socketPath <socket>`; throws with the output when it fails. */
export function serverCli(socket: string, args: string[], allowFail = false): { code: number; out: string } {
  const r = run(BIN.spireServer, [...args, '-socketPath', socket], { allowFail });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

export function listEntries(socket: string): Entry[] {
  const out = serverCli(socket, ['entry', 'show', '-output', 'json']).out;
  const j = JSON.parse(out) as { entries?: EntryJson[] };
  return (j.entries ?? []).map((e) => ({
    id: e.id,
    spiffeId: idString(e.spiffe_id),
    parentId: idString(e.parent_id),
    selectors: e.selectors.map((s) => `${s.type}:${s.value}`).sort(),
    x509SvidTtl: e.x509_svid_ttl,
    federatesWith: (e.federates_with ?? []).map((td) => td.replace(/^spiffe:\/\//, '')).sort(),
  }));
}

export function listAgents(socket: string): string[] {
  const out = serverCli(socket, ['agent', 'list', '-output', 'json']).out;
  const j = JSON.parse(out) as { agents?: Array<{ id: SpiffeIdJson }> };
  return (j.agents ?? []).map((a) => idString(a.id));
}

export function healthy(socket: string): boolean {
  return serverCli(socket, ['healthcheck'], true).code === 0;
}

/**
 * An X.509-SVID fetched from the agent's Workload API by a process running as `uid`, with the
 * bundles of the trust domains it federates with (PEM by trust domain name) as the agent wrote them.
 */
export function fetchX509(agentSocket: string, uid: number): { ok: boolean; svid?: string; federatedBundles: Record<string, string>; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'svid-'));
  fs.chmodSync(dir, 0o777);
  const r = run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', BIN.spireAgent, 'api', 'fetch', 'x509',
    '-socketPath', agentSocket, '-write', dir, '-timeout', '5s'], { allowFail: true });
  const file = path.join(dir, 'svid.0.pem');
  const svid = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  const federatedBundles: Record<string, string> = {};
  // The CLI says where it wrote each: "Writing federated bundle #0 for trust domain <td> to file <f>."
  for (const m of r.stdout.matchAll(/federated bundle #\d+ for trust domain (\S+) to file (\S+?)\.?$/gm)) {
    federatedBundles[m[1].replace(/^spiffe:\/\//, '')] = fs.readFileSync(m[2], 'utf8');
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return { ok: r.code === 0 && !!svid, svid, federatedBundles, output: `${r.stdout}${r.stderr}`.trim() };
}
