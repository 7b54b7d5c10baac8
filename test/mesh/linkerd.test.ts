import { App, Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { buildApp } from '../../examples/linkerd/main';
import {
  ForeignCallerNetwork,
  AllowOptions,
  BundleEndpointAuth,
  FederatedTrustDomain,
  LinkerdProxyProtocol,
  Mesh,
  MeshPolicy,
  PostgresDatabase,
  RolloutStage,
  SpiffeId,
  SpireServer,
  TrustDomain,
  WorkloadIdentity,
} from '../../src';
import { linkerdOutcome, linkerdRoute, LinkerdRequest } from '../util/mesh-evaluator';
import { all, one } from '../util/synth';
import { expectValidManifests, KubeObject } from '../util/validate';

/** The linkerd example's objects, in manifest order (the evaluator's model of creation order). */
function linkerdExample(): KubeObject[] {
  const app = buildApp(Testing.app());
  app.synthYaml();
  return app.charts.flatMap((c) => c.toJson() as KubeObject[]);
}

function exampleRequest(objects: KubeObject[], callee: string, caller: string | undefined, method: string, path: string): LinkerdRequest {
  const d = one(objects, 'Deployment', callee);
  return {
    namespace: 'payments',
    podLabels: d.spec.template.metadata.labels,
    defaultPolicy: d.spec.template.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated',
    port: 8443,
    method,
    path,
    client: caller ? { namespace: 'payments', serviceAccount: caller } : undefined,
    clientIp: caller ? '10.1.2.3' : '10.0.0.1',
  };
}

describe('issue #16: Linkerd picks one route per request', () => {
  const objects = linkerdExample();

  test('both declared callers may charge: the route Linkerd picks authorizes subscription-service too', () => {
    const outcome = linkerdOutcome(objects, exampleRequest(objects, 'payment-service', 'subscription-service', 'POST', '/api/payments/charge'));
    expect(outcome).toMatchObject({ decision: 'ALLOW', status: 200 });
    expect(linkerdOutcome(objects, exampleRequest(objects, 'payment-service', 'order-service', 'POST', '/api/payments/charge'))).toMatchObject({ decision: 'ALLOW' });
    expect(linkerdOutcome(objects, exampleRequest(objects, 'payment-service', 'subscription-service', 'POST', '/api/payments/refund'))).toMatchObject({ status: 403 });
    expect(linkerdOutcome(objects, exampleRequest(objects, 'payment-service', 'order-service', 'GET', '/admin'))).toMatchObject({ status: 404 });
  });

  test('one route per distinct match, named from the match; one authorization per route listing every caller', () => {
    const linkerd = objects.filter((o) => o.apiVersion.startsWith('policy.linkerd.io')).map((o) => `${o.kind}/${o.metadata!.name}`);
    expect(linkerd).toEqual([
      'Server/payment-service-8443',
      'HTTPRoute/payment-service-8443-probes',
      'NetworkAuthentication/payment-service-8443-probes',
      'AuthorizationPolicy/payment-service-8443-probes',
      'HTTPRoute/payment-service-8443-post-exact-api.payments.charge',
      'MeshTLSAuthentication/payment-service-8443-post-exact-api.payments.charge',
      'AuthorizationPolicy/payment-service-8443-post-exact-api.payments.charge',
      'HTTPRoute/payment-service-8443-post-exact-api.payments.refund',
      'MeshTLSAuthentication/payment-service-8443-post-exact-api.payments.refund',
      'AuthorizationPolicy/payment-service-8443-post-exact-api.payments.refund',
    ]);
    expect(one(objects, 'MeshTLSAuthentication', 'payment-service-8443-post-exact-api.payments.charge').spec).toEqual({
      identityRefs: [
        { kind: 'ServiceAccount', name: 'order-service', namespace: 'payments' },
        { kind: 'ServiceAccount', name: 'subscription-service', namespace: 'payments' },
      ],
    });
    expect(one(objects, 'Server').spec.proxyProtocol).toBe('unknown');
    expectValidManifests(objects);
  });
});

describe('the evaluator models Linkerd route choice', () => {
  const route = (name: string, matches: any[]) => ({ kind: 'HTTPRoute', metadata: { name }, spec: { rules: [{ matches }] } });
  const req = (method: string, path: string) => ({ method, path }) as LinkerdRequest;

  test('the most specific match wins: longer path match, then a method', () => {
    const routes = [
      route('any', [{ path: { type: 'PathPrefix', value: '/' } }]),
      route('get', [{ path: { type: 'PathPrefix', value: '/' }, method: 'GET' }]),
      route('api', [{ path: { type: 'PathPrefix', value: '/api' } }]),
      route('charge', [{ path: { type: 'Exact', value: '/api/charge' } }]),
    ];
    expect(linkerdRoute(routes, req('GET', '/x'))?.metadata.name).toBe('get');
    expect(linkerdRoute(routes, req('POST', '/x'))?.metadata.name).toBe('any');
    expect(linkerdRoute(routes, req('GET', '/api/x'))?.metadata.name).toBe('api');
    expect(linkerdRoute(routes, req('GET', '/api/charge'))?.metadata.name).toBe('charge');
    // Prefixes match whole segments; trailing slashes are ignored.
    expect(linkerdRoute(routes, req('POST', '/apix'))?.metadata.name).toBe('any');
    expect(linkerdRoute(routes, req('POST', '/api/'))?.metadata.name).toBe('api');
  });

  test('a tie (identical matches, or Exact and PathPrefix of one path) keeps the earlier route; no fit is undefined (404)', () => {
    const a = route('b-first', [{ path: { type: 'Exact', value: '/a' }, method: 'POST' }]);
    const b = route('a-second', [{ path: { type: 'Exact', value: '/a' }, method: 'POST' }]);
    expect(linkerdRoute([a, b], req('POST', '/a'))?.metadata.name).toBe('b-first');
    expect(linkerdRoute([b, a], req('POST', '/a'))?.metadata.name).toBe('a-second');
    const prefix = route('prefix', [{ path: { type: 'PathPrefix', value: '/a' } }]);
    const exact = route('exact', [{ path: { type: 'Exact', value: '/a' } }]);
    expect(linkerdRoute([prefix, exact], req('GET', '/a'))?.metadata.name).toBe('prefix');
    expect(linkerdRoute([prefix, exact], req('GET', '/b'))).toBeUndefined();
  });
});

const PARTNER_WEB = 'spiffe://partner.example/ns/shop/sa/web';

/** A small app: callee `api` (port 8080) in `shop`, callers declared by the test. */
function world(options: { stage?: RolloutStage; mesh?: Mesh; namespaces?: Record<string, string | undefined> } = {}) {
  const app = new App();
  const chart = new Chart(app, 'c');
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const partner = new FederatedTrustDomain(chart, 'partner', { server, trustDomain: TrustDomain.of('partner.example'), bundleEndpointUrl: 'https://b.partner.example', auth: BundleEndpointAuth.httpsWeb() });
  for (const [name, level] of Object.entries(options.namespaces ?? {})) {
    new plus.Namespace(chart, `ns-${name}`, { metadata: { name, labels: level ? { 'pod-security.kubernetes.io/enforce': level } : {} } });
  }
  const deployments: Record<string, plus.Deployment> = {};
  const mk = (name: string, ns = 'shop', federate = false) => {
    const id = new WorkloadIdentity(chart, `${ns}-${name}`, { server, namespace: ns, serviceAccount: name, federatesWith: federate ? [partner] : [] });
    const d = new plus.Deployment(chart, `${ns}-${name}-d`, { metadata: { name, namespace: ns }, containers: [{ image: 'example/x:1.0.0', portNumber: 8080 }] });
    id.bind(d);
    deployments[`${ns}/${name}`] = d;
    return id;
  };
  const policy = new MeshPolicy(chart, 'p', { mesh: options.mesh ?? Mesh.linkerd(), stage: options.stage ?? RolloutStage.ENFORCE });
  const synth = () => {
    app.synthYaml();
    return Testing.synth(chart) as KubeObject[];
  };
  return { chart, mk, policy, synth, deployments };
}

/** The overlapping allows, written independently of the generator. */
const ALLOWS: Array<{ caller: string; options: AllowOptions }> = [
  { caller: 'a', options: { paths: ['/api/*'] } },
  { caller: 'b', options: { methods: ['POST'], paths: ['/api/payments/charge'] } },
  { caller: 'c', options: { methods: ['GET'] } },
  { caller: 'd', options: {} },
  { caller: 'e', options: { methods: ['DELETE'], paths: ['/api/orders', '/api/orders/*'] } },
  { caller: PARTNER_WEB, options: { methods: ['GET'], paths: ['/api/payments/*'] } },
];
const HEALTH = ['/health', '/ready'];

/**
 * The declared intent read with Linkerd's path semantics: `/x/*` is the PathPrefix `/x`, which
 * matches `/x` itself and whole segments below it (trailing slashes ignored); exact paths are exact.
 */
function intended(caller: string | undefined, method: string, path: string): 'ALLOW' | 'DENY' {
  if (HEALTH.includes(path) && (method === 'GET' || method === 'HEAD')) return 'ALLOW';
  const fits = (declared: string) => {
    if (!declared.endsWith('/*')) return declared === path;
    const base = declared.slice(0, -2);
    const rest = path.replace(/\/+$/, '');
    return rest === base || rest.startsWith(`${base}/`);
  };
  const allows = ALLOWS.filter((a) => a.caller === caller);
  return allows.some((a) => (!a.options.methods || a.options.methods.includes(method)) && (!a.options.paths || a.options.paths.some(fits))) ? 'ALLOW' : 'DENY';
}

function overlapping(order: 'declared' | 'reversed' = 'declared', stage = RolloutStage.ENFORCE) {
  const w = world({ stage });
  const api = w.mk('api', 'shop', true);
  const callers = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'z'].map((n) => [n, w.mk(n)]));
  const allows = order === 'declared' ? ALLOWS : [...ALLOWS].reverse();
  for (const a of allows) {
    // A foreign caller says where its traffic enters (the NetworkPolicy at ENFORCE admits it from there).
    const network = ForeignCallerNetwork.pods('istio-system', { app: 'east-west-gateway' });
    const caller = a.caller.startsWith('spiffe://') ? MeshPolicy.foreignCaller(SpiffeId.parse(a.caller), { network }) : callers[a.caller];
    w.policy.allow(caller, api, a.options);
  }
  return { ...w, objects: w.synth() };
}

