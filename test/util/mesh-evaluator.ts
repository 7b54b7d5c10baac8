/**
 * Small evaluators of rendered mesh policies, to prove that what the generator emits means what
 * was declared. They read only the rendered objects, never the generator's intent.
 */
type Obj = any;

function selects(selector: { matchLabels?: Record<string, string> } | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** Istio string match: exact, prefix `abc*`, suffix `*abc`, presence `*`. */
export function istioMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

export interface IstioRequest {
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  /** Peer principal (`<td>/ns/<ns>/sa/<sa>`), or undefined for a plaintext caller. */
  readonly principal?: string;
}

/**
 * Istio's decision: STRICT PeerAuthentication refuses plaintext; then CUSTOM > DENY > ALLOW;
 * no ALLOW policy on the workload allows; otherwise some ALLOW policy must match.
 * Dry-run policies are logged, not enforced.
 */
export function istioDecision(objects: Obj[], req: IstioRequest): 'ALLOW' | 'DENY' {
  const ns = objects.filter((o) => o.metadata?.namespace === req.namespace || o.metadata?.namespace === 'istio-system');
  const pa = ns.filter((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace === req.namespace && !o.spec?.selector);
  const workloadPa = ns.filter((o) => o.kind === 'PeerAuthentication' && o.spec?.selector && selects(o.spec.selector, req.podLabels));
  const mode = (workloadPa[0] ?? pa[0])?.spec?.mtls?.mode ?? 'PERMISSIVE';
  if (mode === 'STRICT' && !req.principal) return 'DENY';
  const policies = ns.filter(
    (o) =>
      o.kind === 'AuthorizationPolicy' &&
      o.metadata?.annotations?.['istio.io/dry-run'] !== 'true' &&
      (o.metadata.namespace === req.namespace || !o.spec?.selector) &&
      selects(o.spec?.selector, req.podLabels),
  );
  const action = (p: Obj) => p.spec?.action ?? 'ALLOW';
  const matches = (p: Obj) => (p.spec?.rules ?? []).some((r: Obj) => ruleMatches(r, req));
  if (policies.some((p) => action(p) === 'CUSTOM' && matches(p))) return 'DENY';
  if (policies.some((p) => action(p) === 'DENY' && matches(p))) return 'DENY';
  const allows = policies.filter((p) => action(p) === 'ALLOW');
  if (allows.length === 0) return 'ALLOW';
  return allows.some(matches) ? 'ALLOW' : 'DENY';
}

function ruleMatches(rule: Obj, req: IstioRequest): boolean {
  const from = rule.from ?? [];
  const to = rule.to ?? [];
  const fromOk = from.length === 0 || from.some((f: Obj) => sourceMatches(f.source ?? {}, req));
  const toOk = to.length === 0 || to.some((t: Obj) => operationMatches(t.operation ?? {}, req));
  const whenOk = (rule.when ?? []).length === 0;
  return fromOk && toOk && whenOk;
}

function sourceMatches(s: Obj, req: IstioRequest): boolean {
  const ns = req.principal?.split('/')[2];
  if (s.principals && !s.principals.some((p: string) => istioMatch(p, req.principal))) return false;
  if (s.notPrincipals && s.notPrincipals.some((p: string) => istioMatch(p, req.principal))) return false;
  if (s.namespaces && !s.namespaces.some((p: string) => istioMatch(p, ns))) return false;
  return true;
}

function operationMatches(o: Obj, req: IstioRequest): boolean {
  if (o.methods && !o.methods.some((m: string) => istioMatch(m, req.method))) return false;
  if (o.paths && !o.paths.some((p: string) => istioMatch(p, req.path))) return false;
  if (o.ports && !o.ports.includes(String(req.port))) return false;
  return true;
}

export interface LinkerdRequest {
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  /** `config.linkerd.io/default-inbound-policy` of the callee pod. */
  readonly defaultPolicy: string;
  readonly port: number;
  readonly method: string;
  readonly path: string;
  /**
   * The meshed client: its service account (a pod in the cluster) or its exact identity (a
   * mesh-expansion workload presenting a SPIFFE ID); undefined for an unmeshed client.
   */
  readonly client?: { readonly namespace: string; readonly serviceAccount: string } | { readonly identity: string };
  /** Source IP (for NetworkAuthentication). */
  readonly clientIp: string;
  /** Paths of the pod's HTTP probes (Linkerd authorizes them itself on Servers without routes). */
  readonly probePaths?: string[];
}

/** The decision and why: 404 when the Server has routes and none fits, 403 when unauthorized. */
export interface LinkerdOutcome {
  readonly decision: 'ALLOW' | 'DENY';
  readonly status: 200 | 403 | 404;
  /** `HTTPRoute/<name>`, `default` (no routes on the Server) or `probe` (Linkerd's own probe route). */
  readonly route?: string;
  /** What authorized the request: `AuthorizationPolicy/<name>` or `default:<policy>`. */
  readonly authorizedBy?: string;
}

/* eslint-disable no-bitwise */
function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  if (net.includes(':') || ip.includes(':')) return net.includes(':') === ip.includes(':') && Number(bits) === 0;
  const n = (s: string) => s.split('.').reduce((a, b) => (a << 8) + Number(b), 0) >>> 0;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return (n(ip) & mask) === (n(net) & mask);
}
/* eslint-enable no-bitwise */

/** The authorization a default policy (or a Server's `accessPolicy`) adds: undefined for `deny`. */
function defaultAuthz(policy: string, meshed: boolean): boolean | undefined {
  switch (policy) {
    case 'all-unauthenticated':
    case 'cluster-unauthenticated':
    case 'audit':
      return true;
    case 'all-authenticated':
    case 'cluster-authenticated':
      return meshed ? true : undefined;
    default:
      return undefined;
  }
}

const LINKERD_HTTP = ['unknown', 'HTTP/1', 'HTTP/2'];

/**
 * Linkerd's path match (linkerd2-proxy `linkerd-http-route`): the number of characters matched,
 * or undefined. A prefix matches whole segments, trailing slashes of both ignored; no path in a
 * match is the prefix "/".
 */
export function linkerdPathMatch(m: { type?: string; value?: string } | undefined, path: string): number | undefined {
  const type = m?.type ?? 'PathPrefix';
  const value = m?.value ?? '/';
  if (type === 'Exact') return value === path ? value.length : undefined;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(path) ? path.length : undefined;
  if (value === '/') return 1;
  const prefix = value.replace(/\/+$/, '');
  const rest = path.replace(/\/+$/, '');
  if (!rest.startsWith(prefix)) return undefined;
  const suffix = rest.slice(prefix.length);
  return suffix === '' || suffix.startsWith('/') ? prefix.length : undefined;
}

/** How specific a match is for a request (Linkerd compares these in order; greater wins). */
type Rank = [number, number, number, number];

function rankOf(m: Obj, req: LinkerdRequest): Rank | undefined {
  if (m.method && m.method !== req.method) return undefined;
  const pathLen = linkerdPathMatch(m.path, req.path);
  if (pathLen === undefined) return undefined;
  // Header and query matches: our objects have none; a match with any is treated as not fitting.
  if ((m.headers ?? []).length > 0 || (m.queryParams ?? []).length > 0) return undefined;
  return [pathLen, m.method ? 1 : 0, 0, 0];
}

function compareRank(a: Rank, b: Rank): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}

