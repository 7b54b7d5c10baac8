import * as fs from 'fs';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import { Chart, Duration, Testing } from 'cdk8s';
import { canonical, created, props, registered, settle, valueOf } from './mocks';
import {
  BundleEndpointAuth,
  Mesh,
  PostgresDatabase,
  RolloutStage,
  SpireStack as Cdk8sSpireStack,
  SpiffeId,
  TrustDomain,
  WorkloadIdentity as Cdk8sWorkloadIdentity,
} from '../../src';
import { BatchIdentity, MeshPolicy, SpireServer, SpireStack, WorkloadIdentities, WorkloadIdentity } from '../../src/pulumi';

const CLUSTER_SPIFFEID = 'kubernetes:spire.spiffe.io/v1alpha1:ClusterSPIFFEID';
const server = () => new SpireServer(`srv-${Math.random().toString(36).slice(2, 8)}`, { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });

describe('WorkloadIdentities: many identities, one component', () => {
  const services = ['order', 'payment', 'subscription'];
  const identityArgs = (s: string) => ({ namespace: 'payments', serviceAccount: `${s}-service`, podLabels: { app: s } });
  let stack: SpireStack;
  let batch: WorkloadIdentities;
  let mine: typeof registered = [];
  const provider = new k8s.Provider('batch-out', { renderYamlToDirectory: '/tmp/spire-constructs-yaml-batch' });
  beforeAll(async () => {
    await settle();
    const start = registered.length;
    stack = new SpireStack('batch', props(), { provider });
    batch = new WorkloadIdentities('payments', { server: stack, identities: Object.fromEntries(services.map((s) => [s, identityArgs(s)])) }, { provider });
    await settle();
    mine = registered.slice(start);
  });

  test('one component resource for all identities: each ClusterSPIFFEID is its direct child, named <component>-<name>, no ConfigGroup', () => {
    expect(mine.filter((r) => r.type === 'spire-constructs:index:WorkloadIdentities').map((r) => r.name)).toEqual(['payments']);
    expect(batch.configGroups).toEqual([]);
    expect(mine.filter((r) => r.type === 'kubernetes:yaml:ConfigGroup').map((r) => r.name)).toEqual(['batch-foundation', 'batch-resources']);
    const ids = mine.filter((r) => r.type === CLUSTER_SPIFFEID);
    expect(ids.map((r) => r.name).sort()).toEqual(['payments-payments-order-service', 'payments-payments-payment-service', 'payments-payments-subscription-service']);
    expect(ids.every((r) => (r.provider ?? '').includes('batch-out'))).toBe(true);
  });

  test('the ClusterSPIFFEIDs are what the cdk8s WorkloadIdentity renders, field for field', () => {
    const chart = new Chart(Testing.app(), 'prod');
    const cdk8sStack = new Cdk8sSpireStack(chart, 'spire', props());
    const expected = services.map((s) => canonical(new Cdk8sWorkloadIdentity(chart, s, { server: cdk8sStack.server, ...identityArgs(s) }).resource.toJson()));
    const actual = mine.filter((r) => r.type === CLUSTER_SPIFFEID).map((r) => canonical(r.inputs));
    expect(actual.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))).toEqual(expected);
    expect(batch.objects.map(canonical)).toEqual(expected);
  });

  test("registered after the tree's namespaces and CRDs (dependsOn the stack's foundation)", () => {
    const foundation = mine.map((r, i) => [r, i] as const).filter(([r]) => created(r) && ['Namespace', 'CustomResourceDefinition'].includes(r.inputs.kind));
    const first = mine.findIndex((r) => r.type === CLUSTER_SPIFFEID);
    expect(foundation.length).toBeGreaterThan(0);
    expect(foundation.every(([, i]) => i < first)).toBe(true);
  });

  test('identities by key, with their SPIFFE IDs; the component records its args with SPIFFE IDs and outputs them', async () => {
    expect(Object.keys(batch.identities)).toEqual(services);
    expect(batch.identities.order).toBeInstanceOf(BatchIdentity);
    expect(batch.identities.order.spiffeId).toBe('spiffe://prod.example.com/ns/payments/sa/order-service');
    expect(batch.spiffeIds).toEqual({
      order: 'spiffe://prod.example.com/ns/payments/sa/order-service',
      payment: 'spiffe://prod.example.com/ns/payments/sa/payment-service',
      subscription: 'spiffe://prod.example.com/ns/payments/sa/subscription-service',
    });
    const inputs = mine.find((r) => r.type === 'spire-constructs:index:WorkloadIdentities')!.inputs;
    expect(inputs.identities.order).toEqual({ namespace: 'payments', serviceAccount: 'order-service', podLabels: { app: 'order' } });
    expect(await valueOf(batch.urn)).toMatch(/spire-constructs:index:WorkloadIdentities::payments$/);
  });

  test('its fields that grow with the identities stay out of the enumerable fields (Pulumi walks those in every output)', () => {
    expect(Object.keys(batch).filter((k) => ['identities', 'spiffeIds', 'objects', 'configGroups', 'findings', 'prerequisites'].includes(k))).toEqual([]);
  });

  test('a MeshPolicy takes batch identities as callers and callees, next to WorkloadIdentity components', async () => {
    const start = registered.length;
    const web = new WorkloadIdentity('batch-web', { server: stack, namespace: 'shop', serviceAccount: 'web', podLabels: { app: 'web' } });
    new MeshPolicy('batch-policy', {
      mesh: Mesh.istio(),
      stage: RolloutStage.ENFORCE,
      allows: [
        { caller: batch.identities.order, callee: batch.identities.payment, methods: ['POST'], paths: ['/api/payments/charge'], ports: [8443] },
        { caller: web, callee: batch.identities.order, ports: [8443] },
        { caller: batch.identities.subscription, callee: web, ports: [8443] },
      ],
    });
    await settle();
    const policy = registered.slice(start);
    const inputs = policy.find((r) => r.type === 'spire-constructs:index:MeshPolicy')!.inputs;
    expect(inputs.allows[0]).toMatchObject({ caller: 'spiffe://prod.example.com/ns/payments/sa/order-service', callee: 'spiffe://prod.example.com/ns/payments/sa/payment-service' });
    const authz = policy.filter(created).map((r) => r.inputs).filter((o) => o.kind === 'AuthorizationPolicy' && /-allow-\d+$/.test(o.metadata.name));
    const principals = (name: string) => authz.find((o) => o.metadata.name === name)!.spec.rules[0].from[0].source.principals;
    expect(principals('payment-service-allow-0')).toEqual(['prod.example.com/ns/payments/sa/order-service']);
    expect(principals('order-service-allow-0')).toEqual(['prod.example.com/ns/shop/sa/web']);
    expect(principals('web-allow-0')).toEqual(['prod.example.com/ns/payments/sa/subscription-service']);
  });
});

