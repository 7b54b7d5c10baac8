import type * as plus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { cdk8sPlus } from '../k8s/kube';
import { invalidProp } from '../validation';

/** The CSI driver name of the SPIFFE CSI driver. */
export const SPIFFE_CSI_DRIVER = 'csi.spiffe.io';
/** Where workloads find the Workload API. */
export const WORKLOAD_API_MOUNT_PATH = '/spiffe-workload-api';
/** The socket file the agent creates (and the CSI driver exposes). */
export const WORKLOAD_API_SOCKET = 'spire-agent.sock';

const VOLUME_ID = 'SpiffeWorkloadApi';
/** The name of the pod volume that holds the Workload API socket directory. */
export const WORKLOAD_API_VOLUME = 'spiffe-workload-api';

/** Options of {@link WorkloadApi.mount}. */
export interface WorkloadApiMountOptions {
  /**
   * The containers that get the mount and `SPIFFE_ENDPOINT_SOCKET`.
   * @default - every container of the workload
   */
  readonly containers?: plus.Container[];
  /**
   * Where the socket directory is mounted.
   * @default '/spiffe-workload-api'
   */
  readonly mountPath?: string;
}

/**
 * Gives cdk8s-plus workloads the SPIFFE Workload API through the SPIFFE CSI driver: no hostPath
 * in the workload's pod, the socket directory mounted read-only.
 */
export class WorkloadApi {
  /**
   * Adds the `csi.spiffe.io` volume (read-only), mounts it and sets
   * `SPIFFE_ENDPOINT_SOCKET=unix:///spiffe-workload-api/spire-agent.sock` on the containers.
   * Idempotent: a second call on the same workload changes nothing.
   */
  public static mount(workload: plus.AbstractPod, options: WorkloadApiMountOptions = {}): void {
    const mountPath = options.mountPath ?? WORKLOAD_API_MOUNT_PATH;
    if (!mountPath.startsWith('/')) {
      throw invalidProp('mountPath', mountPath, 'Use an absolute path.');
    }
    const containers = options.containers ?? workload.containers;
    if (containers.length === 0) {
      throw invalidProp('containers', [], `Workload '${workload.node.path}' has no containers yet; add them before mounting the Workload API.`);
    }
    const existing = workload.node.tryFindChild(VOLUME_ID) as plus.Volume | undefined;
    const volume =
      existing ?? cdk8sPlus().Volume.fromCsi(workload as unknown as Construct, VOLUME_ID, SPIFFE_CSI_DRIVER, { name: WORKLOAD_API_VOLUME, readOnly: true });
    for (const c of containers) {
      if (c.mounts.some((m) => m.volume.name === volume.name)) {
        continue;
      }
      c.mount(mountPath, volume, { readOnly: true });
      c.env.addVariable('SPIFFE_ENDPOINT_SOCKET', cdk8sPlus().EnvValue.fromValue(`unix://${mountPath}/${WORKLOAD_API_SOCKET}`));
    }
  }

  /** True when the workload has the Workload API volume. */
  public static isMounted(workload: plus.AbstractPod): boolean {
    return workload.node.tryFindChild(VOLUME_ID) !== undefined;
  }
}
