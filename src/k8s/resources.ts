import { k8s } from './kube';
import { checkQuantity } from '../validation';

/** CPU and memory for one container. */
export interface ContainerResources {
  /**
   * CPU request, e.g. `100m`.
   * @default - the component's default
   */
  readonly cpuRequest?: string;
  /**
   * Memory request, e.g. `128Mi`.
   * @default - the component's default
   */
  readonly memoryRequest?: string;
  /**
   * CPU limit.
   * @default - the component's default
   */
  readonly cpuLimit?: string;
  /**
   * Memory limit.
   * @default - the component's default
   */
  readonly memoryLimit?: string;
}

/** @internal */
export function renderResources(given: ContainerResources | undefined, defaults: Required<ContainerResources>): k8s.ResourceRequirements {
  const r = { ...defaults, ...given };
  for (const [k, v] of Object.entries(r)) {
    checkQuantity(v, `resources.${k}`);
  }
  return {
    requests: { cpu: k8s.Quantity.fromString(r.cpuRequest), memory: k8s.Quantity.fromString(r.memoryRequest) },
    limits: { cpu: k8s.Quantity.fromString(r.cpuLimit), memory: k8s.Quantity.fromString(r.memoryLimit) },
  };
}
