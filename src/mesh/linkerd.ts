import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { AllowRule, CalleeView, Manifest as Obj, MeshCaller } from './intent';
import { Mesh, MeshKind, MeshRenderer, RolloutStage } from './mesh';
import { netAdminRejectingNamespaces } from './pod-security';
import { identitiesOf } from '../identity/registry';
import { WorkloadIdentity } from '../identity/workload-identity';
import { checkCidrs } from '../k8s/network-peers';
import { invalidProp } from '../validation';

/** What the inbound Linkerd proxy expects on a callee port (the Server's `proxyProtocol`). */
export enum LinkerdProxyProtocol {
  /** Detect HTTP/1, HTTP/2 (and gRPC over it) or else plain TCP, per connection (Linkerd's own default). */
  UNKNOWN = 'unknown',
  /** HTTP/1 only, no detection (an HTTP/2 client fails). */
  HTTP1 = 'HTTP/1',
  /** HTTP/2 only, no detection. */
  HTTP2 = 'HTTP/2',
  /** gRPC: Linkerd routes it with GRPCRoutes, not HTTPRoutes, so allows name no methods or paths. */
  GRPC = 'gRPC',
  /** Opaque TCP: authorization per connection, allows name no methods or paths. */
  OPAQUE = 'opaque',
  /** TLS the application terminates itself: authorization per connection, allows name no methods or paths. */
  TLS = 'TLS',
}

/** Options of {@link Mesh.linkerd}. */
export interface LinkerdMeshOptions {
  /**
   * Networks kubelet probes come from (authorized for the health paths).
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly probeNetworks?: string[];
  /**
   * The Servers' `proxyProtocol`. `unknown` detects HTTP/1, HTTP/2 and plain TCP per connection,
   * and HTTPRoutes apply to the HTTP it detects; `HTTP/1` would break HTTP/2 and gRPC clients.
   * With `gRPC`, `opaque` or `TLS` Linkerd applies no HTTPRoutes: allows then name no methods or
   * paths and authorize whole connections.
   * @default LinkerdProxyProtocol.UNKNOWN
   */
  readonly proxyProtocol?: LinkerdProxyProtocol;
  /**
   * The cluster runs linkerd-cni (installed with `linkerd install-cni` and the control plane
   * with `--linkerd-cni-enabled`), so injected pods have no linkerd-init container. Without it,
   * linkerd-init needs NET_ADMIN and NET_RAW, which Pod Security `baseline` and `restricted`
   * refuse: synth then fails when a namespace of a callee or declared caller, declared in this
   * app, enforces either. Off by default, as in Linkerd's default install.
   * @default false
   */
  readonly cni?: boolean;
}

const GROUP = 'policy.linkerd.io';
const PROTOCOLS = Object.values(LinkerdProxyProtocol) as string[];
/** Protocols whose Servers apply policy.linkerd.io HTTPRoutes. */
const HTTP_PROTOCOLS: string[] = [LinkerdProxyProtocol.UNKNOWN, LinkerdProxyProtocol.HTTP1, LinkerdProxyProtocol.HTTP2];

/** Linkerd: Server, HTTPRoute, MeshTLSAuthentication, AuthorizationPolicy (`policy.linkerd.io`). @internal */
export class LinkerdMesh extends Mesh {
  private readonly probeNetworks: string[];
  private readonly proxyProtocol: LinkerdProxyProtocol;
  private readonly cni: boolean;

  public constructor(options: LinkerdMeshOptions) {
    super(MeshKind.LINKERD);
    this.probeNetworks = options.probeNetworks !== undefined ? checkCidrs(options.probeNetworks, 'probeNetworks') : ['0.0.0.0/0', '::/0'];
    const protocol = options.proxyProtocol ?? LinkerdProxyProtocol.UNKNOWN;
    if (!PROTOCOLS.includes(protocol)) {
      throw invalidProp('proxyProtocol', protocol, `Use one of ${PROTOCOLS.map((p) => `"${p}"`).join(', ')} (LinkerdProxyProtocol).`);
    }
    this.proxyProtocol = protocol;
    if (options.cni !== undefined && typeof options.cni !== 'boolean') {
      throw invalidProp('cni', options.cni, 'Use true when the cluster runs linkerd-cni, false (the default) when pods get the linkerd-init container.');
    }
    this.cni = options.cni ?? false;
  }

  public get dataPlanePorts(): number[] {
    // Linkerd (2.18+) sends meshed traffic to the peer proxy's inbound port 4143.
    return [4143];
  }

