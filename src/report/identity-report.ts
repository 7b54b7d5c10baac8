import { describeNamespaces, describePods, LabelSelector, requirements, selectsAll } from './selectors';
import { KubeObject, objectName } from '../checklist/rule';
import { yaml } from '../k8s/yaml';
import { compareStrings } from '../order';

/** What selects the workloads of an identity, as rendered (for the diff). */
export interface IdentitySelector {
  /** The ClusterSPIFFEID's `namespaceSelector`. */
  readonly namespaceSelector?: LabelSelector;
  /** The ClusterSPIFFEID's `podSelector`. */
  readonly podSelector?: LabelSelector;
  /** `workloadSelectorTemplates` (ClusterSPIFFEID) or `selectors` (ClusterStaticEntry). */
  readonly workloadSelectors: string[];
  /** `fallback: true`: issued only to pods no other ClusterSPIFFEID matches. */
  readonly fallback: boolean;
  /** `admin: true`. */
  readonly admin: boolean;
  /** `downstream: true`. */
  readonly downstream: boolean;
  /** ClusterStaticEntry: the parent ID. */
  readonly parentId?: string;
}

/** One identity in the report. */
export interface ReportedIdentity {
  /** The SPIFFE ID (or ID template, as written). */
  readonly spiffeId: string;
  /** `ClusterSPIFFEID` or `ClusterStaticEntry`, and its name. */
  readonly source: string;
  /** The object's name (what the diff matches identities by). */
  readonly name: string;
  /** The ID's trust domain (`{{ .TrustDomain }}`: the local one). */
  readonly trustDomain: string;
  /** The namespaces it is issued in, in words (`payments`, `namespaces not in [a, b]`, `*`). */
  readonly namespace: string;
  /** The service account it is issued to (`*`: any). */
  readonly serviceAccount: string;
  /** Every other constraint, in words (pod selector, other workload selectors, `fallback`, `admin`, `downstream`, static parent). */
  readonly pins: string[];
  /** The selection as rendered (for the diff). */
  readonly selector: IdentitySelector;
  readonly x509SvidTtl: string;
  readonly jwtSvidTtl: string;
  readonly dnsNames: string[];
  readonly federatesWith: string[];
  /** Written exceptions (broad selector, long TTL, admin, downstream). */
  readonly exceptions: Record<string, string>;
}

/** One allowed call in the report. */
export interface ReportedCall {
  readonly caller: string;
  /** The caller's trust domain. */
  readonly callerTrustDomain: string;
  /** True when the caller is of another trust domain than the local ones. */
  readonly foreign: boolean;
  readonly callee: string;
  readonly methods: string[];
  readonly paths: string[];
  readonly ports: number[];
  readonly stage: string;
  readonly mesh: string;
}

/** Access granted without a SPIFFE identity: health routes, unauthenticated paths, open networks. */
export interface ReportedUnauthenticated {
  /** Who is allowed: the callee's SPIFFE ID, or the pods. */
  readonly target: string;
  readonly namespace: string;
  /** From whom, in words (`any caller (no identity checked)`, `networks 0.0.0.0/0, ::/0`). */
  readonly from: string;
  /** HTTP methods (`*`: any). */
  readonly methods: string[];
  /** HTTP paths (`*`: any). */
  readonly paths: string[];
  /** Ports (`*`: any). */
  readonly ports: string[];
  /** False when the object is only evaluated (dry-run, audit), not enforced. */
  readonly enforced: boolean;
  /** True when `from` includes a wide CIDR or any source. */
  readonly wide: boolean;
  /** The networks allowed, when the grant is by network (Linkerd NetworkAuthentication, Istio ipBlocks). */
  readonly networks?: string[];
  /** `istio`, `linkerd`, or `in-code allowlist` (the allowed-callers ConfigMap). */
  readonly mesh: string;
  /** The object granting it, `kind namespace/name`. */
  readonly object: string;
}

/** A default of a namespace or of workloads: mTLS mode, deny-by-default baseline, default inbound policy, default-deny NetworkPolicy. */
export interface ReportedDefault {
  /** What it applies to: `namespace payments`, a Server, pods. */
  readonly scope: string;
  /** Which setting (`Istio mTLS`, `Istio authorization`, `Linkerd Server accessPolicy`, `Linkerd default inbound policy`, `NetworkPolicy ingress`, …). */
  readonly setting: string;
  /** Its value, in words. */
  readonly value: string;
  /** How tight it is: higher is tighter (the diff reports a lower rank as widening). */
  readonly rank: number;
  /** The object setting it. */
  readonly object: string;
}

/** One peer a NetworkPolicy allows. */
export interface ReportedNetworkAllow {
  readonly namespace: string;
  readonly direction: 'ingress' | 'egress';
  /** The pods the policy applies to. */
  readonly pods: string;
  /** The peer, in words (`pods … in …`, `CIDR 0.0.0.0/0`, `any source`). */
  readonly peer: string;
  /** Ports (`all ports`). */
  readonly ports: string;
  /** True for a wide CIDR (a /8 or wider in IPv4, a /32 or wider in IPv6) or a rule with no peers (any address). */
  readonly wide: boolean;
  /** The `spire-constructs.io/wide-cidr-reason` annotation, when given. */
  readonly reason?: string;
  readonly object: string;
}

