import { Node, Construct } from 'constructs';

/** What the cross-app checks need to know about an identity. */
export interface RegisteredIdentity {
  /** The construct. */
  readonly construct: Construct;
  /** The SPIFFE ID URI. */
  readonly spiffeId: string;
  /** Namespace pinned, or `*`. */
  readonly namespace: string;
  /** Service account pinned, or `*`. */
  readonly serviceAccount: string;
  /** Pod labels pinned. */
  readonly podLabels: Record<string, string>;
  /** Container name pinned, if any. */
  readonly containerName?: string;
  /** className of the server it belongs to. */
  readonly className: string;
  /** Kind: workload (ClusterSPIFFEID) or static entry. */
  readonly kind: 'workload' | 'static';
}

const registries = new WeakMap<Construct, RegisteredIdentity[]>();

/**
 * All identities of one app (keyed by the construct tree's root).
 *
 * @internal
 */
export function identitiesOf(scope: Construct): RegisteredIdentity[] {
  const root = Node.of(scope).root;
  let list = registries.get(root);
  if (!list) {
    list = [];
    registries.set(root, list);
  }
  return list;
}

/** True when some pod could match both identities' selectors. @internal */
export function selectorsOverlap(a: RegisteredIdentity, b: RegisteredIdentity): boolean {
  if (a.kind !== 'workload' || b.kind !== 'workload' || a.className !== b.className) {
    return false;
  }
  const same = (x: string, y: string) => x === '*' || y === '*' || x === y;
  if (!same(a.namespace, b.namespace) || !same(a.serviceAccount, b.serviceAccount)) {
    return false;
  }
  for (const [k, v] of Object.entries(a.podLabels)) {
    if (k in b.podLabels && b.podLabels[k] !== v) {
      return false;
    }
  }
  if (a.containerName && b.containerName && a.containerName !== b.containerName) {
    return false;
  }
  return true;
}

/** What {@link conflictsOf} has seen of a registry (identities are only ever appended). */
interface ConflictState {
  /** How many identities of the registry have been checked. */
  checked: number;
  readonly result: Map<RegisteredIdentity, string[]>;
  readonly byId: Map<string, RegisteredIdentity>;
  /** Each workload identity's position in the registry (candidates are checked in that order). */
  readonly position: Map<RegisteredIdentity, number>;
  /** Workload identities by `class|namespace|serviceAccount` (service account `*` included). */
  readonly byAccount: Map<string, RegisteredIdentity[]>;
  /** Workload identities by `class|namespace`, any service account. */
  readonly byNamespace: Map<string, RegisteredIdentity[]>;
  /** Workload identities of any namespace (`*`). */
  readonly wildcard: RegisteredIdentity[];
}

const conflictStates = new WeakMap<RegisteredIdentity[], ConflictState>();

/**
 * Cross-app conflicts: the same SPIFFE ID declared twice, and workload identities whose
 * selectors can match the same pod. Each conflict is reported on the later identity and names
 * both. Identities are bucketed by class, namespace and service account (either may be `*`),
 * so the cost grows with the identities that could overlap, not with the square of all of them.
 * An identity's conflicts depend only on the identities before it, and registries only grow: each identity is checked
 * once, when a call first sees it (Pulumi components validate one identity at a time, as they
 * are created; checking the whole registry again each time was quadratic).
 *
 * @internal
 */
export function conflictsOf(registry: RegisteredIdentity[]): Map<RegisteredIdentity, string[]> {
  let state = conflictStates.get(registry);
  if (!state || state.checked > registry.length) {
    state = { checked: 0, result: new Map(), byId: new Map(), position: new Map(), byAccount: new Map(), byNamespace: new Map(), wildcard: [] };
    conflictStates.set(registry, state);
  }
  const { result, byId, position, byAccount, byNamespace, wildcard } = state;
  const add = (r: RegisteredIdentity, msg: string) => append(result, r, msg);
  for (; state.checked < registry.length; state.checked++) {
    const me = registry[state.checked];
    const first = byId.get(me.spiffeId);
    if (first) {
      add(me, `SPIFFE ID ${me.spiffeId} is declared twice: by '${first.construct.node.path}' and '${me.construct.node.path}'. Each identity needs its own ID.`);
    } else {
      byId.set(me.spiffeId, me);
    }
    if (me.kind !== 'workload') continue;
    const ns = `${me.className}|${me.namespace}`;
    // Earlier identities that pin the same namespace (or none) and the same service account (or none).
    const candidates = me.namespace === '*'
      ? [...byNamespace.values()].flat().concat(wildcard)
      : me.serviceAccount === '*'
        ? [...(byNamespace.get(ns) ?? []), ...wildcard]
        : [...(byAccount.get(`${ns}|${me.serviceAccount}`) ?? []), ...(byAccount.get(`${ns}|*`) ?? []), ...wildcard];
    candidates.sort((a, b) => position.get(a)! - position.get(b)!);
    for (const other of candidates) {
      if (other.spiffeId !== me.spiffeId && selectorsOverlap(other, me)) {
        add(
          me,
          `Identities '${other.construct.node.path}' (${other.spiffeId}) and '${me.construct.node.path}' (${me.spiffeId}) can select the same pod ` +
            `(namespace ${other.namespace}/${me.namespace}, service account ${other.serviceAccount}/${me.serviceAccount}); pin a different namespace, service account, pod label or container.`,
        );
      }
    }
    position.set(me, state.checked);
    if (me.namespace === '*') {
      wildcard.push(me);
    } else {
      append(byNamespace, ns, me);
      append(byAccount, `${ns}|${me.serviceAccount}`, me);
    }
  }
  return result;
}

/** Appends `value` to the list `map` holds under `key`. */
function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