  public _bind(scope: Construct): MeshRenderer {
    const servers = new Map<string, ServerState>();
    const protocol = this.proxyProtocol;
    const http = HTTP_PROTOCOLS.includes(protocol);
    const probeNetworks = this.probeNetworks;
    scope.node.addValidation({ validate: () => [...servers.values()].flatMap(routeTies) });
    if (!this.cni) {
      scope.node.addValidation({ validate: () => podSecurityProblems(scope, servers) });
    }
    return {
      dataPlanePorts: this.dataPlanePorts,
      checkAllow: (_caller, _callee, options, healthPaths) => {
        const named = options.methods ? 'methods' : options.paths ? 'paths' : undefined;
        if (!http && named) {
          throw invalidProp(
            named,
            options[named],
            `Mesh.linkerd({ proxyProtocol: '${protocol}' }) renders no HTTP routes (Linkerd authorizes whole connections on ${protocol} Servers): ` +
              'omit \'methods\' and \'paths\', or use proxyProtocol \'unknown\', \'HTTP/1\' or \'HTTP/2\'.',
          );
        }
        for (const p of options.paths ?? []) {
          if (/[{}]/.test(p)) {
            throw invalidProp('paths', p, 'Linkerd matches paths literally (Gateway API Exact and PathPrefix); URI templates are Istio-only. List exact paths or a segment prefix ("/api/*").');
          }
          if (p.endsWith('*') && !p.endsWith('/*')) {
            throw invalidProp(
              'paths',
              p,
              `Linkerd matches a path prefix by whole segments (Gateway API PathPrefix): "${p.slice(0, -1)}" would not match "${p.slice(0, -1)}x". ` +
                `End the prefix at a segment ("${p.slice(0, p.lastIndexOf('/') + 1)}*") or list exact paths.`,
            );
          }
          const spec = pathSpec(p);
          const open = healthPaths.find((h) => spec.type === 'PathPrefix' && prefixFits(spec.value, h));
          if (open !== undefined) {
            throw invalidProp(
              'paths',
              p,
              `Under Linkerd the PathPrefix "${spec.value}" also matches "${open}", one of the policy's unauthenticatedPaths (open to probes): ` +
                'its route could tie with the probe route there and win, refusing the probes. List the paths under the prefix exactly, or move the health path.',
            );
          }
        }
      },
      namespace: (ns, stage) => {
        // The namespace baseline: every workload bound to an identity in the namespace is injected
        // and gets the default inbound policy of the stage (the policy controller reads it from pods).
        for (const registered of identitiesOf(scope)) {
          const identity = registered.construct;
          if (identity instanceof WorkloadIdentity && identity.namespace === ns) {
            inject(identity);
            for (const w of identity._boundWorkloads()) {
              w.addPodAnnotation('config.linkerd.io/default-inbound-policy', linkerdAccessPolicy(stage));
            }
          }
        }
        return [];
      },
      callee: () => [],
      allow: (callee, rule, _index, stage, healthPaths) => {
        inject(callee.identity);
        if (rule.caller.identity) inject(rule.caller.identity);
        return rule.ports.flatMap((port) => {
          const key = `${callee.namespace}/${callee.name}/${port}`;
          const out: Obj[] = [];
          let server = servers.get(key);
          if (!server) {
            server = {
              callee,
              port,
              name: `${callee.name}-${port}`,
              routed: http && stage === RolloutStage.ENFORCE,
              rules: [],
              routes: new Map(),
              authz: new Set(),
            };
            servers.set(key, server);
            out.push(...linkerdServer(server, protocol, stage, healthPaths, probeNetworks));
          }
          server.rules.push(rule);
          out.push(...(server.routed ? routedAllow(server, rule) : serverAllow(server, rule)));
          return out;
        });
      },
    };
  }
}

/** The objects of one callee port, as the allows so far have made them. */
interface ServerState {
  readonly callee: CalleeView;
  readonly port: number;
  /** The Server's name (also the prefix of every object of the port). */
  readonly name: string;
  /** HTTPRoutes per match (ENFORCE on an HTTP Server); else authorizations target the Server. */
  readonly routed: boolean;
  /** The allows on this port, in declaration order. */
  readonly rules: AllowRule[];
  /** The HTTPRoutes rendered, by match key. */
  readonly routes: Map<string, RouteMatch>;
  /** The MeshTLSAuthentication / AuthorizationPolicy pairs rendered, by name. */
  readonly authz: Set<string>;
}

