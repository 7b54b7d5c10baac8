import * as fs from 'fs';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import { Chart, Testing } from 'cdk8s';
import { canonical, created, props, registered, settle, valueOf } from './mocks';
import {
  BundleEndpointAuth,
  ForeignCallerNetwork,
  Mesh,
  MeshPolicy as Cdk8sMeshPolicy,
  PostgresDatabase,
  RolloutStage,
  ServerDatabase,
  SpireStack as Cdk8sSpireStack,
  SpiffeId,
  TrustDomain,
} from '../../src';
import { MeshPolicy, SpiffeCsiDriver, SpireAgent, SpireServer, SpireStack, WorkloadIdentity } from '../../src/pulumi';

const key = (o: any) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;

describe('Pulumi SpireStack', () => {
  const start = registered.length;
  const stack = new SpireStack('prod', props());
  let mine: typeof registered = [];
  beforeAll(async () => {
    await settle();
    mine = registered.slice(start);
  });

  test('type token, outputs', () => {
    expect(mine[0]).toMatchObject({ type: 'spire-constructs:index:SpireStack', name: 'prod' });
    expect(stack.namespace).toBe('spire-server');
    expect(stack.systemNamespace).toBe('spire-system');
    expect(stack.serverAddress).toBe('spire-server.spire-server.svc');
    expect(stack.trustDomain).toBe('prod.example.com');
  });

  test('children: two ConfigGroups named <name>-<role> under the component, CRDs and namespaces first', async () => {
    const groups = mine.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup').map((r) => r.name);
    expect(groups).toEqual(['prod-foundation', 'prod-resources']);
    const urns = await Promise.all(stack.configGroups.map((g) => valueOf(g.urn)));
    for (const urn of urns) {
      expect(urn).toMatch(/spire-constructs:index:SpireStack\$kubernetes:yaml:ConfigGroup::prod-(foundation|resources)$/);
    }
    const kinds = mine.filter(created).map((r) => r.inputs.kind);
    const lastFoundation = Math.max(kinds.lastIndexOf('Namespace'), kinds.lastIndexOf('CustomResourceDefinition'));
    expect(kinds.slice(0, lastFoundation + 1).every((k) => k === 'Namespace' || k === 'CustomResourceDefinition')).toBe(true);
  });

  test('equivalence: the objects registered with Pulumi equal, field for field, what cdk8s synthesizes', () => {
    const chart = new Chart(Testing.app(), 'prod');
    new Cdk8sSpireStack(chart, 'spire', props());
    const cdk8s = (chart.toJson() as any[]).map(canonical);
    const pulumiObjects = mine.filter(created).map((r) => canonical(r.inputs));
    expect(pulumiObjects.map(key).sort()).toEqual(cdk8s.map(key).sort());
    const byKey = new Map(pulumiObjects.map((o) => [key(o), o]));
    for (const o of cdk8s) {
      expect(byKey.get(key(o))).toEqual(o);
    }
  });
});

describe('Pulumi checklist', () => {
  test('ERROR findings fail the program with a ResourceError naming the rule', () => {
    expect(() => new SpireStack('dev', { ...props(), database: ServerDatabase.sqlite(), server: { replicas: 1 } })).toThrow(
      /Production checklist: .*SPIRE-SRV1 ERROR StatefulSet spire-server\/spire-server/s,
    );
  });

  test('validation errors surface as ResourceErrors with the same message as cdk8s', () => {
    expect(() => new SpireStack('bad', { ...props(), database: ServerDatabase.sqlite() })).toThrow(/Invalid 'replicas': received 3. SQLite cannot be shared/);
  });
});

