// The Pulumi entry point as a consumer runs it, under Pulumi's mocks (no engine here): a stack, two
// identities and a mesh policy register their objects. Both entry points share one copy of the
// library: the policy's `Mesh.istio()` comes from 'spire-constructs' and the policy accepts it
// only when it is an instance of the Mesh class the Pulumi entry uses.
import * as pulumi from '@pulumi/pulumi';
import { Mesh, RolloutStage } from 'spire-constructs';
import { MeshPolicy, SpireStack, WorkloadIdentity } from 'spire-constructs/pulumi';
import { smallestProductionProps } from './stack';

function fail(message: string): never {
  console.error(`consumer Pulumi program: ${message}`);
  process.exit(1);
}

const kinds = new Map<string, number>();
void pulumi.runtime.setMocks(
  {
    newResource: (a) => {
      const kind = (a.inputs as { kind?: unknown }).kind;
      if (typeof kind === 'string' && !a.id) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      return { id: `${a.name}_id`, state: a.inputs };
    },
    call: (a) => a.inputs,
  },
  'consumer',
  'dev',
  false,
);

const stack = new SpireStack('spire', smallestProductionProps());
const orders = new WorkloadIdentity('orders', { server: stack, namespace: 'payments', serviceAccount: 'orders', podLabels: { app: 'orders' } });
const payments = new WorkloadIdentity('payments', { server: stack, namespace: 'payments', serviceAccount: 'payments', podLabels: { app: 'payments' } });
new MeshPolicy('policy', {
  mesh: Mesh.istio(),
  stage: RolloutStage.ENFORCE,
  allows: [{ caller: orders, callee: payments, methods: ['POST'], paths: ['/charge'], ports: [8443] }],
});
try {
  new WorkloadIdentity('bad', { server: stack, namespace: 'Payments', serviceAccount: 'orders' });
  fail("a WorkloadIdentity in namespace 'Payments' (not a DNS label) was accepted");
} catch (e) {
  if (!(e instanceof pulumi.ResourceError) || !e.message.includes("Invalid 'namespace'")) {
    fail(`a bad namespace did not fail as a ResourceError naming 'namespace': ${String(e)}`);
  }
}

let reported = false;
process.on('beforeExit', () => {
  if (reported) return;
  reported = true;
  for (const kind of ['ClusterSPIFFEID', 'StatefulSet', 'DaemonSet', 'CustomResourceDefinition', 'AuthorizationPolicy']) {
    if (!kinds.has(kind)) {
      fail(`no ${kind} was registered (registered: ${[...kinds.keys()].sort().join(', ')})`);
    }
  }
  console.log(`registered under mocks: ${[...kinds].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, n]) => `${n} ${k}`).join(', ')}`);
});
