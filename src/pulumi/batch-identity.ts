/**
 * One identity of a {@link WorkloadIdentities} component: a caller or callee of a
 * {@link MeshPolicy}, as a {@link WorkloadIdentity} component is. Not a Pulumi resource: its
 * ClusterSPIFFEID is a child of the WorkloadIdentities component. Created by that component
 * (`identities[key]`); one made by hand is refused where an identity is expected.
 */
export class BatchIdentity {
  public constructor(
    /** The identity's key in its component's `identities`. */
    public readonly key: string,
    /** The SPIFFE ID. */
    public readonly spiffeId: string,
  ) {}

  /** The SPIFFE ID (what component inputs record for it). */
  public toString(): string {
    return this.spiffeId;
  }
}
