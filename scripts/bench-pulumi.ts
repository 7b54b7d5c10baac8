/**
 * One whole-process Pulumi measurement under mocks (run by scripts/bench.ts in a fresh process,
 * timed from start to exit, i.e. until the mocked engine has registered everything):
 *
 *   bench-pulumi.ts components N [fixture.json]   a SpireStack, N WorkloadIdentity components, a
 *                                                  MeshPolicy (identity i may call i+1); writes the
 *                                                  objects they render to fixture.json when given
 *   bench-pulumi.ts batch N [fixture.json]         the same with one WorkloadIdentities component
 *                                                  holding the N identities
 *   bench-pulumi.ts configgroup fixture.json       one plain k8s.yaml.ConfigGroup of those objects
 *
 * At exit it prints {"resources":…, "objects":…, "digest":…}: every resource registered, the
 * Kubernetes objects created (not the ConfigGroups, not the reads of prerequisite CRDs) and a
 * digest of their inputs, which is the same for both modes when they register the same objects.
 * The configgroup mode loads nothing of this library.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as pulumi from '@pulumi/pulumi';

const [mode, nArg, fixture] = process.argv.slice(2);
const n = Number(nArg);
const PER_NAMESPACE = 100;

let resources = 0;
const objects: string[] = [];
void pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      resources++;
      if (a.type.startsWith('kubernetes:') && a.type !== 'kubernetes:yaml:ConfigGroup' && !a.id) objects.push(JSON.stringify(a.inputs));
      return { id: `${a.name}_id`, state: a.inputs };
    },
    call: (a) => a.inputs,
  },
  'bench',
  'bench',
  false,
);
process.on('exit', () => {
  const digest = createHash('sha256').update(objects.sort().join('\n')).digest('hex').slice(0, 16);
  console.log(JSON.stringify({ resources, objects: objects.length, digest }));
});

if (mode === 'components' || mode === 'batch') {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const lib = require('../src') as typeof import('../src');
  const p = require('../src/pulumi') as typeof import('../src/pulumi');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const stack = new p.SpireStack('spire', {
    trustDomain: lib.TrustDomain.of('prod.example.com'),
    clusterName: 'prod-eu-1',
    database: lib.PostgresDatabase.cloudNativePg(),
    upstreamAuthority: lib.UpstreamAuthority.vault({ vaultAddr: 'https://vault.vault.svc:8200', caCert: { name: 'vault-ca', key: 'ca.crt' }, auth: lib.VaultAuth.kubernetes({ role: 'spire-server' }) }),
  });
  const args = (i: number) => ({ namespace: `team-${Math.floor(i / PER_NAMESPACE)}`, serviceAccount: `svc-${i}`, podLabels: { app: `svc-${i}` } });
  let components: import('../src/pulumi').RenderedComponent[];
  let ids: Array<import('../src/pulumi').WorkloadIdentity | import('../src/pulumi').BatchIdentity>;
  if (mode === 'components') {
    const each = Array.from({ length: n }, (_, i) => new p.WorkloadIdentity(`id-${i}`, { server: stack, ...args(i) }));
    components = each;
    ids = each;
  } else {
    const batch = new p.WorkloadIdentities('ids', { server: stack, identities: Object.fromEntries(Array.from({ length: n }, (_, i) => [`id-${i}`, args(i)])) });
    components = [batch];
    ids = Object.values(batch.identities);
  }
  const policy = new p.MeshPolicy('policy', {
    mesh: lib.Mesh.istio(),
    stage: lib.RolloutStage.ENFORCE,
    allows: ids.map((id, i) => ({ caller: id, callee: ids[(i + 1) % n], methods: ['POST'], paths: ['/api/call'], ports: [8443] })),
  });
  if (fixture) {
    fs.writeFileSync(fixture, JSON.stringify([stack, ...components, policy].flatMap((c) => c.objects)));
  }
} else if (mode === 'configgroup') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const k8s = require('@pulumi/kubernetes') as typeof import('@pulumi/kubernetes');
  new k8s.yaml.ConfigGroup('objects', { objs: JSON.parse(fs.readFileSync(fixture, 'utf8')) });
} else {
  throw new Error(`unknown mode ${mode}`);
}