type Client = { label: string; caller?: string; client?: LinkerdRequest['client'] };
const CLIENTS: Client[] = [
  ...['a', 'b', 'c', 'd', 'e', 'z'].map((n) => ({ label: n, caller: n, client: { namespace: 'shop', serviceAccount: n } })),
  { label: 'partner web (SPIFFE ID)', caller: PARTNER_WEB, client: { identity: PARTNER_WEB } },
  { label: 'd in another namespace', client: { namespace: 'other', serviceAccount: 'd' } },
  { label: 'unmeshed' },
];
const METHODS = ['GET', 'POST', 'DELETE', 'PUT'];
const PATHS = ['/', '/api', '/api/', '/apix', '/api/payments', '/api/payments/charge', '/api/payments/charge/x', '/api/orders', '/api/orders/', '/api/orders/7', '/other', '/health', '/ready'];

function shopRequest(objects: KubeObject[], client: Client, method: string, path: string, extra: Partial<LinkerdRequest> = {}): LinkerdRequest {
  const d = one(objects, 'Deployment', 'api');
  return {
    namespace: 'shop',
    podLabels: d.spec.template.metadata.labels,
    defaultPolicy: d.spec.template.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated',
    port: 8080,
    method,
    path,
    client: client.client,
    clientIp: client.client ? '10.1.2.3' : '10.0.0.1',
    ...extra,
  };
}

