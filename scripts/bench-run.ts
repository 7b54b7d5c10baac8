/**
 * One benchmark measurement (run by scripts/bench.ts in a fresh process):
 *   bench-run.ts library|floor N   → prints {"ms":…, "cpuMs":…, "rssMb":…, "objects":…}
 *
 * ms is the wall time of the timed part, cpuMs its CPU time (user + system, all threads of the
 * process: the steadier figure on a shared machine).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ChecklistChart, Mesh, MeshPolicy, PostgresDatabase, RolloutStage, SpireStack, synthWithReports, TrustDomain, UpstreamAuthority, VaultAuth, WorkloadIdentity } from '../src';

const [mode, nArg] = process.argv.slice(2);
const n = Number(nArg);
const PER_NAMESPACE = 100;

function stackProps() {
  return {
    trustDomain: TrustDomain.of('prod.example.com'),
    clusterName: 'prod-eu-1',
    database: PostgresDatabase.cloudNativePg(),
    upstreamAuthority: UpstreamAuthority.vault({ vaultAddr: 'https://vault.vault.svc:8200', caCert: { name: 'vault-ca', key: 'ca.crt' }, auth: VaultAuth.kubernetes({ role: 'spire-server' }) }),
  };
}

/** The library scenario: N identities, identity i may call identity i+1 (ring). */
function libraryApp(outdir: string, count = n): App {
  const app = new App({ outdir });
  // The checklist as a synth step of the chart's own rendering (one rendering).
  const chart = new ChecklistChart(app, 'bench');
  const stack = new SpireStack(chart, 'spire', stackProps());
  const ids: WorkloadIdentity[] = [];
  for (let i = 0; i < count; i++) {
    const ns = `team-${Math.floor(i / PER_NAMESPACE)}`;
    ids.push(new WorkloadIdentity(chart, `id-${i}`, { server: stack.server, namespace: ns, serviceAccount: `svc-${i}`, podLabels: { app: `svc-${i}` } }));
  }
  const policy = new MeshPolicy(chart, 'policy', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE });
  for (let i = 0; i < count; i++) {
    policy.allow(ids[i], ids[(i + 1) % count], { methods: ['POST'], paths: ['/api/call'], ports: [8443] });
  }
  return app;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-bench-'));
let objects = 0;
if (mode === 'library') {
  // The same warm-up the floor gets (it renders the library's objects before its timed part).
  const warm = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-bench-warm-'));
  synthWithReports(libraryApp(warm, 50));
  fs.rmSync(warm, { recursive: true, force: true });
}
/** CPU milliseconds of this process so far (user + system, all threads). */
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const start = process.hrtime.bigint();
const cpuStart = cpuNow();
if (mode === 'library') {
  synthWithReports(libraryApp(tmp));
} else if (mode === 'floor') {
  // The same objects as plain ApiObjects: rendered once, outside the measured time.
  const rendered = (() => {
    const t = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-bench-src-'));
    const app = libraryApp(t);
    const objs = app.charts.flatMap((c) => c.toJson());
    fs.rmSync(t, { recursive: true, force: true });
    return objs as Array<{ apiVersion: string; kind: string; metadata: Record<string, unknown> }>;
  })();
  if (global.gc) global.gc();
  const t0 = process.hrtime.bigint();
  const cpu0 = cpuNow();
  const app = new App({ outdir: tmp });
  const chart = new Chart(app, 'bench');
  const holder = new Construct(chart, 'objects');
  rendered.forEach((o, i) => new ApiObject(holder, `o${i}`, o));
  app.synth();
  objects = rendered.length;
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = cpuNow() - cpu0;
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify({ ms, cpuMs, rssMb: process.resourceUsage().maxRSS / 1024, objects }));
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
const cpuMs = cpuNow() - cpuStart;
// Counted after the timed part (the floor counts its input, outside its timed part too).
objects = fs.readFileSync(path.join(tmp, 'bench.k8s.yaml'), 'utf8').split(/^---$/m).length;
fs.rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ ms, cpuMs, rssMb: process.resourceUsage().maxRSS / 1024, objects }));