/** What `identities.json` holds. */
export interface IdentityReport {
  /** The local trust domains (of the SPIRE server, agent and controller-manager configurations, else of the identities). */
  readonly trustDomains: string[];
  readonly identities: ReportedIdentity[];
  readonly calls: ReportedCall[];
  readonly unauthenticated: ReportedUnauthenticated[];
  readonly defaults: ReportedDefault[];
  readonly networkAllows: ReportedNetworkAllow[];
}

const EXCEPTIONS = 'spire-constructs.io/exceptions';
/** The annotation giving the reason for a wide CIDR. */
export const WIDE_CIDR_REASON = 'spire-constructs.io/wide-cidr-reason';
const ANY_CALLER = 'any caller (no identity checked)';
const TEMPLATE_TD = /^spiffe:\/\/\{\{\s*\.TrustDomain\s*\}\}/;

/** The trust domain of a SPIFFE ID (or `{{ .TrustDomain }}`). @internal */
export function trustDomainOf(id: string): string {
  const m = /^(?:spiffe:\/\/)?([^/]+)/.exec(id);
  return m ? m[1] : '';
}

/** True when a label set satisfies every requirement of a selector. */
function matches(labels: Record<string, string>, selector: unknown): boolean {
  return requirements(selector).every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
      case 'In':
        return has && r.values.includes(labels[r.key]);
      case 'NotIn':
        return !has || !r.values.includes(labels[r.key]);
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Pod']);

interface Workload {
  readonly object: any;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly serviceAccount: string;
}

function workloadsOf(objects: any[]): Workload[] {
  const out: Workload[] = [];
  for (const o of objects) {
    if (!WORKLOAD_KINDS.has(o.kind)) continue;
    const tpl = o.kind === 'Pod' ? o : o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
    out.push({
      object: o,
      namespace: o.metadata?.namespace ?? 'default',
      labels: { ...(tpl?.metadata?.labels ?? {}) },
      annotations: { ...(tpl?.metadata?.annotations ?? {}) },
      serviceAccount: tpl?.spec?.serviceAccountName ?? 'default',
    });
  }
  return out;
}

/** The local trust domains, from the SPIRE configurations in the manifests. */
function localTrustDomains(objects: any[]): string[] {
  const found = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'ConfigMap' || typeof o.data !== 'object' || o.data === null) continue;
    for (const [key, value] of Object.entries<unknown>(o.data)) {
      if (typeof value !== 'string') continue;
      try {
        if (/(server|agent)\.conf$/.test(key)) {
          const conf = JSON.parse(value);
          const td = conf?.server?.trust_domain ?? conf?.agent?.trust_domain;
          if (typeof td === 'string') found.add(td);
        } else if (/controller-manager.*\.ya?ml$/.test(key)) {
          const td = plainTopLevelTrustDomain(value) ?? yaml().parse(value)?.trustDomain;
          if (typeof td === 'string') found.add(td);
        }
      } catch {
        // HCL or other formats: the identities' trust domains are used instead.
      }
    }
  }
  return [...found].sort();
}

/**
 * The `trustDomain` of a controller manager configuration written as this library writes it: one
 * document of block mappings whose top-level line is `trustDomain: <name>`, the name a plain
 * scalar of the characters a trust domain may hold. Undefined for any other text, which is then
 * parsed as YAML: the parser's first use costs a few milliseconds of every synth.
 */
