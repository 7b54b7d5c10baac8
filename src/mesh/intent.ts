import { WorkloadIdentity } from '../identity/workload-identity';
import { checkCidrs, namespaceSelector } from '../k8s/network-peers';
import { compareStrings } from '../order';
import { SpiffeId } from '../spiffe/spiffe-id';
import { checkDnsLabel, invalidProp } from '../validation';

/** A caller: a declared workload identity, or a foreign (federated) SPIFFE ID. */
export interface MeshCaller {
  /** The caller's SPIFFE ID. */
  readonly spiffeId: SpiffeId;
  /** The declared identity, for in-cluster callers. */
  readonly identity?: WorkloadIdentity;
  /**
   * Where a foreign caller's traffic enters the cluster (for NetworkPolicies).
   * @default - not declared
   */
  readonly network?: ForeignCallerNetwork;
}

/**
 * Where a foreign (federated) caller's traffic comes from, as the callee's NetworkPolicy sees
 * it: the pods of the gateway it arrives through, or the addresses it connects from.
 */
export class ForeignCallerNetwork {
  /** The pods it arrives through (an east-west or ingress gateway), by namespace and labels. */
  public static pods(namespace: string, podLabels: Record<string, string>): ForeignCallerNetwork {
    checkDnsLabel(namespace, 'network.pods namespace');
    if (typeof podLabels !== 'object' || podLabels === null || Object.keys(podLabels).length === 0) {
      throw invalidProp('network.pods podLabels', podLabels, "Give the gateway pods' labels (a whole namespace would admit every pod in it).");
    }
    return new ForeignCallerNetwork([{ namespaceSelector: namespaceSelector(namespace), podSelector: { matchLabels: { ...podLabels } } }]);
  }

  /** The addresses it connects from (a load balancer that keeps client addresses, a peered network). */
  public static cidrs(cidrs: string[]): ForeignCallerNetwork {
    return new ForeignCallerNetwork(checkCidrs(cidrs, 'network.cidrs').map((cidr) => ({ ipBlock: { cidr } })));
  }

  private constructor(
    /** NetworkPolicy peers. @internal */
    public readonly _peers: ReadonlyArray<Record<string, unknown>>,
  ) {}
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
  return [...groups.values()].map((g) => ({ ...g, callers: [...g.callers].sort((a, b) => compareStrings(a.spiffeId.uri, b.spiffeId.uri)) }));
}

/** Istio principal: the SPIFFE ID without `spiffe://`. @internal */
export function istioPrincipal(id: SpiffeId): string {
  return id.uri.slice('spiffe://'.length);
}

/** A Kubernetes object as the mesh renderers produce it. @internal */
export type Manifest = Record<string, unknown>;