/**
 * Linkerd's choice of route for a request on a Server with HTTPRoutes (policy controller
 * `inbound/http.rs` and proxy `linkerd-http-route`): routes are ordered by creation time, then
 * name; each route's best rule match is ranked by path match length (exact or prefix: the
 * characters matched), then method present, then header and query match counts; the greatest
 * rank wins and a tie keeps the earlier route. Our objects have no creation time: creation is
 * modelled as manifest order (what `kubectl apply -f` of the file does), so a tie goes to the
 * route that comes first in the list. Undefined when no route fits (the proxy answers 404).
 *
 * (Gateway API ranks an Exact match above a PathPrefix of the same length; Linkerd compares
 * lengths only, so Exact "/a" and PathPrefix "/a" tie for "/a". The generator avoids such ties
 * between routes that authorize different callers.)
 */
export function linkerdRoute(routes: Obj[], req: LinkerdRequest): Obj | undefined {
  let best: { route: Obj; rank: Rank } | undefined;
  routes.forEach((route) => {
    for (const rule of route.spec.rules ?? [{}]) {
      const matches: Obj[] = rule.matches ?? [];
      const ranks = (matches.length === 0 ? [[1, 0, 0, 0] as Rank] : matches.map((m) => rankOf(m, req))).filter((r): r is Rank => r !== undefined);
      for (const rank of ranks) {
        if (!best || compareRank(rank, best.rank) > 0) best = { route, rank };
      }
    }
  });
  return best?.route;
}

