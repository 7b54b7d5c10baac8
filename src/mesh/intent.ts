import { WorkloadIdentity } from '../identity/workload-identity';
import { SpiffeId } from '../spiffe/spiffe-id';

/** A caller: a declared workload identity, or a foreign (federated) SPIFFE ID. */
export interface MeshCaller {
  /** The caller's SPIFFE ID. */
  readonly spiffeId: SpiffeId;
  /** The declared identity, for in-cluster callers. */
  readonly identity?: WorkloadIdentity;
}

/** One declared allow: who may call whom, how. */
export interface AllowRule {
  readonly caller: MeshCaller;
  readonly callee: WorkloadIdentity;
  /** HTTP methods (undefined = any). */
  readonly methods?: string[];
  /** HTTP paths (undefined = any). */
  readonly paths?: string[];
  /** Callee ports. */
  readonly ports: number[];
}

/** A callee with what the renderers need. @internal */
export interface CalleeView {
  readonly identity: WorkloadIdentity;
  /** Short name, unique in its namespace. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

/** Rules grouped by identical (methods, paths, ports): one Istio rule / Linkerd route each. @internal */
export interface RuleGroup {
  readonly methods?: string[];
  readonly paths?: string[];
  readonly ports: number[];
  readonly callers: MeshCaller[];
}

/** @internal */
export function groupRules(rules: AllowRule[]): RuleGroup[] {
  const groups = new Map<string, { methods?: string[]; paths?: string[]; ports: number[]; callers: MeshCaller[] }>();
  for (const r of rules) {
    const key = JSON.stringify([r.methods ?? null, r.paths ?? null, r.ports]);
    let g = groups.get(key);
    if (!g) {
      g = { methods: r.methods, paths: r.paths, ports: r.ports, callers: [] };
      groups.set(key, g);
    }
    if (!g.callers.some((c) => c.spiffeId.equals(r.caller.spiffeId))) {
      g.callers.push(r.caller);
    }
  }
  return [...groups.values()].map((g) => ({ ...g, callers: [...g.callers].sort((a, b) => a.spiffeId.uri.localeCompare(b.spiffeId.uri)) }));
}

/** Istio principal: the SPIFFE ID without `spiffe://`. @internal */
export function istioPrincipal(id: SpiffeId): string {
  return id.uri.slice('spiffe://'.length);
}

/** A Kubernetes object as the mesh renderers produce it. @internal */
export type Manifest = Record<string, unknown>;
