import { App, Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import * as YAML from 'yaml';
import { PaymentsApp, PAYMENTS_SERVICES, PaymentsService } from '../../examples/production/payments';
import { paymentsPolicy } from '../../examples/production/policy';
import {
  BundleEndpointAuth,
  FederatedTrustDomain,
  ForeignCallerNetwork,
  Mesh,
  MeshPolicy,
  PostgresDatabase,
  RolloutStage,
  SpiffeId,
  SpiffeIdScheme,
  SpireServer,
  TrustDomain,
  WorkloadIdentity,
} from '../../src';
import { istioDecision, linkerdDecision } from '../util/mesh-evaluator';
import { all, one } from '../util/synth';
import { expectValidManifests, KubeObject } from '../util/validate';

function scenario(mesh: Mesh, stage: RolloutStage) {
  const app = Testing.app();
  const chart = new Chart(app, 'c');
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const payments = new PaymentsApp(chart, 'payments', server);
  const policy = paymentsPolicy(chart, 'policy', payments, mesh, stage);
  app.synthYaml(); // run validations
  return { app, chart, server, payments, policy, objects: Testing.synth(chart) as KubeObject[] };
}

/** The declared intent, written independently of the generator. */
const INTENT: Array<{ caller: PaymentsService; callee: PaymentsService; method: string; path: string }> = [
  { caller: 'order-service', callee: 'payment-service', method: 'POST', path: '/api/payments/charge' },
  { caller: 'subscription-service', callee: 'payment-service', method: 'POST', path: '/api/payments/charge' },
  { caller: 'order-service', callee: 'payment-service', method: 'POST', path: '/api/payments/refund' },
];
const HEALTH = ['/health', '/ready'];
type Caller = { label: string; service?: PaymentsService; principal?: string; linkerd?: { namespace: string; serviceAccount: string } };
const CALLERS: Caller[] = [
  ...PAYMENTS_SERVICES.map((s) => ({ label: s, service: s, principal: `prod.example.com/ns/payments/sa/${s}`, linkerd: { namespace: 'payments', serviceAccount: s } })),
  { label: 'no identity (plaintext / unmeshed)' },
  { label: 'order-service SA in another namespace', principal: 'prod.example.com/ns/shop/sa/order-service', linkerd: { namespace: 'shop', serviceAccount: 'order-service' } },
  { label: 'foreign trust domain, same path', principal: 'evil.example/ns/payments/sa/order-service' },
];
const METHODS = ['GET', 'POST', 'DELETE'];
const PATHS = ['/api/payments/charge', '/api/payments/refund', '/api/payments/charge/x', '/health', '/ready', '/admin'];

const CALLEES = new Set(INTENT.map((i) => i.callee));

/**
 * Default deny in a covered namespace: workloads nobody may call refuse everything. Under Istio
 * STRICT mTLS a caller without an SVID is refused before authorization (kubelet probes are
 * rewritten by the sidecar and never reach the app port).
 */
function expected(caller: Caller, callee: PaymentsService, method: string, path: string, mtlsRequired = false): 'ALLOW' | 'DENY' {
  if (!CALLEES.has(callee)) return 'DENY';
  if (mtlsRequired && !caller.principal) return 'DENY';
  if (HEALTH.includes(path) && (method === 'GET' || method === 'HEAD')) return 'ALLOW';
  return INTENT.some((i) => i.caller === caller.service && i.callee === callee && i.method === method && i.path === path) ? 'ALLOW' : 'DENY';
}

function allCases() {
  return CALLERS.flatMap((caller) =>
    PAYMENTS_SERVICES.flatMap((callee) => METHODS.flatMap((method) => PATHS.map((path) => ({ caller, callee, method, path })))),
  );
}

function podLabelsOf(objects: KubeObject[], service: string): Record<string, string> {
  return (one(objects, 'Deployment', service) as any).spec.template.metadata.labels;
}

describe('Istio at ENFORCE: every (caller, callee, method, path) decision equals the declared intent', () => {
  const { objects } = scenario(Mesh.istio({ cni: true }), RolloutStage.ENFORCE);
  const cases = allCases();

  test.each(cases.map((c) => [c.caller.label, c.callee, c.method, c.path, c] as const))('%s → %s %s %s', (_l, callee, method, path, c) => {
    const decision = istioDecision(objects, {
      namespace: 'payments',
      podLabels: podLabelsOf(objects, callee),
      port: 8443,
      method,
      path,
      principal: c.caller.principal,
    });
    expect(decision).toBe(expected(c.caller, callee, method, path, true));
  });

  test('objects: STRICT PeerAuthentication, allow-nothing spec {}, exact principals without spiffe://', () => {
    expect(one(objects, 'PeerAuthentication').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(one(objects, 'AuthorizationPolicy', 'allow-nothing').spec).toEqual({});
    const principals = all(objects, 'AuthorizationPolicy').flatMap((p) => (p.spec.rules ?? []).flatMap((r: any) => (r.from ?? []).flatMap((f: any) => f.source.principals)));
    expect(principals.sort()).toEqual([
      'prod.example.com/ns/payments/sa/order-service',
      'prod.example.com/ns/payments/sa/order-service',
      'prod.example.com/ns/payments/sa/subscription-service',
    ]);
    expect(principals.every((p) => !p.startsWith('spiffe://') && !p.includes('*'))).toBe(true);
    expect(all(objects, 'AuthorizationPolicy').every((p) => p.metadata.annotations === undefined)).toBe(true);
    expectValidManifests(objects);
  });

  test('NetworkPolicy: default deny ingress and allows from the caller pods only', () => {
    expect(one(objects, 'NetworkPolicy', 'default-deny-ingress').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    const allows = all(objects, 'NetworkPolicy').filter((n) => n.metadata.name.startsWith('payment-service-allow'));
    expect(allows).toHaveLength(3);
    expect(allows[0].spec.ingress[0].from[0].podSelector.matchLabels).toEqual(podLabelsOf(objects, 'order-service'));
    expect(allows[0].spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8443 }]);
  });

  test('in-app allowlist: per path, the allowed SPIFFE IDs', () => {
    const cm = one(objects, 'ConfigMap', 'payment-service-allowed-callers');
    const list = JSON.parse(cm.data['allowed-callers.json']);
    expect(list.callee).toBe('spiffe://prod.example.com/ns/payments/sa/payment-service');
    expect(list.allowedCallers).toEqual({
      '/api/payments/charge': ['spiffe://prod.example.com/ns/payments/sa/order-service', 'spiffe://prod.example.com/ns/payments/sa/subscription-service'],
      '/api/payments/refund': ['spiffe://prod.example.com/ns/payments/sa/order-service'],
    });
    expect(list.unauthenticatedPaths).toEqual(['/health', '/ready']);
  });
});

describe('Istio stages', () => {
  const decide = (objects: KubeObject[], principal: string | undefined, path = '/admin') =>
    istioDecision(objects, { namespace: 'payments', podLabels: podLabelsOf(objects, 'payment-service'), port: 8443, method: 'POST', path, principal });

  test('OBSERVE: nothing enforced (policies dry-run, no PeerAuthentication), everything still flows', () => {
    const { objects } = scenario(Mesh.istio({ cni: true }), RolloutStage.OBSERVE);
    expect(all(objects, 'PeerAuthentication')).toHaveLength(0);
    expect(all(objects, 'AuthorizationPolicy').every((p) => p.metadata.annotations['istio.io/dry-run'] === 'true')).toBe(true);
    expect(all(objects, 'NetworkPolicy').filter((n) => n.metadata.namespace === 'payments')).toHaveLength(0);
    expect(decide(objects, undefined)).toBe('ALLOW');
  });

  test('PERMISSIVE: plaintext clients still served (principal ALLOW rules would refuse them, so authz stays dry-run)', () => {
    const { objects } = scenario(Mesh.istio({ cni: true }), RolloutStage.PERMISSIVE);
    expect(one(objects, 'PeerAuthentication').spec.mtls.mode).toBe('PERMISSIVE');
    expect(decide(objects, undefined, '/api/payments/charge')).toBe('ALLOW');
  });

  test('STRICT: mTLS required, authorization not yet enforced', () => {
    const { objects } = scenario(Mesh.istio({ cni: true }), RolloutStage.STRICT);
    expect(decide(objects, undefined)).toBe('DENY');
    expect(decide(objects, 'prod.example.com/ns/shop/sa/x')).toBe('ALLOW');
  });
});

describe('Linkerd at ENFORCE: every decision equals the declared intent', () => {
  const { objects } = scenario(Mesh.linkerd({ cni: true }), RolloutStage.ENFORCE);
  const cases = allCases();

  test.each(cases.map((c) => [c.caller.label, c.callee, c.method, c.path, c] as const))('%s → %s %s %s', (_l, callee, method, path, c) => {
    const deployment = one(objects, 'Deployment', callee) as any;
    const decision = linkerdDecision(objects, {
      namespace: 'payments',
      podLabels: deployment.spec.template.metadata.labels,
      defaultPolicy: deployment.spec.template.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated',
      port: 8443,
      method,
      path,
      client: c.caller.linkerd,
      clientIp: c.caller.linkerd ? '10.1.2.3' : '10.0.0.1',
    });
    expect(decision).toBe(expected(c.caller, callee, method, path));
  });

  test('objects validate against the Linkerd CRDs; Server accessPolicy deny; identityRefs for callers', () => {
    expectValidManifests(objects);
    expect(one(objects, 'Server').spec).toMatchObject({ port: 8443, accessPolicy: 'deny', proxyProtocol: 'unknown' });
    const refs = all(objects, 'MeshTLSAuthentication').flatMap((m) => m.spec.identityRefs);
    expect(refs).toContainEqual({ kind: 'ServiceAccount', name: 'order-service', namespace: 'payments' });
    expect(refs).toContainEqual({ kind: 'ServiceAccount', name: 'subscription-service', namespace: 'payments' });
    for (const s of PAYMENTS_SERVICES) {
      const d = one(objects, 'Deployment', s) as any;
      expect(d.spec.template.metadata.annotations['config.linkerd.io/default-inbound-policy']).toBe('deny');
    }
    expect(all(objects, 'NetworkPolicy').find((n) => n.metadata.name === 'payment-service-allow-0').spec.ingress[0].ports).toContainEqual({ protocol: 'TCP', port: 4143 });
  });
});

describe('Istio trust domain aliases', () => {
  test('declared callers are also allowed under each alias; the evaluator agrees', () => {
    const { objects } = scenario(Mesh.istio({ trustDomainAliases: ['old.example.com'], cni: true }), RolloutStage.ENFORCE);
    const p = one(objects, 'AuthorizationPolicy', 'payment-service-allow-0');
    expect(p.spec.rules[0].from[0].source.principals).toEqual(['prod.example.com/ns/payments/sa/order-service', 'old.example.com/ns/payments/sa/order-service']);
    const decide = (principal: string) =>
      istioDecision(objects, { namespace: 'payments', podLabels: podLabelsOf(objects, 'payment-service'), port: 8443, method: 'POST', path: '/api/payments/charge', principal });
    expect(decide('old.example.com/ns/payments/sa/order-service')).toBe('ALLOW');
    expect(decide('other.example.com/ns/payments/sa/order-service')).toBe('DENY');
  });

  test('aliases must be trust domain names', () => {
    expect(() => Mesh.istio({ trustDomainAliases: ['Old.Example'] })).toThrow(/Invalid 'trustDomainAliases': received "Old.Example"/);
  });
});

describe('MeshPolicy refuses', () => {
  function base() {
    const app = new App();
    const chart = new Chart(app, 'c');
    const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const mk = (name: string, ns = 'payments') => {
      const id = new WorkloadIdentity(chart, `${ns}-${name}`, { server, namespace: ns, serviceAccount: name });
      const d = new plus.Deployment(chart, `${ns}-${name}-d`, { metadata: { namespace: ns }, containers: [{ image: 'example/x:1.0.0', portNumber: 8080 }] });
      id.bind(d);
      return id;
    };
    const policy = new MeshPolicy(chart, 'p', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE });
    return { chart, server, mk, policy };
  }

  test('an empty method or path list (which could allow everything)', () => {
    const { mk, policy } = base();
    const a = mk('a');
    const b = mk('b');
    expect(() => policy.allow(a, b, { methods: [] })).toThrow(/Invalid 'methods': received \[\]. An empty list would match nothing or, in some meshes, everything/);
    expect(() => policy.allow(a, b, { paths: ['/*'] })).toThrow(/Invalid 'paths': received "\/\*"/);
    expect(() => policy.allow(a, b, { methods: ['get'] })).toThrow(/Invalid 'methods': received "get". Use uppercase HTTP methods/);
  });

  test('dot segments and "//" in paths (proxies normalise them, so the rule would not mean what it says)', () => {
    const { mk, policy } = base();
    const a = mk('a');
    const b = mk('b');
    expect(() => policy.allow(a, b, { paths: ['/api/../admin'] })).toThrow(/Invalid 'paths': received "\/api\/..\/admin". .*no "." or ".." segments/);
    expect(() => policy.allow(a, b, { paths: ['/api//x'] })).toThrow(/Invalid 'paths': received "\/api\/\/x"/);
    expect(() => new MeshPolicy(base().chart, 'q', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, unauthenticatedPaths: ['/./health'] })).toThrow(/Invalid 'unauthenticatedPaths': received "\/.\/health"/);
    policy.allow(a, b, { paths: ['/api/v1/'] });
  });

  test('"/" as an unauthenticated path, and an allow on a path that is already open', () => {
    const { chart, mk } = base();
    expect(() => new MeshPolicy(chart, 'q', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, unauthenticatedPaths: ['/'] })).toThrow(
      "Invalid 'unauthenticatedPaths': received \"/\". The root path is the API of many services",
    );
    const policy = new MeshPolicy(chart, 'r', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, unauthenticatedPaths: ['/health', '/status/live'] });
    const a = mk('a');
    const b = mk('b');
    expect(() => policy.allow(a, b, { paths: ['/health'] })).toThrow("Invalid 'paths': received \"/health\". \"/health\" is one of the policy's unauthenticatedPaths");
    expect(() => policy.allow(a, b, { paths: ['/status/*'] })).toThrow("Invalid 'paths': received \"/status/*\". \"/status/live\" is one of the policy's unauthenticatedPaths");
  });

  test('the same allow twice', () => {
    const { mk, policy } = base();
    const a = mk('a');
    const b = mk('b');
    policy.allow(a, b, { methods: ['POST', 'GET'], paths: ['/x'] });
    expect(() => policy.allow(a, b, { methods: ['GET', 'POST'], paths: ['/x'] })).toThrow(
      "Invalid 'allow': received \"spiffe://prod.example.com/ns/payments/sa/a → spiffe://prod.example.com/ns/payments/sa/b\". This exact allow",
    );
    policy.allow(a, b, { methods: ['DELETE'], paths: ['/x'] });
  });

  test('a namespaceStages key naming a namespace without callees (a typo) fails synth', () => {
    const { chart, mk } = base();
    const policy = new MeshPolicy(chart, 'q', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, namespaceStages: { paymnets: RolloutStage.PERMISSIVE } });
    policy.allow(mk('a'), mk('b'));
    expect(() => (chart.node.root as App).synthYaml()).toThrow(
      "Invalid 'namespaceStages.paymnets': this policy allows no callee in namespace \"paymnets\" (callees are in payments)",
    );
  });

  test('wildcards and undeclared callers', () => {
    const { mk, policy } = base();
    const b = mk('b');
    expect(() => policy.allow(MeshPolicy.foreignCaller(SpiffeId.parse('spiffe://prod.example.com/ns/x/sa/y')), b)).toThrow(/A caller in the local trust domain must be a declared WorkloadIdentity/);
    expect(() => SpiffeId.parse('spiffe://partner.example/ns/*/sa/x')).toThrow(/Invalid SPIFFE ID/);
    expect(() => policy.allow({} as never, b)).toThrow(/Invalid 'caller'/);
  });

  test('a foreign caller whose trust domain the callee does not federate with', () => {
    const { chart, server, mk, policy } = base();
    const b = mk('b');
    expect(() => policy.allow(MeshPolicy.foreignCaller(SpiffeId.parse('spiffe://partner.example/ns/shop/sa/web')), b)).toThrow(
      /does not federate with trust domain "partner.example"/,
    );
    const partner = new FederatedTrustDomain(chart, 'partner', { server, trustDomain: TrustDomain.of('partner.example'), bundleEndpointUrl: 'https://b.partner.example', auth: BundleEndpointAuth.httpsWeb() });
    const c = new WorkloadIdentity(chart, 'c', { server, namespace: 'payments', serviceAccount: 'c', federatesWith: [partner] });
    c.bind(new plus.Deployment(chart, 'cd', { metadata: { namespace: 'payments' }, containers: [{ image: 'example/x:1.0.0', portNumber: 8080 }] }));
    const web = SpiffeId.parse('spiffe://partner.example/ns/shop/sa/web');
    // At ENFORCE the callee's NetworkPolicy admits only declared sources: the foreign caller must say where it enters.
    expect(() => policy.allow(MeshPolicy.foreignCaller(web), c, { methods: ['GET'] })).toThrow(
      /At ENFORCE the NetworkPolicy of namespace payments admits only declared sources.*ForeignCallerNetwork\.pods/,
    );
    const gateway = ForeignCallerNetwork.pods('istio-system', { istio: 'eastwestgateway' });
    policy.allow(MeshPolicy.foreignCaller(web, { network: gateway }), c, { methods: ['GET'] });
    const objects = Testing.synth(chart) as KubeObject[];
    const principals = objects
      .filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata?.name === 'c-allow-0')
      .flatMap((p: any) => p.spec.rules[0].from[0].source.principals);
    expect(principals).toEqual(['partner.example/ns/shop/sa/web']);
    const np = objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata?.name === 'c-allow-0') as any;
    expect(np.spec.ingress[0].from).toEqual([
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { istio: 'eastwestgateway' } } },
    ]);
    expect(() => ForeignCallerNetwork.pods('istio-system', {})).toThrow(/Invalid 'network.pods podLabels'/);
    expect(ForeignCallerNetwork.cidrs(['203.0.113.0/24'])._peers).toEqual([{ ipBlock: { cidr: '203.0.113.0/24' } }]);
  });

  test('Istio needs ns/sa-shaped IDs; callees need a pod selector and ports', () => {
    const { chart, server, mk, policy } = base();
    const a = mk('a');
    const fixed = new WorkloadIdentity(chart, 'fixed', { server, namespace: 'payments', serviceAccount: 'f', idScheme: SpiffeIdScheme.fixedPath('/payments/f') });
    expect(() => policy.allow(a, fixed)).toThrow(/Istio with SPIRE requires SPIFFE IDs of the form/);
    const unbound = new WorkloadIdentity(chart, 'unbound', { server, namespace: 'payments', serviceAccount: 'u' });
    expect(() => policy.allow(a, unbound)).toThrow(/has no pod selector: bind\(\) exactly one workload to it or pin 'podLabels'/);
    const b = mk('b');
    expect(() => policy.allow(a, b, { ports: [9999] })).toThrow(/Invalid 'ports': received 9999. Callee 'c\/payments-b' exposes 8080./);
  });

  test('bad mesh and stage', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => new MeshPolicy(chart, 'x', { mesh: undefined as never, stage: RolloutStage.ENFORCE })).toThrow(/Invalid 'mesh'/);
    expect(() => new MeshPolicy(chart, 'y', { mesh: Mesh.istio(), stage: 'ON' as RolloutStage })).toThrow(/Invalid 'stage': received "ON"/);
    expect(() => new MeshPolicy(chart, 'z', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE, unauthenticatedPaths: ['/api/*'] })).toThrow(/Invalid 'unauthenticatedPaths'/);
  });
});