describe('Linkerd at ENFORCE with overlapping allows: the route Linkerd picks decides as declared', () => {
  const { objects } = overlapping();
  const cases = CLIENTS.flatMap((client) => METHODS.flatMap((method) => PATHS.map((path) => [client.label, method, path, client] as const)));

  test.each(cases)('%s %s %s', (_l, method, path, client) => {
    const outcome = linkerdOutcome(objects, shopRequest(objects, client, method, path));
    expect(outcome.decision).toBe(intended(client.caller, method, path));
  });

  test('routes: the declared matches closed under intersection (GET × /api/* is its own route), each once', () => {
    const routes = all(objects, 'HTTPRoute').map((r) => r.metadata.name).sort();
    expect(routes).toEqual([
      'api-8080-any-prefix',
      'api-8080-any-prefix-api',
      'api-8080-delete-exact-api.orders',
      'api-8080-delete-prefix-api.orders',
      'api-8080-get-prefix',
      'api-8080-get-prefix-api',
      'api-8080-get-prefix-api.payments',
      'api-8080-post-exact-api.payments.charge',
      'api-8080-probes',
    ]);
    expect(one(objects, 'MeshTLSAuthentication', 'api-8080-get-prefix-api').spec.identityRefs.map((r: any) => r.name)).toEqual(['a', 'c', 'd']);
    expect(one(objects, 'MeshTLSAuthentication', 'api-8080-federated-get-prefix-api.payments').spec).toEqual({ identities: [PARTNER_WEB] });
    expect(one(objects, 'AuthorizationPolicy', 'api-8080-federated-get-prefix-api.payments').spec.targetRef).toEqual({
      group: 'policy.linkerd.io',
      kind: 'HTTPRoute',
      name: 'api-8080-get-prefix-api.payments',
    });
    expectValidManifests(objects);
  });

  test('names and contents do not depend on the order of the allows', () => {
    const key = (o: KubeObject) => `${o.kind}/${o.metadata?.name}`;
    const linkerd = (objs: KubeObject[]) => objs.filter((o) => o.apiVersion.startsWith('policy.linkerd.io')).sort((x, y) => key(x).localeCompare(key(y)));
    expect(linkerd(overlapping('reversed').objects)).toEqual(linkerd(objects));
  });
});