/** A path as Linkerd matches it: Exact, or PathPrefix by whole segments ("/" matches every path). */
interface PathSpec {
  readonly type: 'Exact' | 'PathPrefix';
  readonly value: string;
}

/** One Gateway API match: a path and, optionally, a method. */
interface RouteMatch {
  readonly path: PathSpec;
  readonly method?: string;
}

/** Server `accessPolicy` and the pods' default inbound policy by stage. */
function linkerdAccessPolicy(stage: RolloutStage): string {
  switch (stage) {
    case RolloutStage.OBSERVE:
      return 'audit';
    case RolloutStage.PERMISSIVE:
      return 'all-unauthenticated';
    case RolloutStage.STRICT:
      return 'all-authenticated';
    default:
      return 'deny';
  }
}

/** Marks an identity's workloads for Linkerd's proxy injector. */
function inject(identity: WorkloadIdentity): void {
  for (const w of identity._boundWorkloads()) {
    w.addPodAnnotation('linkerd.io/inject', 'enabled');
  }
}

/**
 * The Server of one callee port; at ENFORCE on an HTTP Server also the probe route authorized
 * from the probe networks (once an HTTPRoute targets a Server, Linkerd no longer authorizes
 * probes by itself). Before ENFORCE no HTTPRoute is rendered: a request matching no route on a
 * Server with routes gets 404, so routes would refuse undeclared paths before enforcement.
 */
function linkerdServer(server: ServerState, protocol: string, stage: RolloutStage, healthPaths: string[], probeNetworks: string[]): Obj[] {
  const ns = server.callee.namespace;
  const out: Obj[] = [
    {
      apiVersion: `${GROUP}/v1beta3`,
      kind: 'Server',
      metadata: { name: server.name, namespace: ns },
      spec: { podSelector: { matchLabels: { ...server.callee.labels } }, port: server.port, proxyProtocol: protocol, accessPolicy: linkerdAccessPolicy(stage) },
    },
  ];
  if (server.routed && healthPaths.length > 0) {
    const probe = `${server.name}-probes`;
    out.push(
      {
        apiVersion: `${GROUP}/v1beta3`,
        kind: 'HTTPRoute',
        metadata: { name: probe, namespace: ns },
        spec: {
          parentRefs: [{ group: GROUP, kind: 'Server', name: server.name }],
          rules: [{ matches: healthPaths.flatMap((p) => ['GET', 'HEAD'].map((method) => ({ path: { type: 'Exact', value: p }, method }))) }],
        },
      },
      { apiVersion: `${GROUP}/v1alpha1`, kind: 'NetworkAuthentication', metadata: { name: probe, namespace: ns }, spec: { networks: probeNetworks.map((cidr) => ({ cidr })) } },
      authorization(probe, ns, { group: GROUP, kind: 'HTTPRoute', name: probe }, probe, 'NetworkAuthentication'),
    );
  }
  return out;
}

/**
 * An allow before ENFORCE, or on a gRPC/opaque/TLS Server: the callers are authorized on the
 * Server (one pair for declared callers, one for federated ones, listing every caller of the port
 * at synth), so under `accessPolicy: audit` Linkerd logs only callers with no allow on the port.
 */
function serverAllow(server: ServerState, rule: AllowRule): Obj[] {
  const federated = !rule.caller.identity;
  const name = federated ? `${server.name}-federated` : server.name;
  if (server.authz.has(name)) return [];
  server.authz.add(name);
  return authorizationPair(server, name, federated, { group: GROUP, kind: 'Server', name: server.name }, () =>
    server.rules.filter((r) => !r.caller.identity === federated).map((r) => r.caller),
  );
}

/**
 * An allow at ENFORCE on an HTTP Server: one HTTPRoute per distinct match (path × method) of
 * the port, closed under intersection, so that the route Linkerd picks for a request (the most
 * specific match) is covered by every allow that fits the request; one authorization pair per
 * route (and caller kind) listing, at synth, every caller whose allow covers the route's match.
 */
