import { Construct } from 'constructs';
import { appApiObjects } from '../k8s/unique-objects';
import { compareStrings } from '../order';

/** A Namespace the app declares whose Pod Security rejects a mesh's init container. @internal */
export interface NetAdminRejectingNamespace {
  readonly name: string;
  /** The Namespace object's construct path. */
  readonly path: string;
  readonly level: 'restricted' | 'baseline';
}

/**
 * The namespaces of `wanted` that the app declares as Namespace objects enforcing Pod Security
 * `restricted` or `baseline`: both refuse NET_ADMIN and NET_RAW, which a mesh's init container
 * (istio-init, linkerd-init) needs when the mesh's CNI plugin is not installed. Sorted by name.
 *
 * @internal
 */
export function netAdminRejectingNamespaces(scope: Construct, wanted: ReadonlySet<string>): NetAdminRejectingNamespace[] {
  if (wanted.size === 0) return [];
  const found: NetAdminRejectingNamespace[] = [];
  for (const c of appApiObjects(scope)) {
    if (c.kind !== 'Namespace' || c.apiVersion !== 'v1' || !wanted.has(c.name)) continue;
    const level = c.metadata.getLabel('pod-security.kubernetes.io/enforce');
    if (level === 'restricted' || level === 'baseline') found.push({ name: c.name, path: c.node.path, level });
  }
  return found.sort((a, b) => compareStrings(a.name, b.name));
}