describe('Linkerd stages before ENFORCE: no HTTPRoutes, authorizations on the Server', () => {
  test.each([
    [RolloutStage.OBSERVE, 'audit'],
    [RolloutStage.PERMISSIVE, 'all-unauthenticated'],
    [RolloutStage.STRICT, 'all-authenticated'],
  ])('%s: accessPolicy %s; no undeclared path gets 404; probes stay Linkerd\'s', (stage, access) => {
    const { objects } = overlapping('declared', stage);
    expectValidManifests(objects);
    expect(all(objects, 'HTTPRoute')).toEqual([]);
    expect(one(objects, 'Server').spec.accessPolicy).toBe(access);
    expect(all(objects, 'AuthorizationPolicy').map((p) => p.spec.targetRef)).toEqual([
      { group: 'policy.linkerd.io', kind: 'Server', name: 'api-8080' },
      { group: 'policy.linkerd.io', kind: 'Server', name: 'api-8080' },
    ]);
    expect(one(objects, 'MeshTLSAuthentication', 'api-8080').spec.identityRefs.map((r: any) => r.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const outcome = (label: string, method: string, path: string, extra = {}) =>
      linkerdOutcome(objects, shopRequest(objects, CLIENTS.find((c) => c.label === label)!, method, path, extra));
    // A declared caller is authorized by its policy (not flagged), whatever the path.
    expect(outcome('b', 'GET', '/other')).toMatchObject({ decision: 'ALLOW', authorizedBy: 'AuthorizationPolicy/api-8080' });
    // A caller without any allow passes by the stage's default (audit: logged as such).
    expect(outcome('z', 'DELETE', '/undeclared')).toMatchObject({ decision: 'ALLOW', authorizedBy: `default:${access}` });
    expect(outcome('unmeshed', 'GET', '/undeclared').decision).toBe(stage === RolloutStage.STRICT ? 'DENY' : 'ALLOW');
    expect(outcome('unmeshed', 'GET', '/health', { probePaths: ['/health'] })).toMatchObject({ decision: 'ALLOW', route: 'probe' });
  });
});

describe('Mesh.linkerd({ proxyProtocol })', () => {
  test('defaults to unknown (detection); every Linkerd value is accepted, others refused', () => {
    for (const p of Object.values(LinkerdProxyProtocol)) {
      const w = world({ mesh: Mesh.linkerd({ proxyProtocol: p }) });
      w.policy.allow(w.mk('a'), w.mk('api'));
      expect(one(w.synth(), 'Server').spec.proxyProtocol).toBe(p);
    }
    expect(() => Mesh.linkerd({ proxyProtocol: 'h2c' as LinkerdProxyProtocol })).toThrow(
      'Invalid \'proxyProtocol\': received "h2c". Use one of "unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS" (LinkerdProxyProtocol).',
    );
  });

  test.each([LinkerdProxyProtocol.OPAQUE, LinkerdProxyProtocol.TLS, LinkerdProxyProtocol.GRPC])('%s: no HTTP routes; allows with methods or paths refused', (p) => {
    const w = world({ mesh: Mesh.linkerd({ proxyProtocol: p }) });
    const api = w.mk('api');
    const a = w.mk('a');
    expect(() => w.policy.allow(a, api, { methods: ['POST'] })).toThrow(
      `Invalid 'methods': received ["POST"]. Mesh.linkerd({ proxyProtocol: '${p}' }) renders no HTTP routes (Linkerd authorizes whole connections on ${p} Servers): ` +
        "omit 'methods' and 'paths', or use proxyProtocol 'unknown', 'HTTP/1' or 'HTTP/2'.",
    );
    expect(() => w.policy.allow(a, api, { paths: ['/x'] })).toThrow(/^Invalid 'paths': received \["\/x"\]/);
    w.policy.allow(a, api);
    w.mk('z');
    const objects = w.synth();
    expectValidManifests(objects);
    expect(all(objects, 'HTTPRoute')).toEqual([]);
    expect(one(objects, 'AuthorizationPolicy').spec.targetRef).toEqual({ group: 'policy.linkerd.io', kind: 'Server', name: 'api-8080' });
    const decide = (sa: string) => linkerdOutcome(objects, shopRequest(objects, { label: sa, client: { namespace: 'shop', serviceAccount: sa } }, 'POST', '/anything')).decision;
    expect(decide('a')).toBe('ALLOW');
    expect(decide('z')).toBe('DENY');
  });
});

describe('Linkerd refuses what its routes cannot mean', () => {
  test('a prefix ending inside a segment, URI templates, a prefix that matches an open health path', () => {
    const w = world();
    const api = w.mk('api');
    const a = w.mk('a');
    expect(() => w.policy.allow(a, api, { paths: ['/api/pay*'] })).toThrow(
      'Invalid \'paths\': received "/api/pay*". Linkerd matches a path prefix by whole segments (Gateway API PathPrefix): "/api/pay" would not match "/api/payx". ' +
        'End the prefix at a segment ("/api/*") or list exact paths.',
    );
    expect(() => w.policy.allow(a, api, { paths: ['/api/{id}'] })).toThrow(/^Invalid 'paths': received "\/api\/\{id\}". Linkerd matches paths literally/);
    expect(() => w.policy.allow(a, api, { paths: ['/health/*'] })).toThrow(
      /^Invalid 'paths': received "\/health\/\*". Under Linkerd the PathPrefix "\/health" also matches "\/health", one of the policy's unauthenticatedPaths/,
    );
    // Istio reads these as it always did.
    const i = world({ mesh: Mesh.istio() });
    i.policy.allow(i.mk('a'), i.mk('api'), { paths: ['/api/pay*', '/health/*'] });
  });

  test('Exact "/a" beside PathPrefix "/a" with other callers: Linkerd would rank them equally, so synth fails', () => {
    const w = world();
    const api = w.mk('api');
    w.policy.allow(w.mk('x'), api, { methods: ['GET'], paths: ['/a'] });
    w.policy.allow(w.mk('y'), api, { methods: ['GET'], paths: ['/a/*'] });
    expect(() => w.synth()).toThrow(
      'Invalid \'paths\': received "/a" (Exact) beside a prefix that Linkerd matches as PathPrefix "/a", on \'c/shop-api\' port 8080. ' +
        'Linkerd ranks the two routes of GET "/a" equally for that request and picks the older one, so spiffe://prod.example.com/ns/shop/sa/x ' +
        '(allowed the exact path, not the prefix) could be refused there. Allow them "/a/*" too, or give the exact path and the prefix the same callers.',
    );
  });

  test('the same callers on "/a" and "/a/*" (the usual pair) are fine, and "/a" is allowed on whichever route wins', () => {
    const w = world();
    const api = w.mk('api');
    w.policy.allow(w.mk('x'), api, { paths: ['/a', '/a/*'] });
    const objects = w.synth();
    const client = { label: 'x', client: { namespace: 'shop', serviceAccount: 'x' } };
    for (const path of ['/a', '/a/b']) {
      expect(linkerdOutcome(objects, shopRequest(objects, client, 'GET', path)).decision).toBe('ALLOW');
    }
  });
});

describe('Linkerd injection and Pod Security', () => {
  test('callees and declared callers (and every identity-bound workload of a callee namespace) get linkerd.io/inject: enabled', () => {
    const w = world();
    const api = w.mk('api');
    w.mk('idle', 'shop');
    w.mk('bystander', 'elsewhere');
    w.policy.allow(w.mk('web', 'front'), api);
    w.synth();
    const inject = (key: string) => (Testing.synth(w.chart) as any[]).find((o) => o.kind === 'Deployment' && `${o.metadata.namespace}/${o.metadata.name}` === key)
      .spec.template.metadata.annotations?.['linkerd.io/inject'];
    expect(inject('shop/api')).toBe('enabled');
    expect(inject('front/web')).toBe('enabled');
    expect(inject('shop/idle')).toBe('enabled');
    expect(inject('elsewhere/bystander')).toBeUndefined();
  });

  test.each(['restricted', 'baseline'])('cni false (the default) and a %s namespace of a callee or caller fail synth, naming the option', (level) => {
    for (const ns of ['shop', 'front']) {
      const w = world({ namespaces: { [ns]: level } });
      w.policy.allow(w.mk('web', 'front'), w.mk('api'));
      expect(() => w.synth()).toThrow(
        `Invalid 'cni': received false. Namespace "${ns}" ('c/ns-${ns}/Resource') enforces Pod Security "${level}", which refuses the linkerd-init container (NET_ADMIN, NET_RAW)`,
      );
    }
  });

  test('cni true, a privileged or unlabelled namespace, or a restricted namespace without callers: fine', () => {
    const ok = (mesh: Mesh, namespaces: Record<string, string | undefined>) => {
      const w = world({ mesh, namespaces });
      w.policy.allow(w.mk('web', 'front'), w.mk('api'));
      expect(() => w.synth()).not.toThrow();
    };
    ok(Mesh.linkerd({ cni: true }), { shop: 'restricted', front: 'baseline' });
    ok(Mesh.linkerd(), { shop: 'privileged', front: undefined, elsewhere: 'restricted' });
    expect(() => Mesh.linkerd({ cni: 'yes' as unknown as boolean })).toThrow(/^Invalid 'cni': received "yes"/);
  });
});