/**
 * Linkerd's decision, as the policy controller and proxy make it: the Server selecting the pod
 * port (else the pod's default inbound policy); for an HTTP Server with HTTPRoutes, the one
 * route Linkerd picks ({@link linkerdRoute}; none fits: 404); then the request is allowed when
 * an AuthorizationPolicy targeting that route, the Server or the namespace has all its
 * authentications satisfied, or the Server's accessPolicy allows it (403 otherwise). Servers
 * without routes (and gRPC, opaque and TLS Servers) authorize with the Server's policies only;
 * there Linkerd also authorizes GET on the pod's probe paths from anywhere by itself.
 */
export function linkerdOutcome(objects: Obj[], req: LinkerdRequest): LinkerdOutcome {
  const ns = objects.filter((o) => o.metadata?.namespace === req.namespace);
  const meshed = req.client !== undefined;
  const server = ns.find((o) => o.kind === 'Server' && o.spec.port === req.port && selects(o.spec.podSelector, req.podLabels));
  if (!server) {
    const probe = (req.probePaths ?? []).includes(req.path) && req.method === 'GET';
    const ok = probe || defaultAuthz(req.defaultPolicy, meshed) === true;
    return ok ? { decision: 'ALLOW', status: 200, route: probe ? 'probe' : 'default', authorizedBy: `default:${req.defaultPolicy}` } : { decision: 'DENY', status: 403, route: 'default' };
  }
  const name = server.metadata.name;
  const protocol = server.spec.proxyProtocol ?? 'unknown';
  const routes = LINKERD_HTTP.includes(protocol)
    ? ns.filter((o) => o.kind === 'HTTPRoute' && (o.spec.parentRefs ?? []).some((p: Obj) => p.kind === 'Server' && p.name === name && (p.group ?? 'policy.linkerd.io') === 'policy.linkerd.io'))
    : [];
  let route: Obj | undefined;
  if (routes.length > 0) {
    route = linkerdRoute(routes, req);
    if (!route) return { decision: 'DENY', status: 404 };
  } else if ((req.probePaths ?? []).includes(req.path) && req.method === 'GET' && LINKERD_HTTP.includes(protocol)) {
    return { decision: 'ALLOW', status: 200, route: 'probe', authorizedBy: 'default:probe' };
  }
  const routeName = route ? `HTTPRoute/${route.metadata.name}` : 'default';
  const targets = (p: Obj) => {
    const t = p.spec.targetRef;
    if (t.kind === 'Server') return t.name === name;
    if (t.kind === 'Namespace') return t.name === req.namespace;
    return route !== undefined && t.kind === 'HTTPRoute' && t.name === route.metadata.name;
  };
  const authz = ns.filter((o) => o.kind === 'AuthorizationPolicy' && targets(o));
  const satisfied = (ref: Obj): boolean => {
    const obj = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && o.metadata.namespace === (ref.namespace ?? req.namespace));
    if (!obj) return false;
    if (ref.kind === 'NetworkAuthentication') return obj.spec.networks.some((n: Obj) => inCidr(req.clientIp, n.cidr));
    if (ref.kind === 'MeshTLSAuthentication') {
      const c = req.client;
      if (!c) return false;
      if (obj.spec.identityRefs) {
        return 'serviceAccount' in c && obj.spec.identityRefs.some(
          (r: Obj) =>
            (r.kind === 'ServiceAccount' && r.name === c.serviceAccount && (r.namespace ?? obj.metadata.namespace) === c.namespace) ||
            (r.kind === 'Namespace' && r.name === c.namespace),
        );
      }
      return (obj.spec.identities ?? []).some((i: string) => i === '*' || ('identity' in c && i === c.identity));
    }
    return false;
  };
  const by = authz.find((p) => p.spec.requiredAuthenticationRefs.every(satisfied));
  if (by) return { decision: 'ALLOW', status: 200, route: routeName, authorizedBy: `AuthorizationPolicy/${by.metadata.name}` };
  const access = server.spec.accessPolicy ?? 'deny';
  if (defaultAuthz(access, meshed)) return { decision: 'ALLOW', status: 200, route: routeName, authorizedBy: `default:${access}` };
  return { decision: 'DENY', status: 403, route: routeName };
}

/** {@link linkerdOutcome}'s decision. */
export function linkerdDecision(objects: Obj[], req: LinkerdRequest): 'ALLOW' | 'DENY' {
  return linkerdOutcome(objects, req).decision;
}
