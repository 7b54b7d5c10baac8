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
}