function plainTopLevelTrustDomain(text: string): string | undefined {
  if (/^(?:---|\.\.\.|[{[%&*!|>'"])/m.test(text)) return undefined;
  const lines = text.match(/^trustDomain:.*$/gm);
  if (lines?.length !== 1) return undefined;
  return /^trustDomain: ([a-z0-9._-]+)$/.exec(lines[0])?.[1];
}

/** Context of one report build: the workloads and identities targets are resolved against. */
class Context {
  public readonly workloads: Workload[];
  public identities: ReportedIdentity[] = [];
  /** The workloads of each namespace. */
  private readonly workloadsByNamespace = new Map<string, Workload[]>();

  public constructor(public readonly objects: any[]) {
    this.workloads = workloadsOf(objects);
    for (const w of this.workloads) {
      const list = this.workloadsByNamespace.get(w.namespace) ?? [];
      list.push(w);
      this.workloadsByNamespace.set(w.namespace, list);
    }
  }

  /** The pods a selector of namespace `ns` selects, named by identity where one is known. */
  public target(ns: string, selector: unknown): string {
    if (selectsAll(selector)) return `every pod in namespace ${ns}`;
    const selected = (this.workloadsByNamespace.get(ns) ?? []).filter((w) => matches(w.labels, selector));
    if (selected.length > 0) {
      const ids = selected.map((w) => this.identities.find((i) => i.namespace === ns && i.serviceAccount === w.serviceAccount)?.spiffeId);
      if (ids.every((i) => i !== undefined)) return [...new Set(ids)].join(', ');
      return selected.map((w) => `${w.object.kind} ${ns}/${w.object.metadata?.name}`).join(', ');
    }
    return `${describePods(selector)} in namespace ${ns}`;
  }
}

/** Builds the identity report from rendered manifests: identities, allowed calls, every grant without identity, defaults, network allows. */
export function buildIdentityReport(objects: ReadonlyArray<KubeObject>): IdentityReport {
  const objs = (objects as any[]).filter((o) => o && typeof o === 'object' && typeof o.kind === 'string');
  const ctx = new Context(objs);
  const identities: ReportedIdentity[] = [];
  for (const o of objs) {
    let exceptions: Record<string, string> = {};
    try {
      exceptions = o.metadata?.annotations?.[EXCEPTIONS] ? JSON.parse(o.metadata.annotations[EXCEPTIONS]) : {};
    } catch {
      exceptions = { unreadable: String(o.metadata.annotations[EXCEPTIONS]) };
    }
    if (o.kind === 'ClusterSPIFFEID') identities.push(clusterSpiffeId(o, exceptions));
    else if (o.kind === 'ClusterStaticEntry') identities.push(staticEntry(o, exceptions));
  }
  identities.sort((a, b) => compareStrings(a.spiffeId, b.spiffeId) || compareStrings(a.name, b.name));
  ctx.identities = identities;
  let trustDomains = localTrustDomains(objs);
  if (trustDomains.length === 0) {
    trustDomains = [...new Set(identities.map((i) => i.trustDomain).filter((t) => !t.includes('{{')))].sort();
  }
  const isForeign = (td: string) => trustDomains.length > 0 && !trustDomains.includes(td) && !td.includes('{{');

  const calls: ReportedCall[] = [];
  const unauthenticated: ReportedUnauthenticated[] = [];
  const defaults: ReportedDefault[] = [];
  const networkAllows: ReportedNetworkAllow[] = [];
  /** Callers each namespace's allowlists declare (to leave out the mesh objects that render them). */
  const declared = new Map<string, Set<string>>();
  const call = (c: Omit<ReportedCall, 'callerTrustDomain' | 'foreign'>) => {
    const td = trustDomainOf(c.caller);
    const { caller, callee, methods, paths, ports, stage, mesh } = c;
    calls.push({ caller, callerTrustDomain: td, foreign: isForeign(td), callee, methods, paths, ports, stage, mesh });
  };

  for (const o of objs) {
    if (o.kind === 'ConfigMap' && typeof o.data?.['allowed-callers.json'] === 'string') {
      let list: any;
      try {
        list = JSON.parse(o.data['allowed-callers.json']);
      } catch {
        continue;
      }
      const ns = o.metadata?.namespace ?? 'default';
      const seen = declared.get(ns) ?? new Set<string>();
      declared.set(ns, seen);
      for (const rule of list.rules ?? []) {
        for (const caller of rule.callers ?? []) {
          seen.add(caller);
          call({ caller, callee: list.callee, methods: rule.methods ?? ['*'], paths: rule.paths ?? ['*'], ports: rule.ports ?? [], stage: list.stage ?? '?', mesh: list.mesh ?? '?' });
        }
      }
      const open: string[] = list.unauthenticatedPaths ?? [];
      if (open.length > 0) {
        unauthenticated.push({
          target: list.callee,
          namespace: ns,
          from: ANY_CALLER,
          methods: ['GET', 'HEAD'],
          paths: [...open],
          ports: ['*'],
          enforced: true,
          wide: true,
          mesh: 'in-code allowlist',
          object: objectName(o),
        });
      }
    }
  }

  const sinks: Sinks = { declared, call, open: unauthenticated, defaults };
  for (const o of objs) {
    const api = String(o.apiVersion ?? '');
    const ns = o.metadata?.namespace ?? 'default';
    if (api.startsWith('security.istio.io/')) {
      istio(o, ns, ctx, sinks);
    } else if (api.startsWith('policy.linkerd.io/')) {
      linkerd(o, ns, objs, ctx, sinks);
    } else if (o.kind === 'NetworkPolicy' && api.startsWith('networking.k8s.io/')) {
      networkPolicy(o, ns, ctx, defaults, networkAllows);
    } else if (o.kind === 'Namespace' && o.metadata?.annotations?.[LINKERD_DEFAULT]) {
      defaults.push(linkerdDefault(`namespace ${o.metadata.name}`, 'Linkerd default inbound policy', o.metadata.annotations[LINKERD_DEFAULT], objectName(o)));
    }
  }
  for (const w of ctx.workloads) {
    const policy = w.annotations[LINKERD_DEFAULT];
    if (policy) defaults.push(linkerdDefault(`pods of ${objectName(w.object)}`, 'Linkerd default inbound policy', policy, objectName(w.object)));
  }

  calls.sort((a, b) => compareStrings(`${a.callee} ${a.caller} ${a.paths}`, `${b.callee} ${b.caller} ${b.paths}`));
  unauthenticated.sort((a, b) => compareStrings(`${a.namespace} ${a.target} ${a.object}`, `${b.namespace} ${b.target} ${b.object}`));
  defaults.sort((a, b) => compareStrings(`${a.scope} ${a.setting} ${a.object}`, `${b.scope} ${b.setting} ${b.object}`));
  networkAllows.sort((a, b) => compareStrings(`${a.namespace} ${a.object} ${a.direction}`, `${b.namespace} ${b.object} ${b.direction}`));
  return { trustDomains, identities, calls, unauthenticated, defaults, networkAllows };
}

function clusterSpiffeId(o: any, exceptions: Record<string, string>): ReportedIdentity {
  const s = o.spec ?? {};
  const selectors: string[] = Array.isArray(s.workloadSelectorTemplates) ? s.workloadSelectorTemplates.map(String) : [];
  const values = (prefix: string) => selectors.filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
  const nsPins = values('k8s:ns:');
  const saPins = values('k8s:sa:');
  const nsSelector = describeNamespaces(s.namespaceSelector);
  const nsParts = [...nsPins];
  if (nsSelector !== '*' && !(nsPins.length === 1 && nsSelector === nsPins[0])) nsParts.push(nsSelector);
  const template = String(s.spiffeIDTemplate ?? '');
  const pins = [
    ...(!selectsAll(s.podSelector) ? [describePods(s.podSelector)] : []),
    ...selectors.filter((x) => !x.startsWith('k8s:ns:') && !x.startsWith('k8s:sa:')),
    ...(s.fallback === true ? ['fallback (only pods no other ClusterSPIFFEID matches)'] : []),
    ...(s.admin === true ? ['admin'] : []),
    ...(s.downstream === true ? ['downstream'] : []),
  ];
  return {
    spiffeId: template,
    source: `ClusterSPIFFEID ${o.metadata?.name}`,
    name: String(o.metadata?.name ?? ''),
    trustDomain: trustDomainOf(template),
    namespace: nsParts.length > 0 ? nsParts.join(' and ') : '*',
    serviceAccount: saPins.length > 0 ? saPins.join(' and ') : '*',
    pins,
    selector: {
      ...(s.namespaceSelector ? { namespaceSelector: s.namespaceSelector } : {}),
      ...(s.podSelector ? { podSelector: s.podSelector } : {}),
      workloadSelectors: selectors,
      fallback: s.fallback === true,
      admin: s.admin === true,
      downstream: s.downstream === true,
    },
    x509SvidTtl: s.ttl ?? 'server default',
    jwtSvidTtl: s.jwtTtl ?? 'server default',
    dnsNames: [...(s.dnsNameTemplates ?? []), ...(s.autoPopulateDNSNames === true ? ['(pod DNS names, autoPopulateDNSNames)'] : [])],
    federatesWith: s.federatesWith ?? [],
    exceptions,
  };
}

function staticEntry(o: any, exceptions: Record<string, string>): ReportedIdentity {
  const s = o.spec ?? {};
  const selectors: string[] = Array.isArray(s.selectors) ? s.selectors.map(String) : [];
  return {
    spiffeId: String(s.spiffeID ?? ''),
    source: `ClusterStaticEntry ${o.metadata?.name}`,
    name: String(o.metadata?.name ?? ''),
    trustDomain: trustDomainOf(String(s.spiffeID ?? '')),
    namespace: '-',
    serviceAccount: '-',
    pins: [...selectors, `parent ${s.parentID}`, ...(s.admin === true ? ['admin'] : []), ...(s.downstream === true ? ['downstream'] : [])],
    selector: { workloadSelectors: selectors, fallback: false, admin: s.admin === true, downstream: s.downstream === true, parentId: s.parentID },
    x509SvidTtl: s.x509SVIDTTL ?? 'server default',
    jwtSvidTtl: s.jwtSVIDTTL ?? 'server default',
    dnsNames: s.dnsNames ?? [],
    federatesWith: s.federatesWith ?? [],
    exceptions,
  };
}

type CallSink = (c: Omit<ReportedCall, 'callerTrustDomain' | 'foreign'>) => void;

/** Where the mesh readers put what they find. */
interface Sinks {
  /** Callers each namespace's allowlists declare (to leave out the mesh objects that render them). */
  readonly declared: Map<string, Set<string>>;
  readonly call: CallSink;
  readonly open: ReportedUnauthenticated[];
  readonly defaults: ReportedDefault[];
}

/** True when a declared allowlist of the namespace already lists the caller. */
function isDeclared(declared: Map<string, Set<string>>, ns: string, caller: string): boolean {
  const seen = declared.get(ns);
  if (!seen) return false;
  if (seen.has(caller)) return true;
  const sa = /^ServiceAccount ([^/]+)\/(.+)$/.exec(caller);
  return sa !== null && [...seen].some((c) => c.endsWith(`/ns/${sa[1]}/sa/${sa[2]}`));
}

const WIDE_V4 = 8;
const WIDE_V6 = 32;

function parseCidr(cidr: string): { v6: boolean; bits: bigint; len: number } | undefined {
  const m = /^(.*)\/(\d+)$/.exec(cidr.trim());
  if (!m) return undefined;
  const len = Number(m[2]);
  if (m[1].includes(':')) {
    const [head, tail] = m[1].split('::');
    const part = (x: string | undefined) => (x ? x.split(':').filter((y) => y !== '') : []);
    const h = part(head);
    const t = tail === undefined ? [] : part(tail);
    const groups = [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
    if (groups.length !== 8) return undefined;
    return { v6: true, bits: groups.reduce((acc, g) => acc * 65536n + BigInt(parseInt(g, 16) || 0), 0n), len };
  }
  const octets = m[1].split('.').map(Number);
  if (octets.length !== 4 || octets.some((x) => Number.isNaN(x))) return undefined;
  return { v6: false, bits: octets.reduce((acc, x) => acc * 256n + BigInt(x), 0n), len };
}

/** True when every address of `inner` is in `outer`. @internal */
export function cidrContains(outer: string, inner: string): boolean {
  const a = parseCidr(outer);
  const b = parseCidr(inner);
  if (!a || !b || a.v6 !== b.v6 || a.len > b.len) return false;
  const width = a.v6 ? 128n : 32n;
  const block = 2n ** (width - BigInt(a.len));
  return a.bits / block === b.bits / block;
}

/** True for a wide CIDR: an IPv4 /8 or wider, an IPv6 /32 or wider. @internal */
export function isWideCidr(cidr: string): boolean {
  const m = /^(.*)\/(\d+)$/.exec(cidr.trim());
  if (!m) return false;
  return Number(m[2]) <= (m[1].includes(':') ? WIDE_V6 : WIDE_V4);
}

function istio(o: any, ns: string, ctx: Context, sinks: Sinks): void {
  const { declared, call, open, defaults } = sinks;
  const s = o.spec ?? {};
  const dryRun = o.metadata?.annotations?.['istio.io/dry-run'] === 'true';
  const scope = s.selector ? ctx.target(ns, s.selector) : `namespace ${ns}`;
  if (o.kind === 'PeerAuthentication') {
    const rank = (m: string | undefined) => (m === 'STRICT' ? 2 : m === 'DISABLE' ? 0 : 1);
    const mode = s.mtls?.mode ?? 'UNSET';
    const ports = Object.entries<any>(s.portLevelMtls ?? {}).map(([p, v]) => [p, v?.mode ?? 'UNSET'] as const);
    const value = `${mode}${mode === 'UNSET' ? ' (inherits the mesh or namespace mode; Istio defaults to PERMISSIVE)' : ''}${ports.length > 0 ? ` (${ports.map(([p, m]) => `port ${p}: ${m}`).join(', ')})` : ''}`;
    defaults.push({ scope, setting: 'Istio mTLS', value, rank: Math.min(rank(mode), ...ports.map(([, m]) => rank(m))), object: objectName(o) });
    return;
  }
  if (o.kind !== 'AuthorizationPolicy') return;
  const action = s.action ?? 'ALLOW';
  if (action !== 'ALLOW') return;
  const rules: any[] = Array.isArray(s.rules) ? s.rules : [];
  if (rules.length === 0) {
    defaults.push({
      scope,
      setting: 'Istio authorization',
      value: dryRun ? 'deny by default, dry-run only (istio.io/dry-run: not enforced)' : 'deny by default (ALLOW policy with no rules: allow-nothing)',
      rank: dryRun ? 1 : 2,
      object: objectName(o),
    });
    return;
  }
  const target = s.selector ? ctx.target(ns, s.selector) : `every pod in namespace ${ns}`;
  for (const rule of rules) {
    const ops: any[] = (rule.to ?? [{}]).map((t: any) => t?.operation ?? {});
    const sources: any[] = Array.isArray(rule.from) && rule.from.length > 0 ? rule.from.map((f: any) => f?.source ?? {}) : [{}];
    for (const src of sources) {
      const principals: string[] = Array.isArray(src.principals) ? src.principals.map(String) : [];
      const identified = principals.length > 0 && principals.every((p) => p !== '*');
      for (const op of ops) {
        const methods: string[] = op.methods ?? ['*'];
        const paths: string[] = [...(op.paths ?? ['*']), ...(op.notPaths ?? []).map((p: string) => `not ${p}`)];
        const ports: string[] = (op.ports ?? ['*']).map(String);
        if (identified) {
          for (const p of principals) {
            const caller = p.startsWith('spiffe://') ? p : `spiffe://${p}`;
            if (isDeclared(declared, ns, caller)) continue;
            call({ caller, callee: target, methods, paths, ports: ports.filter((x) => x !== '*').map(Number), stage: dryRun ? 'dry-run' : 'enforced', mesh: 'istio' });
          }
          continue;
        }
        open.push({
          target,
          namespace: ns,
          from: describeIstioSource(src, rule.when),
          methods,
          paths,
          ports,
          enforced: !dryRun,
          wide: isWideIstioSource(src),
          ...(onlyIpBlocks(src) ? { networks: src.ipBlocks.map(String) } : {}),
          mesh: 'istio',
          object: objectName(o),
        });
      }
    }
  }
}

function describeIstioSource(src: any, when: any): string {
  const parts: string[] = [];
  const add = (what: string, v: unknown) => {
    if (Array.isArray(v) && v.length > 0) parts.push(`${what} [${v.join(', ')}]`);
  };
  add('principals', src.principals);
  add('request principals (JWT)', src.requestPrincipals);
  add('namespaces', src.namespaces);
  add('IP blocks', src.ipBlocks);
  add('remote IP blocks', src.remoteIpBlocks);
  add('not principals', src.notPrincipals);
  add('not namespaces', src.notNamespaces);
  add('not IP blocks', src.notIpBlocks);
  const base = parts.length > 0 ? parts.join(' and ') : ANY_CALLER;
  const conditions = Array.isArray(when) && when.length > 0 ? ` when ${when.map((c: any) => `${c?.key} in [${(c?.values ?? []).join(', ')}]`).join(' and ')}` : '';
  return base + conditions;
}

function onlyIpBlocks(src: any): boolean {
  return Array.isArray(src.ipBlocks) && src.ipBlocks.length > 0 && Object.keys(src).every((k) => k === 'ipBlocks');
}

function isWideIstioSource(src: any): boolean {
  const blocks: string[] = [...(src.ipBlocks ?? []), ...(src.remoteIpBlocks ?? [])];
  if (blocks.some((b) => isWideCidr(String(b)))) return true;
  return !(src.principals?.length || src.requestPrincipals?.length || src.namespaces?.length || blocks.length);
}

const LINKERD_DEFAULT = 'config.linkerd.io/default-inbound-policy';
const LINKERD_RANK: Record<string, number> = { 'deny': 5, 'cluster-authenticated': 4, 'all-authenticated': 3, 'cluster-unauthenticated': 2, 'all-unauthenticated': 1, 'audit': 0 };

function linkerdDefault(scope: string, setting: string, value: string, object: string): ReportedDefault {
  const words: Record<string, string> = {
    'deny': 'deny (only explicit authorizations)',
    'audit': 'audit (everything allowed, would-be denials logged)',
    'all-unauthenticated': 'all-unauthenticated (everything allowed)',
    'cluster-unauthenticated': 'cluster-unauthenticated (anything from the cluster networks)',
    'all-authenticated': 'all-authenticated (any meshed identity)',
    'cluster-authenticated': 'cluster-authenticated (meshed identities from the cluster networks)',
  };
  return { scope, setting, value: words[value] ?? value, rank: LINKERD_RANK[value] ?? 0, object };
}

function linkerd(o: any, ns: string, objs: any[], ctx: Context, sinks: Sinks): void {
  const { declared, call, open, defaults } = sinks;
  const s = o.spec ?? {};
  const find = (kind: string, name: string) => objs.find((x) => x.kind === kind && String(x.apiVersion ?? '').startsWith('policy.linkerd.io/') && x.metadata?.name === name && (x.metadata?.namespace ?? 'default') === ns);
  if (o.kind === 'Server') {
    const scope = `Server ${ns}/${o.metadata?.name} (port ${s.port}, ${ctx.target(ns, s.podSelector)})`;
    defaults.push(s.accessPolicy ? linkerdDefault(scope, 'Linkerd Server accessPolicy', s.accessPolicy, objectName(o)) : {
      scope, setting: 'Linkerd Server accessPolicy', value: 'not set (the default inbound policy)', rank: 0, object: objectName(o),
    });
    return;
  }
  if (o.kind !== 'AuthorizationPolicy') return;
  // What the policy authorizes: a route (its matches), a Server (every request on its port), a namespace.
  const ref = s.targetRef ?? {};
  let server: any;
  let routeMatches: Array<{ method?: string; path?: string }> = [{}];
  if (ref.kind === 'HTTPRoute' || ref.kind === 'GRPCRoute') {
    const route = find(ref.kind, ref.name);
    const parent = (route?.spec?.parentRefs ?? []).find((p: any) => (p.kind ?? 'Server') === 'Server');
    server = parent ? find('Server', parent.name) : undefined;
    const ms: any[] = (route?.spec?.rules ?? []).flatMap((r: any) => r.matches ?? [{}]);
    if (ms.length > 0) {
      routeMatches = ms.map((m) => ({ method: typeof m.method === 'string' ? m.method : undefined, path: m.path ? `${m.path.value}${m.path.type === 'PathPrefix' ? ' (prefix)' : ''}` : undefined }));
    }
  } else if (ref.kind === 'Server') {
    server = find('Server', ref.name);
  }
  const target = server ? ctx.target(ns, server.spec?.podSelector) : ref.kind === 'Namespace' ? `every pod in namespace ${ns}` : `${ref.kind ?? '?'} ${ns}/${ref.name ?? '?'}`;
  const port = server ? [String(server.spec?.port)] : ['*'];
  const methods = [...new Set(routeMatches.map((m) => m.method ?? '*'))];
  const paths = [...new Set(routeMatches.map((m) => m.path ?? '*'))];
  for (const authn of s.requiredAuthenticationRefs ?? []) {
    if (authn.kind === 'NetworkAuthentication') {
      const na = find('NetworkAuthentication', authn.name);
      const nets: any[] = na?.spec?.networks ?? [];
      const from = nets.length > 0 ? `networks ${nets.map((n) => `${n.cidr}${n.except?.length ? ` except ${n.except.join(', ')}` : ''}`).join(', ')}` : 'no network';
      open.push({
        target,
        namespace: ns,
        from,
        methods,
        paths,
        ports: port,
        enforced: true,
        wide: nets.some((n) => isWideCidr(String(n.cidr))),
        networks: nets.filter((n) => !(n.except?.length > 0)).map((n) => String(n.cidr)),
        mesh: 'linkerd',
        object: objectName(o),
      });
    } else if (authn.kind === 'MeshTLSAuthentication') {
      const mtls = find('MeshTLSAuthentication', authn.name);
      const callers: string[] = [
        ...(mtls?.spec?.identities ?? []).map(String),
        ...(mtls?.spec?.identityRefs ?? []).map((r: any) => `${r.kind ?? 'ServiceAccount'} ${r.namespace ?? ns}/${r.name ?? '*'}`),
      ];
      for (const caller of callers) {
        if (isDeclared(declared, ns, caller)) continue;
        call({ caller, callee: target, methods, paths, ports: port.filter((x) => x !== '*').map(Number), stage: 'enforced', mesh: 'linkerd' });
      }
    } else if (authn.kind === 'ServiceAccount') {
      const caller = `ServiceAccount ${authn.namespace ?? ns}/${authn.name}`;
      if (!isDeclared(declared, ns, caller)) call({ caller, callee: target, methods, paths, ports: port.filter((x) => x !== '*').map(Number), stage: 'enforced', mesh: 'linkerd' });
    }
  }
}

function describePeer(peer: any, ns: string): { text: string; wide: boolean } {
  if (peer.ipBlock) {
    const cidr = String(peer.ipBlock.cidr);
    const except: string[] = peer.ipBlock.except ?? [];
    return { text: `CIDR ${cidr}${except.length > 0 ? ` except ${except.join(', ')}` : ''}`, wide: isWideCidr(cidr) };
  }
  const pods = peer.podSelector ? describePods(peer.podSelector) : 'every pod';
  if (!peer.namespaceSelector) return { text: `${pods} in namespace ${ns}`, wide: false };
  const namespaces = describeNamespaces(peer.namespaceSelector);
  const where = namespaces === '*' ? 'every namespace' : /^(namespaces |every )/.test(namespaces) ? namespaces : `namespace ${namespaces}`;
  return { text: `${pods} in ${where}`, wide: false };
}

function networkPolicy(o: any, ns: string, ctx: Context, defaults: ReportedDefault[], allows: ReportedNetworkAllow[]): void {
  const s = o.spec ?? {};
  const pods = ctx.target(ns, s.podSelector);
  const reasonValue = o.metadata?.annotations?.[WIDE_CIDR_REASON];
  const reason = typeof reasonValue === 'string' && reasonValue.trim() !== '' ? reasonValue.trim() : undefined;
  const types: string[] = Array.isArray(s.policyTypes) ? s.policyTypes : ['Ingress', ...(s.egress ? ['Egress'] : [])];
  for (const type of types) {
    const direction = type === 'Egress' ? 'egress' : 'ingress';
    const rules: any[] = Array.isArray(s[direction]) ? s[direction] : [];
    if (rules.length === 0) {
      defaults.push({ scope: pods, setting: `NetworkPolicy ${direction}`, value: `deny all ${direction} not allowed by another policy`, rank: 1, object: objectName(o) });
      continue;
    }
    for (const rule of rules) {
      const peers: any[] = rule[direction === 'ingress' ? 'from' : 'to'] ?? [];
      const ports = Array.isArray(rule.ports) && rule.ports.length > 0
        ? rule.ports.map((p: any) => `${p.port ?? 'all'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(', ')
        : 'all ports';
      const described = peers.length > 0
        ? peers.map((p) => ({ ...describePeer(p, ns), cidr: p.ipBlock !== undefined }))
        : [{ text: direction === 'ingress' ? 'any source (every address)' : 'any destination (every address)', wide: true, cidr: false }];
      for (const d of described) {
        // The reason annotation explains the policy's wide CIDRs; a rule with no peers is not one.
        const why = d.wide && d.cidr && reason ? { reason } : {};
        allows.push({ namespace: ns, direction, pods, peer: d.text, ports, wide: d.wide, ...why, object: objectName(o) });
      }
    }
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string) => `\`${s}\``;

/** A graph label for a SPIFFE ID: the path alone for the local trust domain, else `<trust domain><path> (foreign)`. */
function nodeLabel(id: string, local: string[]): string {
  if (!id.startsWith('spiffe://')) return id;
  const td = trustDomainOf(id);
  const pathPart = id.slice(`spiffe://${td}`.length) || '/';
  if (TEMPLATE_TD.test(id) || (local.length > 0 && local.includes(td))) return pathPart;
  return local.length > 0 ? `${td}${pathPart} (foreign)` : `${td}${pathPart}`;
}

/**
 * `identities.md`: identities, allowed calls (foreign callers marked), every access granted
 * without an identity, the namespace and workload defaults, the NetworkPolicy allows (wide CIDRs
 * and their reasons), and a Mermaid graph of who may call whom.
 */
export function renderIdentityMarkdown(report: IdentityReport, title = 'Workload identities'): string {
  const r = normalizeIdentityReport(report);
  const foreign = r.calls.filter((c) => c.foreign).length;
  const wide = r.networkAllows.filter((n) => n.wide).length;
  const lines = [
    `# ${title}`,
    '',
    `Local trust domain${r.trustDomains.length === 1 ? '' : 's'}: ${r.trustDomains.length > 0 ? r.trustDomains.join(', ') : 'unknown'}. ` +
      `${r.identities.length} identities, ${r.calls.length} allowed calls (${foreign} from foreign trust domains), ` +
      `${r.unauthenticated.length} grants without identity, ${r.defaults.length} defaults, ${r.networkAllows.length} network allows (${wide} wide).`,
    '',
    '## Identities',
    '',
  ];
  if (r.identities.length === 0) {
    lines.push('No ClusterSPIFFEID or ClusterStaticEntry.');
  } else {
    lines.push('| SPIFFE ID | namespace | service account | other pins | X509-SVID TTL | JWT-SVID TTL | DNS names | federates with | acknowledged exceptions |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const i of r.identities) {
      const exc = Object.entries(i.exceptions).map(([k, v]) => `${k}: ${v}`).join('; ');
      lines.push(
        `| ${code(i.spiffeId)} | ${cell(i.namespace)} | ${cell(i.serviceAccount)} | ${cell(i.pins.join('; ')) || '-'} | ${i.x509SvidTtl} | ${i.jwtSvidTtl} | ` +
          `${cell(i.dnsNames.join(', ')) || '-'} | ${i.federatesWith.join(', ') || '-'} | ${cell(exc) || '-'} |`,
      );
    }
  }
  lines.push('', '## Allowed calls', '');
  if (r.calls.length === 0) {
    lines.push('No mesh policy declared.');
  } else {
    lines.push('| caller | caller trust domain | callee | methods | paths | ports | stage | mesh |', '|---|---|---|---|---|---|---|---|');
    for (const c of r.calls) {
      const td = c.foreign ? `**${c.callerTrustDomain} (foreign)**` : c.callerTrustDomain || '-';
      lines.push(`| ${code(c.caller)} | ${td} | ${code(c.callee)} | ${c.methods.join(', ')} | ${c.paths.map(code).join(', ')} | ${c.ports.join(', ') || '*'} | ${c.stage} | ${c.mesh} |`);
    }
  }
  lines.push('', '## Access without identity', '');
  if (r.unauthenticated.length === 0) {
    lines.push('None at the mesh level: no health route, unauthenticated path or network-authorized route (NetworkPolicy allows are listed below).');
  } else {
    lines.push('Granted to every caller without checking a SPIFFE ID (health and readiness probes, unauthenticated paths, open networks).', '');
    lines.push('| to | from | methods | paths | ports | enforced | mesh | object |', '|---|---|---|---|---|---|---|---|');
    for (const u of r.unauthenticated) {
      lines.push(
        `| ${code(u.target)} | ${cell(u.from)}${u.wide ? ' ⚠' : ''} | ${u.methods.join(', ')} | ${u.paths.map(code).join(', ')} | ${u.ports.join(', ')} | ${u.enforced ? 'yes' : 'no (dry-run)'} | ${u.mesh} | ${u.object} |`,
      );
    }
  }
  lines.push('', '## Defaults', '');
  if (r.defaults.length === 0) {
    lines.push('No mTLS mode, deny-by-default baseline, default inbound policy or default-deny NetworkPolicy.');
  } else {
    lines.push('| applies to | setting | value | object |', '|---|---|---|---|');
    for (const d of r.defaults) lines.push(`| ${cell(d.scope)} | ${d.setting} | ${cell(d.value)} | ${d.object} |`);
  }
  lines.push('', '## Network allows (NetworkPolicy)', '');
  if (r.networkAllows.length === 0) {
    lines.push('No NetworkPolicy allows.');
  } else {
    lines.push('| namespace | direction | pods | peer | ports | wide | reason | object |', '|---|---|---|---|---|---|---|---|');
    for (const n of r.networkAllows) {
      lines.push(`| ${n.namespace} | ${n.direction} | ${cell(n.pods)} | ${cell(n.peer)} | ${n.ports} | ${n.wide ? '⚠ yes' : 'no'} | ${cell(n.reason ?? (n.wide ? 'none given' : '-'))} | ${n.object} |`);
    }
  }
  const graphed = r.unauthenticated.filter((u) => u.mesh !== 'in-code allowlist');
  if (r.calls.length > 0 || graphed.length > 0) {
    lines.push('', '## Who may call whom', '', '```mermaid', 'graph LR');
    const nodes = new Map<string, string>();
    const node = (id: string) => {
      if (!nodes.has(id)) nodes.set(id, `n${nodes.size}`);
      return nodes.get(id)!;
    };
    const edges: string[] = [];
    const label = (s: string) => s.replace(/"/g, '#quot;');
    for (const c of r.calls) edges.push(`  ${node(c.caller)} -->|"${label(`${c.methods.join(',')} ${c.paths.join(' ')}`)}"| ${node(c.callee)}`);
    for (const u of graphed) edges.push(`  ${node(`open: ${u.from}`)} -.->|"${label(`${u.methods.join(',')} ${u.paths.join(' ')}`)}"| ${node(u.target)}`);
    for (const [id, n] of nodes) lines.push(`  ${n}["${label(id.startsWith('open: ') ? id.slice(6) : nodeLabel(id, r.trustDomains))}"]`);
    lines.push(...edges, '```');
  }
  return lines.join('\n') + '\n';
}

/** Fills what an `identities.json` of an older version lacks (so the diff can read it). */
export function normalizeIdentityReport(report: Partial<IdentityReport>): IdentityReport {
  const trustDomains = report.trustDomains ?? [];
  return {
    trustDomains,
    identities: (report.identities ?? []).map((i: any) => ({
      ...i,
      name: i.name ?? String(i.source ?? '').replace(/^\S+ /, ''),
      trustDomain: i.trustDomain ?? trustDomainOf(i.spiffeId ?? ''),
      pins: i.pins ?? [],
      dnsNames: i.dnsNames ?? [],
      federatesWith: i.federatesWith ?? [],
      exceptions: i.exceptions ?? {},
      selector: i.selector ?? {
        workloadSelectors: [...(i.namespace && i.namespace !== '*' && i.namespace !== '-' ? [`k8s:ns:${i.namespace}`] : []), ...(i.serviceAccount && i.serviceAccount !== '*' && i.serviceAccount !== '-' ? [`k8s:sa:${i.serviceAccount}`] : []), ...(i.pins ?? [])],
        fallback: false,
        admin: false,
        downstream: false,
      },
    })),
    calls: (report.calls ?? []).map((c: any) => {
      const td = c.callerTrustDomain ?? trustDomainOf(c.caller ?? '');
      return { ...c, callerTrustDomain: td, foreign: c.foreign ?? (trustDomains.length > 0 && !trustDomains.includes(td)) };
    }),
    unauthenticated: report.unauthenticated ?? [],
    defaults: report.defaults ?? [],
    networkAllows: report.networkAllows ?? [],
  };
}