function routedAllow(server: ServerState, rule: AllowRule): Obj[] {
  const out: Obj[] = [];
  const pending = matchesOf(rule).filter((m) => !server.routes.has(matchKey(m)));
  while (pending.length > 0) {
    const m = pending.shift()!;
    const key = matchKey(m);
    if (server.routes.has(key)) continue;
    const others = [...server.routes.values()];
    server.routes.set(key, m);
    out.push(httpRoute(server, m));
    for (const o of others) {
      const both = intersection(m, o);
      if (both && !server.routes.has(matchKey(both))) pending.push(both);
    }
  }
  for (const m of server.routes.values()) {
    for (const federated of [false, true]) {
      const name = authzName(server, m, federated);
      if (server.authz.has(name) || !server.rules.some((r) => !r.caller.identity === federated && ruleCovers(r, m))) continue;
      server.authz.add(name);
      out.push(
        ...authorizationPair(server, name, federated, { group: GROUP, kind: 'HTTPRoute', name: routeName(server, m) }, () =>
          server.rules.filter((r) => !r.caller.identity === federated && ruleCovers(r, m)).map((r) => r.caller),
        ),
      );
    }
  }
  return out;
}

function httpRoute(server: ServerState, m: RouteMatch): Obj {
  return {
    apiVersion: `${GROUP}/v1beta3`,
    kind: 'HTTPRoute',
    metadata: { name: routeName(server, m), namespace: server.callee.namespace },
    spec: {
      parentRefs: [{ group: GROUP, kind: 'Server', name: server.name }],
      rules: [{ matches: [{ path: { ...m.path }, ...(m.method ? { method: m.method } : {}) }] }],
    },
  };
}

/**
 * A MeshTLSAuthentication and the AuthorizationPolicy joining it to `target`. The callers are
 * read at synth (later allows add to them): declared callers as `identityRefs` (their
 * ServiceAccount: Linkerd authenticates meshed pods with its own identities), federated ones as
 * exact SPIFFE IDs in `identities` (the two forms cannot share one object).
 */
function authorizationPair(server: ServerState, name: string, federated: boolean, target: Obj, callers: () => MeshCaller[]): Obj[] {
  const ns = server.callee.namespace;
  const refs = () => {
    const seen = new Map<string, Obj>();
    for (const c of callers()) {
      const id = c.identity!;
      seen.set(`${id.namespace}/${id.serviceAccount}`, { kind: 'ServiceAccount', name: id.serviceAccount, namespace: id.namespace });
    }
    return [...seen.keys()].sort().map((k) => seen.get(k));
  };
  const ids = () => [...new Set(callers().map((c) => c.spiffeId.uri))].sort();
  return [
    {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'MeshTLSAuthentication',
      metadata: { name, namespace: ns },
      spec: federated ? { identities: Lazy.any({ produce: ids }) } : { identityRefs: Lazy.any({ produce: refs }) },
    },
    authorization(name, ns, target, name, 'MeshTLSAuthentication'),
  ];
}

function authorization(name: string, namespace: string, targetRef: Obj, authn: string, kind: string): Obj {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: { targetRef, requiredAuthenticationRefs: [{ group: GROUP, kind, name: authn }] },
  };
}

/** A declared path as Linkerd matches it: `/api/*` is the PathPrefix `/api`, no path is `/`. */
function pathSpec(path: string | undefined): PathSpec {
  if (path === undefined) return { type: 'PathPrefix', value: '/' };
  if (path.endsWith('/*')) return { type: 'PathPrefix', value: path.slice(0, -2) || '/' };
  return { type: 'Exact', value: path };
}

/** Linkerd's PathPrefix match: whole segments, trailing slashes ignored. */
function prefixFits(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  const p = prefix.replace(/\/+$/, '');
  const rest = path.replace(/\/+$/, '');
  return rest === p || rest.startsWith(`${p}/`);
}

/** Every request `b` matches, `a` matches too. */
function pathCovers(a: PathSpec, b: PathSpec): boolean {
  if (a.type === 'Exact') return b.type === 'Exact' && a.value === b.value;
  return prefixFits(a.value, b.value);
}

function matchCovers(a: RouteMatch, b: RouteMatch): boolean {
  return (a.method === undefined || a.method === b.method) && pathCovers(a.path, b.path);
}

/** The requests both match (a match again: paths nest or are disjoint), or undefined. */
function intersection(a: RouteMatch, b: RouteMatch): RouteMatch | undefined {
  if (a.method && b.method && a.method !== b.method) return undefined;
  const path = pathCovers(a.path, b.path) ? b.path : pathCovers(b.path, a.path) ? a.path : undefined;
  if (!path) return undefined;
  const method = a.method ?? b.method;
  return method ? { path, method } : { path };
}

