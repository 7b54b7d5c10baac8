import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-locale-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/*
 * An app whose output holds orders a locale could change: pod label keys `version` and `year`
 * (Lithuanian collation puts y before v), `App`/`app` (Danish puts capitals first), identities
 * and calls sorted in the reports, environment variables of the server. Synthesized in processes
 * whose locale differs only by LANG/LC_ALL (the ICU default locale of Node).
 */
const PROGRAM = `
const { App, Duration } = require('cdk8s');
const s = require('./src');
const app = new App({ outdir: process.env.OUT });
const chart = new s.ChecklistChart(app, 'c');
const stack = new s.SpireStack(chart, 'spire', { trustDomain: s.TrustDomain.of('example.org'), clusterName: 'c1', database: s.PostgresDatabase.cloudNativePg() });
const a = new s.WorkloadIdentity(chart, 'a', { server: stack.server, namespace: 'shop', serviceAccount: 'yard', podLabels: { version: 'v1', year: '2026', App: 'x', app: 'yard' } });
const b = new s.WorkloadIdentity(chart, 'b', { server: stack.server, namespace: 'shop', serviceAccount: 'vault', podLabels: { app: 'vault' } });
const p = new s.MeshPolicy(chart, 'p', { mesh: s.Mesh.istio(), stage: s.RolloutStage.ENFORCE });
p.allow(a, b, { ports: [8443] });
p.allow(b, a, { ports: [8443] });
s.synthWithReports(app);
`;

function synthIn(locale: string): Record<string, string> {
  const out = path.join(tmp, locale);
  const res = spawnSync(process.execPath, ['-r', './scripts/ts-run.js', '-e', PROGRAM], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LANG: locale, LC_ALL: locale, OUT: out, SPIRE_TS_RUN_CACHE: path.join(tmp, 'cache') },
  });
  expect(res.stderr).toBe('');
  expect(res.status).toBe(0);
  return Object.fromEntries(fs.readdirSync(out).sort().map((f) => [f, fs.readFileSync(path.join(out, f), 'utf8')]));
}

test('the same program writes the same bytes under any locale (en_US, lt_LT, da_DK, tr_TR)', () => {
  const en = synthIn('en_US.UTF-8');
  expect(Object.keys(en).length).toBeGreaterThan(4);
  for (const locale of ['lt_LT.UTF-8', 'da_DK.UTF-8', 'tr_TR.UTF-8']) {
    expect(synthIn(locale)).toEqual(en);
  }
  // Code-unit order, as written by the identity's selectors: capitals first, v before y.
  const manifests = Object.entries(en).find(([f]) => f.endsWith('.k8s.yaml'))![1];
  const labels = /k8s:pod-label:App:x[\s\S]*?k8s:pod-label:app:yard[\s\S]*?k8s:pod-label:version:v1[\s\S]*?k8s:pod-label:year:2026/;
  expect(manifests).toMatch(labels);
}, 60_000);