describe('Pulumi components over one rendering model', () => {
  test('SpireServer, SpireAgent, SpiffeCsiDriver, WorkloadIdentity and MeshPolicy register their objects', async () => {
    const start = registered.length;
    const server = new SpireServer('srv', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const agent = new SpireAgent('agt', { server });
    new SpiffeCsiDriver('csi', { agent });
    const order = new WorkloadIdentity('order', { server, namespace: 'payments', serviceAccount: 'order-service', podLabels: { app: 'order' } });
    const payment = new WorkloadIdentity('payment', { server, namespace: 'payments', serviceAccount: 'payment-service', podLabels: { app: 'payment' } });
    new MeshPolicy('policy', {
      mesh: Mesh.istio(),
      stage: RolloutStage.ENFORCE,
      allows: [{ caller: order, callee: payment, methods: ['POST'], paths: ['/api/payments/charge'], ports: [8443] }],
    });
    await settle();
    const mine = registered.slice(start);
    // Components send their args to the engine (component inputs): independent components
    // register in the order their inputs serialize, so the set is compared.
    expect(mine.filter((r) => r.type.startsWith('spire-constructs:')).map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'spire-constructs:index:MeshPolicy policy',
      'spire-constructs:index:SpiffeCsiDriver csi',
      'spire-constructs:index:SpireAgent agt',
      'spire-constructs:index:SpireServer srv',
      'spire-constructs:index:WorkloadIdentity order',
      'spire-constructs:index:WorkloadIdentity payment',
    ]);
    const inputs = mine.find((r) => r.type === 'spire-constructs:index:SpireServer' && r.name === 'srv')!.inputs;
    expect(inputs).toEqual({ trustDomain: 'prod.example.com', clusterName: 'prod', database: 'CloudNativePgDatabase' });
    const policyInputs = mine.find((r) => r.type === 'spire-constructs:index:MeshPolicy')!.inputs;
    expect(policyInputs.allows[0]).toMatchObject({
      caller: 'spiffe://prod.example.com/ns/payments/sa/order-service',
      callee: 'spiffe://prod.example.com/ns/payments/sa/payment-service',
    });
    expect(order.spiffeId).toBe('spiffe://prod.example.com/ns/payments/sa/order-service');
    const kinds = mine.filter(created).map((r) => r.inputs.kind);
    expect(kinds).toEqual(expect.arrayContaining(['StatefulSet', 'DaemonSet', 'CSIDriver', 'ClusterSPIFFEID', 'AuthorizationPolicy', 'PeerAuthentication']));
    const agentConf = mine.find((r) => r.inputs.kind === 'ConfigMap' && r.inputs.metadata.name === 'spire-agent')!.inputs.data['agent.conf'];
    expect(JSON.parse(agentConf).agent.server_address).toBe('spire-server.spire-server.svc');
  });

  test('a second identity with the same SPIFFE ID fails with a ResourceError naming both', () => {
    const server = new SpireServer('srv2', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    new WorkloadIdentity('a', { server, namespace: 'shop', serviceAccount: 'web' });
    expect(() => new WorkloadIdentity('b', { server, namespace: 'shop', serviceAccount: 'web', name: 'web-2' })).toThrow(/is declared twice: by 'a\/identity' and 'b\/identity'/);
  });
});

describe('Pulumi layer: explicit context, checklist in every component', () => {
  test('a SpireServer component alone runs the checklist (ERROR findings fail it)', () => {
    expect(() => new SpireServer('dev-server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: ServerDatabase.sqlite(), replicas: 1 })).toThrow(
      /Production checklist: .*SPIRE-SRV1 ERROR StatefulSet spire-server\/spire-server/s,
    );
  });

  test('an agent the server component does not allow fails with a message naming the fix', () => {
    const server = new SpireServer('srv3', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    expect(() => new SpireAgent('agt3', { server, name: 'node-agent' })).toThrow(
      /Invalid 'name': received "node-agent"\. Server 'srv3\/server' lets only its 'agentServiceAccount' attest.*agentServiceAccount: "node-agent"/,
    );
  });

  test('components expose no cdk8s objects (no construct, no App)', () => {
    const stack = new SpireStack('ctx', props());
    const server = new SpireServer('ctx-srv', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    for (const c of [stack, server]) {
      expect(Object.keys(c).filter((k) => ['construct', '_app', 'app'].includes(k))).toEqual([]);
    }
  });
});

describe('Pulumi federation', () => {
  const PARTNER_BUNDLE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'partner-bundle.json'), 'utf8');
  const partner = {
    trustDomain: TrustDomain.of('partner.example'),
    bundleEndpointUrl: 'https://spire-bundle.partner.example:8443',
    auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse('spiffe://partner.example/spire/server')),
    trustDomainBundle: PARTNER_BUNDLE,
  };

  test('federations declared with the stack: the ClusterFederatedTrustDomain, the bundle endpoint and the egress register with the server; identities federate by name; a foreign caller is allowed', async () => {
    await settle(); // earlier tests' registrations land first
    const start = registered.length;
    const stack = new SpireStack('fed', { ...props(), federations: [partner] });
    const web = new WorkloadIdentity('fed-web', { server: stack, namespace: 'shop', serviceAccount: 'web', podLabels: { app: 'web' }, federatesWith: ['partner.example'] });
    new MeshPolicy('fed-policy', {
      mesh: Mesh.istio(),
      stage: RolloutStage.ENFORCE,
      allows: [{ caller: Cdk8sMeshPolicy.foreignCaller(SpiffeId.parse('spiffe://partner.example/ns/shop/sa/api'), { network: ForeignCallerNetwork.cidrs(['203.0.113.0/24']) }), callee: web, ports: [8443] }],
    });
    await settle();
    const mine = registered.slice(start).filter(created).map((r) => r.inputs);
    expect(mine.find((o) => o.kind === 'ClusterFederatedTrustDomain').spec.trustDomainBundle).toBe(PARTNER_BUNDLE);
    expect(mine.find((o) => o.kind === 'ClusterSPIFFEID' && o.metadata.name.includes('web')).spec.federatesWith).toEqual(['partner.example']);
    const serverConf = JSON.parse(mine.find((o) => o.kind === 'ConfigMap' && o.data?.['server.conf']).data['server.conf']);
    expect(serverConf.server.federation.bundle_endpoint.port).toBe(8443);
    const np = mine.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'spire-server');
    expect(np.spec.egress.some((r: any) => r.ports[0].port === 8443)).toBe(true);
    expect(mine.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'web-allow-0').spec.rules[0].from[0].source.principals).toEqual(['partner.example/ns/shop/sa/api']);
  });

  test('an unknown federation name, and a federation added after the server registered, fail saying what to do', () => {
    const stack = new SpireStack('fed2', props());
    expect(() => new WorkloadIdentity('fed2-web', { server: stack, namespace: 'shop', serviceAccount: 'web', federatesWith: ['partner.example'] })).toThrow(
      /Invalid 'federatesWith': received "partner.example"\. The server federates with no trust domain: declare it in the server component's 'federations'/,
    );
    const server = new SpireServer('fed3', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    expect(() => new SpireAgent('fed3-agent', { server, name: 'other-agent' })).toThrow(/lets only its 'agentServiceAccount' attest/);
  });
});