function matchesOf(rule: AllowRule): RouteMatch[] {
  return (rule.paths ?? [undefined]).flatMap((p) =>
    (rule.methods ?? [undefined]).map((method) => (method ? { path: pathSpec(p), method } : { path: pathSpec(p) })),
  );
}

function ruleCovers(rule: AllowRule, m: RouteMatch): boolean {
  return matchesOf(rule).some((d) => matchCovers(d, m));
}

function matchKey(m: RouteMatch): string {
  return `${m.method ?? '*'} ${m.path.type} ${m.path.value}`;
}

const CLEAN_PATH = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * The name of a route, from its match (stable whatever the allows' order): `<server>-<method or
 * any>-<exact|prefix>[-<path>]`, the path's segments joined with dots when they are lowercase
 * DNS labels, else a readable slug plus a hash of the path.
 */
function routeName(server: ServerState, m: RouteMatch): string {
  const base = `${server.name}-${(m.method ?? 'any').toLowerCase()}-${m.path.type === 'Exact' ? 'exact' : 'prefix'}`;
  const segments = m.path.value.slice(1);
  if (segments === '') return base;
  if (CLEAN_PATH.test(segments) && base.length + segments.length < 220) return `${base}-${segments.split('/').join('.')}`;
  const slug = segments.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '');
  const hash = createHash('sha256').update(m.path.value).digest('hex').slice(0, 8);
  return `${base}-${slug ? `${slug}-` : ''}${hash}`;
}

/** The authorization pair of a route: its own name (declared callers) or `<server>-federated-…`. */
function authzName(server: ServerState, m: RouteMatch, federated: boolean): string {
  const route = routeName(server, m);
  return federated ? `${server.name}-federated${route.slice(server.name.length)}` : route;
}

function callersOf(server: ServerState, m: RouteMatch): Set<string> {
  return new Set(server.rules.filter((r) => ruleCovers(r, m)).map((r) => r.caller.spiffeId.uri));
}

/**
 * Linkerd ranks a route by the length of its path match, then by a method (not by Exact over
 * PathPrefix, as Gateway API does): the Exact route "/a" and the PathPrefix route "/a" with the
 * same method tie for the request "/a", and the older one wins. Callers authorized only on the
 * Exact route could then be refused: such ties fail synth.
 */
function routeTies(server: ServerState): string[] {
  const problems: string[] = [];
  for (const exact of server.routes.values()) {
    if (exact.path.type !== 'Exact') continue;
    const prefix = server.routes.get(matchKey({ ...exact, path: { type: 'PathPrefix', value: exact.path.value } }));
    if (!prefix) continue;
    const wider = callersOf(server, prefix);
    const missing = [...callersOf(server, exact)].filter((c) => !wider.has(c)).sort();
    if (missing.length > 0) {
      const p = exact.path.value;
      const on = `${exact.method ? `${exact.method} ` : ''}"${p}"`;
      const widen = p === '/' ? 'the same allow without paths' : `"${p}/*"`;
      problems.push(
        `Invalid 'paths': received "${p}" (Exact) beside a prefix that Linkerd matches as PathPrefix "${p}", on '${server.callee.identity.node.path}' port ${server.port}. ` +
          `Linkerd ranks the two routes of ${on} equally for that request and picks the older one, so ${missing.join(', ')} ` +
          `(allowed the exact path, not the prefix) could be refused there. Allow them ${widen} too, or give the exact path and the prefix the same callers.`,
      );
    }
  }
  return problems;
}

/**
 * linkerd-init needs NET_ADMIN and NET_RAW; Pod Security `baseline` and `restricted` refuse both.
 * The namespaces checked are those of the callees and declared callers (their pods are
 * injected) that this app declares as Namespace objects.
 */
function podSecurityProblems(scope: Construct, servers: Map<string, ServerState>): string[] {
  const injected = new Set<string>();
  for (const s of servers.values()) {
    injected.add(s.callee.namespace);
    for (const r of s.rules) if (r.caller.identity) injected.add(r.caller.identity.namespace);
  }
  return netAdminRejectingNamespaces(scope, injected).map((ns) =>
    `Invalid 'cni': received false. Namespace "${ns.name}" ('${ns.path}') enforces Pod Security "${ns.level}", which refuses the linkerd-init container ` +
      '(NET_ADMIN, NET_RAW) of every pod Linkerd injects there. Install linkerd-cni (and the control plane with --linkerd-cni-enabled) ' +
      'and set Mesh.linkerd({ cni: true }), or run these workloads in a namespace that allows the capabilities.',
  );
}
