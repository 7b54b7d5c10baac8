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
  /** The meshed client's service account, or undefined for an unmeshed client. */
  readonly client?: { readonly namespace: string; readonly serviceAccount: string };
  /** Source IP (for NetworkAuthentication). */
  readonly clientIp: string;
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

function fallback(policy: string, meshed: boolean): 'ALLOW' | 'DENY' {
  switch (policy) {
    case 'all-unauthenticated':
    case 'cluster-unauthenticated':
    case 'audit':
      return 'ALLOW';
    case 'all-authenticated':
    case 'cluster-authenticated':
      return meshed ? 'ALLOW' : 'DENY';
    default:
      return 'DENY';
  }
}

/**
 * Linkerd's decision: the Server selecting the pod port (else the default inbound policy);
 * with HTTPRoutes on the Server a request must match a route; it is authorized by an
 * AuthorizationPolicy targeting the matched route or the Server whose authentications all hold;
 * otherwise the Server's accessPolicy decides.
 */
export function linkerdDecision(objects: Obj[], req: LinkerdRequest): 'ALLOW' | 'DENY' {
  const ns = objects.filter((o) => o.metadata?.namespace === req.namespace);
  const server = ns.find((o) => o.kind === 'Server' && o.spec.port === req.port && selects(o.spec.podSelector, req.podLabels));
  if (!server) return fallback(req.defaultPolicy, req.client !== undefined);
  const routes = ns.filter((o) => o.kind === 'HTTPRoute' && (o.spec.parentRefs ?? []).some((p: Obj) => p.kind === 'Server' && p.name === server.metadata.name));
  const matched = routes.filter((r) =>
    (r.spec.rules ?? []).some((rule: Obj) =>
      (rule.matches ?? [{}]).some((m: Obj) => {
        const pathOk = !m.path || (m.path.type === 'Exact' ? req.path === m.path.value : req.path.startsWith(m.path.value));
        const methodOk = !m.method || m.method === req.method;
        return pathOk && methodOk;
      }),
    ),
  );
  if (routes.length > 0 && matched.length === 0) return 'DENY';
  const targets = new Set([`Server/${server.metadata.name}`, ...matched.map((r) => `HTTPRoute/${r.metadata.name}`)]);
  const authz = ns.filter((o) => o.kind === 'AuthorizationPolicy' && targets.has(`${o.spec.targetRef.kind}/${o.spec.targetRef.name}`));
  const satisfied = (ref: Obj): boolean => {
    const obj = ns.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
    if (!obj) return false;
    if (ref.kind === 'NetworkAuthentication') return obj.spec.networks.some((n: Obj) => inCidr(req.clientIp, n.cidr));
    if (ref.kind === 'MeshTLSAuthentication') {
      if (!req.client) return false;
      const c = req.client;
      if (obj.spec.identityRefs) {
        return obj.spec.identityRefs.some(
          (r: Obj) =>
            (r.kind === 'ServiceAccount' && r.name === c.serviceAccount && (r.namespace ?? obj.metadata.namespace) === c.namespace) ||
            (r.kind === 'Namespace' && r.name === c.namespace),
        );
      }
      return (obj.spec.identities ?? []).some((i: string) => i === '*');
    }
    return false;
  };
  if (authz.some((p) => p.spec.requiredAuthenticationRefs.every(satisfied))) return 'ALLOW';
  return fallback(server.spec.accessPolicy ?? 'deny', req.client !== undefined);
}