describe('Pulumi beyond mocks: what the real engine needs', () => {
  test('two stacks in one program: every child has a distinct name (URNs cannot collide)', async () => {
    await settle();
    const start = registered.length;
    new SpireStack('cluster-a', { ...props(), checkPrerequisites: false });
    new SpireStack('cluster-b', { ...props(), checkPrerequisites: false });
    await settle();
    const mine = registered.slice(start).filter(created);
    const names = mine.map((r) => `${r.type}::${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(mine.filter((r) => r.inputs.kind === 'StatefulSet').map((r) => r.name).sort()).toEqual(['cluster-a-spire-server/spire-server', 'cluster-b-spire-server/spire-server']);
  });

  test('the caller\'s provider reaches every object; prerequisites (CRDs the tree does not create) are read once each, by name', async () => {
    await settle();
    const start = registered.length;
    const provider = new k8s.Provider('yaml-out', { renderYamlToDirectory: '/tmp/spire-constructs-yaml' });
    const stack = new SpireStack('prov', props(), { provider });
    const order = new WorkloadIdentity('prov-order', { server: stack, namespace: 'payments', serviceAccount: 'order-service', podLabels: { app: 'order' } });
    const payment = new WorkloadIdentity('prov-payment', { server: stack, namespace: 'payments', serviceAccount: 'payment-service', podLabels: { app: 'payment' } });
    const policy = new MeshPolicy('prov-policy', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, allows: [{ caller: order, callee: payment, ports: [8443] }] }, { provider });
    await settle();
    const mine = registered.slice(start);
    const objects = mine.filter(created);
    expect(objects.filter((r) => ['StatefulSet', 'AuthorizationPolicy'].includes(r.inputs.kind)).every((r) => (r.provider ?? '').includes('yaml-out'))).toBe(true);
    expect([...stack.prerequisites]).toEqual(['clusters.postgresql.cnpg.io', 'podmonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com']);
    expect([...policy.prerequisites]).toEqual(['authorizationpolicies.security.istio.io', 'peerauthentications.security.istio.io']);
    const reads = mine.filter((r) => r.read).map((r) => r.name).sort();
    expect(reads).toEqual([
      'prov-requires-authorizationpolicies.security.istio.io',
      'prov-requires-clusters.postgresql.cnpg.io',
      'prov-requires-peerauthentications.security.istio.io',
      'prov-requires-podmonitors.monitoring.coreos.com',
      'prov-requires-prometheusrules.monitoring.coreos.com',
    ]);
  });
});

describe('Pulumi registration cost', () => {
  test("an identity registers its one ClusterSPIFFEID itself (no ConfigGroup around it): named <component>-<name>, the caller's provider, after the tree's namespaces and CRDs", async () => {
    await settle();
    const start = registered.length;
    const provider = new k8s.Provider('direct-out', { renderYamlToDirectory: '/tmp/spire-constructs-yaml-direct' });
    const stack = new SpireStack('direct', props(), { provider });
    const web = new WorkloadIdentity('direct-web', { server: stack, namespace: 'shop', serviceAccount: 'web', podLabels: { app: 'web' } }, { provider });
    await settle();
    const mine = registered.slice(start);
    expect(web.configGroups).toEqual([]);
    expect(mine.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup').map((r) => r.name)).toEqual(['direct-foundation', 'direct-resources']);
    const index = mine.findIndex((r) => r.type === 'kubernetes:spire.spiffe.io/v1alpha1:ClusterSPIFFEID' && r.name === 'direct-web-shop-web');
    expect(index).toBeGreaterThan(-1);
    expect(mine[index].inputs).toEqual(canonical(web.objects[0]));
    expect(mine[index].provider).toContain('direct-out');
    // dependsOn the stack's foundation: registered after every namespace and CRD of the tree.
    const foundation = mine.map((r, i) => [r, i] as const).filter(([r]) => created(r) && ['Namespace', 'CustomResourceDefinition'].includes(r.inputs.kind));
    expect(foundation.length).toBeGreaterThan(0);
    expect(foundation.every(([, i]) => i < index)).toBe(true);
  });

  test("a component's rendered objects stay readable but out of its enumerable fields (Pulumi walks those in every output's value: each object would walk them all)", () => {
    const stack = new SpireStack('walk', { ...props(), checkPrerequisites: false });
    expect(stack.objects.length).toBeGreaterThan(30);
    expect(stack.configGroups.length).toBe(2);
    expect(Object.keys(stack).filter((k) => ['objects', 'configGroups', 'findings', 'prerequisites'].includes(k))).toEqual([]);
  });
});

// Registrations run on after the constructors return: let them finish before the environment goes.
afterAll(() => new Promise((r) => setTimeout(r, 3000)));
