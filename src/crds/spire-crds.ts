import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SPIRE_CRDS } from '../imports/spire-crds.generated';
import { clusterScoped } from '../k8s/cluster-scoped';
import { checkUniqueObjects } from '../k8s/unique-objects';

/**
 * The spire.spiffe.io CustomResourceDefinitions (ClusterSPIFFEID, ClusterStaticEntry,
 * ClusterFederatedTrustDomain) as the controller manager's release ships them.
 */
export class SpireCrds extends Construct {
  /** Names of the CRDs. */
  public readonly names: string[];

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    checkUniqueObjects(this);
    this.names = [];
    for (const crd of SPIRE_CRDS) {
      const metadata = crd.metadata as { name: string; annotations?: Record<string, string> };
      // `status` is written by the API server, never applied.
      const { apiVersion, kind, metadata: _m, status: _s, ...rest } = crd as { apiVersion: string; kind: string; metadata: unknown; status?: unknown };
      clusterScoped(
        new ApiObject(this, metadata.name, {
          apiVersion,
          kind,
          metadata: { name: metadata.name, annotations: metadata.annotations },
          ...rest,
        }),
      );
      this.names.push(metadata.name);
    }
  }
}
