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
