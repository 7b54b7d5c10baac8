/** A destination a pod must reach (for its NetworkPolicy egress). */
export interface NetworkDestination {
  /** TCP port. */
  readonly port: number;
  /**
   * Namespace of the destination pods.
   * @default - any namespace (with `cidr`)
   */
  readonly namespace?: string;
  /**
   * Labels of the destination pods.
   * @default - all pods of `namespace`
   */
  readonly podLabels?: Record<string, string>;
  /**
   * CIDR of the destination (outside the cluster).
   * @default - pods chosen by namespace and labels
   */
  readonly cidr?: string;
  /**
   * Why a wide `cidr` (`0.0.0.0/0`) is acceptable here (shown in the NetworkPolicy's
   * annotation; the checklist flags wide CIDRs without one).
   * @default - none
   */
  readonly reason?: string;
}

/** The namespace of an in-cluster Service host name (`<svc>.<ns>.svc[.cluster.local]`), if it is one. @internal */
export function inClusterNamespaceOf(hostname: string): string | undefined {
  const m = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(hostname);
  return m ? m[2] : undefined;
}
