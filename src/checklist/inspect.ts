import { KubeObject, objectName } from './rule';

/* Readers shared by the rules: they work on any manifests (ours, the official Helm chart's). */

type Json = any;

/**
 * A reader computed once per set of objects the rules share: the engine hands every rule the same
 * frozen array (`runChecklist`), so each reader scans it once per run instead of once per rule.
 * An array that is not frozen may still change between calls: read anew.
 */
function perObjectSet<T>(read: (objects: ReadonlyArray<KubeObject>) => T): (objects: ReadonlyArray<KubeObject>) => T {
  const cache = new WeakMap<ReadonlyArray<KubeObject>, T>();
  return (objects) => {
    if (!Object.isFrozen(objects)) return read(objects);
    if (!cache.has(objects)) cache.set(objects, read(objects));
    return cache.get(objects) as T;
  };
}

/** Workload kinds and where their pod spec lives. */
const WORKLOADS: Record<string, (o: Json) => Json | undefined> = {
  Deployment: (o) => o.spec?.template,
  StatefulSet: (o) => o.spec?.template,
  DaemonSet: (o) => o.spec?.template,
  ReplicaSet: (o) => o.spec?.template,
  Job: (o) => o.spec?.template,
  CronJob: (o) => o.spec?.jobTemplate?.spec?.template,
  Pod: (o) => o,
};

/** A workload with its pod template. */
export interface Workload {
  readonly object: KubeObject;
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
  readonly podSpec: Json;
}

/** Every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod …). */
export const workloads: (objects: ReadonlyArray<KubeObject>) => readonly Workload[] = perObjectSet((objects) => {
  const out: Workload[] = [];
  for (const o of objects) {
    const template = WORKLOADS[o.kind]?.(o);
    if (template?.spec) {
      out.push({
        object: o,
        name: objectName(o),
        namespace: o.metadata?.namespace ?? 'default',
        podLabels: template.metadata?.labels ?? {},
        podAnnotations: template.metadata?.annotations ?? {},
        podSpec: template.spec,
      });
    }
  }
  return out;
});

/** All containers (and init containers) of a pod spec. */
export function containersOf(podSpec: Json): Json[] {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

/** Workloads running an image whose repository name ends with `name` (e.g. `spire-server`). */
export function workloadsRunning(objects: ReadonlyArray<KubeObject>, image: string): Workload[] {
  return workloads(objects).filter((w) => containersOf(w.podSpec).some((c) => imageRepository(c.image).endsWith(`/${image}`) || imageRepository(c.image) === image));
}

/** The repository part of an image reference (no tag, no digest). */
export function imageRepository(image: string | undefined): string {
  if (!image) return '';
  const noDigest = image.split('@')[0];
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** A parsed SPIRE config file found in a ConfigMap. */
export interface ConfigFile {
  readonly configMap: KubeObject;
  readonly name: string;
  readonly config: Json;
}

function parseConfigs(objects: ReadonlyArray<KubeObject>, key: string): ConfigFile[] {
  const out: ConfigFile[] = [];
  for (const o of objects) {
    if (o.kind !== 'ConfigMap') continue;
    const data = (o as Json).data ?? {};
    const text = data[key];
    if (typeof text !== 'string') continue;
    try {
      // Files read with -expandEnv escape `$` as `$$`; that does not change the structure.
      out.push({ configMap: o, name: objectName(o), config: JSON.parse(text) });
    } catch {
      // An HCL file: the rules that need it say so through their own findings.
      out.push({ configMap: o, name: objectName(o), config: undefined });
    }
  }
  return out;
}

/** Every `server.conf` in the manifests. */
export const serverConfigs: (objects: ReadonlyArray<KubeObject>) => readonly ConfigFile[] = perObjectSet((objects) => parseConfigs(objects, 'server.conf'));

/** Every `agent.conf` in the manifests. */
export const agentConfigs: (objects: ReadonlyArray<KubeObject>) => readonly ConfigFile[] = perObjectSet((objects) => parseConfigs(objects, 'agent.conf'));

/** Every `oidc-discovery-provider.conf` (SPIRE's OIDC discovery provider) in the manifests. */
export const oidcProviderConfigs: (objects: ReadonlyArray<KubeObject>) => readonly ConfigFile[] = perObjectSet((objects) => parseConfigs(objects, 'oidc-discovery-provider.conf'));

/**
 * The plugins of one type in a SPIRE config, as `[name, plugin_data]`, accepting both the list
 * form (`[{"sql": {...}}]`) and the object form (`{"sql": {...}}`).
 */
export function plugins(config: Json, type: string): Array<[string, Json]> {
  const section = config?.plugins?.[type];
  if (!section) return [];
  const entries: Array<[string, Json]> = [];
  const add = (obj: Json) => {
    for (const [name, body] of Object.entries(obj ?? {})) {
      const b = Array.isArray(body) ? body[0] : body;
      entries.push([name, (b as Json)?.plugin_data ?? {}]);
    }
  };
  if (Array.isArray(section)) section.forEach(add);
  else add(section);
  return entries;
}

/** A block that the official chart may render as a single-element list. */
export function block(value: Json): Json {
  return Array.isArray(value) ? value[0] : value;
}

/** Parses a Go duration string (`1h30m`, `90s`) into seconds; NaN when it is not one. */
export function goDurationSeconds(s: unknown): number {
  if (typeof s !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(s)) return NaN;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}

/** True when a label selector (matchLabels only) selects the labels. */
export function selects(selector: Json, labels: Record<string, string>): boolean {
  if (!selector) return false;
  const ml = selector.matchLabels ?? {};
  if ((selector.matchExpressions ?? []).length > 0) return false;
  return Object.entries(ml).every(([k, v]) => labels[k] === v);
}

/** Istio AuthorizationPolicies (security.istio.io) that are enforced (not dry-run). */
export const enforcedIstioPolicies: (objects: ReadonlyArray<KubeObject>) => readonly Json[] = perObjectSet((objects) => (objects as Json[]).filter(
  (o) => o.kind === 'AuthorizationPolicy' && o.apiVersion?.startsWith('security.istio.io') && o.metadata?.annotations?.['istio.io/dry-run'] !== 'true',
));

/** The principals (`<td>/ns/<ns>/sa/<sa>`) an Istio AuthorizationPolicy names, per source. */
export function istioPrincipalLists(policy: Json): string[][] {
  return (policy.spec?.rules ?? []).flatMap((r: Json) => (r.from ?? []).map((f: Json) => [...(f.source?.principals ?? [])]));
}
