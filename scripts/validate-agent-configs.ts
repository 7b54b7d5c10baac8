/**
 * Groundwork for the real-SPIRE end-to-end test (issue #9): real `spire-agent validate` on the
 * agent.conf of every example (must pass) and on a copy with an unknown key (must fail).
 *
 *   npm run validate:agent-configs
 *
 * Uses $SPIRE_AGENT_BIN, the end-to-end suite's build (~/.cache/spire-constructs-e2e), or builds
 * spire-agent at the version the constructs deploy into .cache/spire/ from the Go module proxy
 * (needs Go >= 1.26.6 and cgo). The server side is proved by `npm run test:e2e`.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { SPIRE_VERSION } from '../src/images';

const ROOT = path.resolve(__dirname, '..');

function agentBinary(): string {
  if (process.env.SPIRE_AGENT_BIN) return process.env.SPIRE_AGENT_BIN;
  // The end-to-end suite's build (e2e/install/build-components.sh), when there is one.
  const e2e = path.join(process.env.SPIRE_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'spire-constructs-e2e'), `spire-${SPIRE_VERSION}`, 'spire-agent');
  if (fs.existsSync(e2e)) return e2e;
  const dir = path.join(ROOT, '.cache', 'spire', SPIRE_VERSION);
  const bin = path.join(dir, 'spire-agent');
  if (fs.existsSync(bin)) return bin;
  const mod = path.join(dir, 'build');
  fs.mkdirSync(mod, { recursive: true });
  fs.writeFileSync(path.join(mod, 'go.mod'), `module spirebuild\n\ngo 1.26.6\n\nrequire github.com/spiffe/spire v${SPIRE_VERSION}\n`);
  fs.writeFileSync(path.join(mod, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "github.com/spiffe/spire/cmd/spire-agent"\n');
  console.log(`building spire-agent v${SPIRE_VERSION} (once, into ${path.relative(ROOT, dir)}) …`);
  const env = { ...process.env, CGO_ENABLED: '1' };
  execFileSync('go', ['mod', 'download', `github.com/spiffe/spire@v${SPIRE_VERSION}`], { cwd: mod, env, stdio: 'inherit' });
  execFileSync('go', ['get', `github.com/spiffe/spire/cmd/spire-agent@v${SPIRE_VERSION}`], { cwd: mod, env, stdio: 'inherit' });
  execFileSync('go', ['build', '-o', bin, 'github.com/spiffe/spire/cmd/spire-agent'], { cwd: mod, env, stdio: 'inherit' });
  return bin;
}

function validate(bin: string, file: string): { ok: boolean; output: string } {
  const r = spawnSync(bin, ['validate', '-config', file], { encoding: 'utf8' });
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0 && /configuration file is valid/.test(output), output };
}

const bin = agentBinary();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-agent-validate-'));
let failures = 0;
const examples = fs.readdirSync(path.join(ROOT, 'examples')).filter((d) => fs.existsSync(path.join(ROOT, 'examples', d, 'main.ts'))).sort();
for (const name of examples) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const app = (require(path.join(ROOT, 'examples', name, 'main')) as { buildApp(a?: unknown): { charts: Array<{ toJson(): any[] }> } }).buildApp(Testing.app());
  const confs = app.charts.flatMap((c) => c.toJson()).filter((o) => o.kind === 'ConfigMap' && o.data?.['agent.conf']);
  for (const cm of confs) {
    const file = path.join(tmp, `${name}-${cm.metadata.name}.conf`);
    fs.writeFileSync(file, cm.data['agent.conf']);
    const good = validate(bin, file);
    console.log(`${good.ok ? '✓' : '✗'} ${name} ${cm.metadata.namespace}/${cm.metadata.name}: ${good.output.split('\n').pop()}`);
    if (!good.ok) failures++;
    const broken = JSON.parse(cm.data['agent.conf']);
    broken.agent.unknown_key_for_test = true;
    fs.writeFileSync(`${file}.broken`, JSON.stringify(broken));
    const bad = validate(bin, `${file}.broken`);
    console.log(`${!bad.ok ? '✓' : '✗'} ${name} with an unknown key is refused: ${bad.output.split('\n').pop()}`);
    if (bad.ok) failures++;
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
console.log(`${examples.length * 2 - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