describe('WorkloadIdentities: the same checks as one component per identity', () => {
  test('the same SPIFFE ID twice in a batch, or in a batch and an earlier component, fails with a ResourceError naming both', () => {
    const srv = server();
    expect(() => new WorkloadIdentities('twice', { server: srv, identities: { a: { namespace: 'shop', serviceAccount: 'web' }, b: { namespace: 'shop', serviceAccount: 'web', name: 'web-2' } } })).toThrow(
      /is declared twice: by 'twice\/a' and 'twice\/b'/,
    );
    const srv2 = server();
    new WorkloadIdentity('one', { server: srv2, namespace: 'shop', serviceAccount: 'web' });
    expect(() => new WorkloadIdentities('many', { server: srv2, identities: { web: { namespace: 'shop', serviceAccount: 'web', name: 'web-2' } } })).toThrow(
      /is declared twice: by 'one\/identity' and 'many\/web'/,
    );
  });

  test('invalid identity args fail with the cdk8s message, naming the identity', () => {
    expect(() => new WorkloadIdentities('bad-ns', { server: server(), identities: { web: { namespace: 'Shop', serviceAccount: 'web' } } })).toThrow(/Invalid 'namespace': received "Shop".*\[at bad-ns\/web\]/s);
  });

  test('no identities is refused', () => {
    expect(() => new WorkloadIdentities('none', { server: server(), identities: {} })).toThrow(/Invalid 'identities': received \{\}\. Give at least one identity/);
  });

  test('the checklist runs over the batch: written exceptions show as acknowledged findings', () => {
    const batch = new WorkloadIdentities('ttl', {
      server: server(),
      identities: { web: { namespace: 'shop', serviceAccount: 'web', x509SvidTtl: Duration.hours(2), longTtlReason: 'legacy client reconnects slowly' } },
    });
    expect(batch.findings.filter((f) => f.ruleId === 'SPIRE-ID2').map((f) => f.acknowledged)).toEqual(['legacy client reconnects slowly']);
  });

  test('identities federate by the names of the server component\'s federations; an unknown name fails saying what to do', async () => {
    const partner = {
      trustDomain: TrustDomain.of('partner.example'),
      bundleEndpointUrl: 'https://spire-bundle.partner.example:8443',
      auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse('spiffe://partner.example/spire/server')),
      trustDomainBundle: fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'partner-bundle.json'), 'utf8'),
    };
    const stack = new SpireStack('batch-fed', { ...props(), federations: [partner], checkPrerequisites: false });
    const batch = new WorkloadIdentities('batch-fed-ids', { server: stack, identities: { web: { namespace: 'shop', serviceAccount: 'web', federatesWith: ['partner.example'] } } });
    expect(batch.objects[0].spec).toMatchObject({ federatesWith: ['partner.example'] });
    expect(() => new WorkloadIdentities('batch-fed-bad', { server: stack, identities: { api: { namespace: 'shop', serviceAccount: 'api', federatesWith: ['other.example'] } } })).toThrow(
      /Invalid 'federatesWith': received "other.example"\. The server federates with "partner.example": declare it in the server component's 'federations'/,
    );
  });

  test('a policy joining batch identities of two servers fails', () => {
    const a = new WorkloadIdentities('two-a', { server: server(), identities: { web: { namespace: 'shop', serviceAccount: 'web' } } });
    const b = new WorkloadIdentities('two-b', { server: server(), identities: { api: { namespace: 'shop', serviceAccount: 'api', podLabels: { app: 'api' } } } });
    expect(() => new MeshPolicy('two', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, allows: [{ caller: a.identities.web, callee: b.identities.api }] })).toThrow(
      /joins identities of two different SpireStack\/SpireServer components/,
    );
  });
});

// Registrations run on after the constructors return: let them finish before the environment goes.
afterAll(() => new Promise((r) => setTimeout(r, 3000)));