describe('Istio with SPIRE as the sidecars\' CA', () => {
  const { objects, policy } = scenario(Mesh.istio({ cni: true }), RolloutStage.ENFORCE);

  test('callees and callers are injected with the spire template (label and annotation on the pod template)', () => {
    for (const s of PAYMENTS_SERVICES) {
      const meta = (one(objects, 'Deployment', s) as any).spec.template.metadata;
      expect({ s, label: meta.labels['sidecar.istio.io/inject'], templates: meta.annotations['inject.istio.io/templates'] }).toEqual({ s, label: 'true', templates: 'sidecar,spire' });
    }
  });

  test('istiod artifacts: meshConfig.trustDomain is SPIRE\'s, the spire template mounts the CSI socket directory into istio-proxy', () => {
    const values = YAML.parse(policy.artifacts['istiod-values.yaml']);
    expect(values.meshConfig).toEqual({ trustDomain: 'prod.example.com' });
    expect(values.pilot).toEqual({ cni: { enabled: true } });
    const template = YAML.parse(values.sidecarInjectorWebhook.templates.spire);
    expect(template.spec.containers).toEqual([{ name: 'istio-proxy', volumeMounts: [{ name: 'workload-socket', mountPath: '/run/secrets/workload-spiffe-uds', readOnly: true }] }]);
    expect(template.spec.volumes).toEqual([{ name: 'workload-socket', csi: { driver: 'csi.spiffe.io', readOnly: true } }]);
    const operator = YAML.parse(policy.artifacts['istio-operator.yaml']);
    expect(operator).toMatchObject({ apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', spec: { meshConfig: values.meshConfig, values: { pilot: values.pilot } } });
  });

  test('without istio-cni, a Pod Security restricted app namespace fails synth naming the option', () => {
    expect(() => scenario(Mesh.istio(), RolloutStage.ENFORCE)).toThrow(
      /Invalid 'cni': received false\. Namespace payments \(restricted\) enforces Pod Security that rejects istio-init \(NET_ADMIN, NET_RAW\).*Mesh\.istio\(\{ cni: true \}\)/,
    );
  });

  test('a restricted Namespace declared after a synth (same tick) fails the next synth, and a later label change is seen too', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'c');
    const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const web = new WorkloadIdentity(chart, 'web', { server, namespace: 'shop', serviceAccount: 'web', podLabels: { app: 'web' } });
    const api = new WorkloadIdentity(chart, 'api', { server, namespace: 'shop', serviceAccount: 'api', podLabels: { app: 'api' } });
    new MeshPolicy(chart, 'p', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE }).allow(web, api, { ports: [8080] });
    app.synthYaml();
    const ns = new plus.Namespace(chart, 'shop', { metadata: { name: 'shop' } });
    expect(() => app.synthYaml()).not.toThrow();
    ns.metadata.addLabel('pod-security.kubernetes.io/enforce', 'baseline');
    expect(() => app.synthYaml()).toThrow(/Namespace shop \(baseline\) enforces Pod Security that rejects istio-init/);
    expect(() => Testing.synth(chart)).toThrow(/Namespace shop \(baseline\)/);
  });

  test('one Istio policy, one trust domain (istiod has one)', () => {
    const chart = new Chart(Testing.app(), 'c');
    const a = new SpireServer(chart, 'a', { trustDomain: TrustDomain.of('a.example.com'), clusterName: 'a', database: PostgresDatabase.cloudNativePg(), namespace: 'spire-a', agentNamespace: 'agents-a' });
    const b = new SpireServer(chart, 'b', { trustDomain: TrustDomain.of('b.example.com'), clusterName: 'b', database: PostgresDatabase.cloudNativePg({ name: 'db-b' }), namespace: 'spire-b', agentNamespace: 'agents-b' });
    const id = (server: SpireServer, sa: string) => new WorkloadIdentity(chart, `${server.node.id}-${sa}`, { server, namespace: 'shop', serviceAccount: sa, podLabels: { app: sa } });
    const twoDomains = new MeshPolicy(chart, 'p', { mesh: Mesh.istio(), stage: RolloutStage.ENFORCE });
    twoDomains.allow(id(a, 'web'), id(a, 'api'), { ports: [8080] });
    expect(() => twoDomains.allow(id(b, 'web'), id(b, 'api'), { ports: [8080] })).toThrow(/istiod has one trust domain \(meshConfig\.trustDomain\) and this policy's callees are in "a\.example\.com"/);
  });
});
