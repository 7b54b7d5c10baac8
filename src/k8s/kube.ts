import { ApiObject } from 'cdk8s';
import type * as Cdk8sPlus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { K8S_KINDS, K8sFieldNames } from '../imports/k8s-kinds.generated';

/*
 * The Kubernetes objects of built-in kinds this library renders, without loading cdk8s-plus-28
 * (its generated L1 module is 2.7 MB of JavaScript: about 25 ms of CPU in every process that
 * does not load it for its own code). Used as cdk8s-plus-28's `k8s` namespace was used
 * (`new k8s.KubeServiceAccount(scope, id, props)`, `k8s.IntOrString.fromNumber(8081)`, the
 * `k8s.Container` type), typed by cdk8s-plus-28's own types (a type-only import), and rendered
 * as its L1 classes render them:
 *
 * - an L1 object renders `{ apiVersion, kind, metadata, ... }` with every key below sorted (its
 *   generated serializers list the fields of each type in sorted order, metadata first at the
 *   top); a cdk8s ApiObject sorts the keys of what it renders, apiVersion, kind and metadata
 *   first: the same order;
 * - the L1 props name a few fields otherwise than the API (`clusterIp` for `clusterIP`): their
 *   JSON names, at every depth, are generated from cdk8s-plus-28 into
 *   src/imports/k8s-kinds.generated.ts (`npx projen import`) and renamed here, keys sorted again;
 * - `IntOrString` and `Quantity` values render as their value: cdk8s resolves them to `{ value }`
 *   and the L1 serializers write the value; here the fields that hold them are generated too and
 *   their values written the same way. In cdk8s-plus-28's own objects (a container of ours in its
 *   L1 props, a JSON patch on its workloads) they render as its own values do.
 *
 * What renders differently: fields outside the Kubernetes 1.28 schema, which an L1 object drops
 * (the props are typed, so only a JSON patch can add them), and the order of keys with
 * CDK8S_DISABLE_SORT set (an L1 object keeps the schema's order).
 */

/**
 * An `IntOrString` or `Quantity` value, as cdk8s-plus-28's classes of those names hold it: cdk8s
 * resolves it to `{ value }` (its number-or-string resolver) and the serializers (cdk8s-plus-28's,
 * or withJsonNames here) write the value.
 */
class UnionValue {
  public constructor(public readonly value: string | number) {}
}

/** An IntOrString or Quantity as cdk8s resolved it (`{ value }`): its value; anything else as it is. */
function unwrap(x: unknown): unknown {
  return x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && 'value' in x ? (x as { value: unknown }).value : x;
}

/** The order cdk8s renders keys in: sorted, apiVersion, kind and metadata first at the top (unless CDK8S_DISABLE_SORT). @internal */
export function sortedKeys(o: Record<string, unknown>, top = false): Record<string, unknown> {
  if (process.env.CDK8S_DISABLE_SORT) return o;
  const first = top ? ['apiVersion', 'kind', 'metadata'].filter((k) => k in o) : [];
  const keys = [...first, ...Object.keys(o).filter((k) => !first.includes(k)).sort()];
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}

/** A rendered value with the fields `names` lists under their JSON names and IntOrString/Quantity values written as their value, at every depth. */
function withJsonNames(value: unknown, names: K8sFieldNames, top = false): unknown {
  if (Array.isArray(value)) return value.map((v) => withJsonNames(v, names));
  if (value === null || typeof value !== 'object') return value;
  let renamed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const n = names[k];
    let rendered = v;
    if (n?.union === 'value') rendered = unwrap(v);
    if (n?.union === 'values' && v !== null && typeof v === 'object') rendered = Object.fromEntries(Object.entries(v).map(([key, x]) => [key, unwrap(x)]));
    if (n?.fields) rendered = withJsonNames(v, n.fields);
    if (n?.values && v !== null && typeof v === 'object') {
      const values = n.values;
      rendered = Object.fromEntries(Object.entries(v).map(([key, x]) => [key, withJsonNames(x, values)]));
    }
    renamed ||= n?.json !== undefined;
    out[n?.json ?? k] = rendered;
  }
  return renamed ? sortedKeys(out, top) : out;
}

/** The class of one built-in kind: the L1 class's constructor, an ApiObject of that kind. */
function kind<P>(name: keyof typeof K8S_KINDS): new (scope: Construct, id: string, props: P) => ApiObject {
  const { apiVersion, kind: k, fieldNames } = K8S_KINDS[name];
  const names: K8sFieldNames = fieldNames;
  const c = class extends ApiObject {
    public constructor(scope: Construct, id: string, props: P) {
      super(scope, id, { apiVersion, kind: k, ...props });
    }

    /** What cdk8s renders, with the API's field names. */
    public toJson(): unknown {
      const json: unknown = super.toJson();
      return Object.keys(names).length > 0 ? withJsonNames(json, names, true) : json;
    }
  };
  Object.defineProperty(c, 'name', { value: `Kube${name}` });
  return c;
}

/** The kinds and values this library renders, as cdk8s-plus-28's `k8s` namespace names them. */
export const k8s = {
  KubeClusterRole: kind<Cdk8sPlus.k8s.KubeClusterRoleProps>('ClusterRole'),
  KubeClusterRoleBinding: kind<Cdk8sPlus.k8s.KubeClusterRoleBindingProps>('ClusterRoleBinding'),
  KubeConfigMap: kind<Cdk8sPlus.k8s.KubeConfigMapProps>('ConfigMap'),
  KubeCsiDriver: kind<Cdk8sPlus.k8s.KubeCsiDriverProps>('CsiDriver'),
  KubeDaemonSet: kind<Cdk8sPlus.k8s.KubeDaemonSetProps>('DaemonSet'),
  KubeDeployment: kind<Cdk8sPlus.k8s.KubeDeploymentProps>('Deployment'),
  KubeIngress: kind<Cdk8sPlus.k8s.KubeIngressProps>('Ingress'),
  KubeNamespace: kind<Cdk8sPlus.k8s.KubeNamespaceProps>('Namespace'),
  KubeNetworkPolicy: kind<Cdk8sPlus.k8s.KubeNetworkPolicyProps>('NetworkPolicy'),
  KubePodDisruptionBudget: kind<Cdk8sPlus.k8s.KubePodDisruptionBudgetProps>('PodDisruptionBudget'),
  KubeRole: kind<Cdk8sPlus.k8s.KubeRoleProps>('Role'),
  KubeRoleBinding: kind<Cdk8sPlus.k8s.KubeRoleBindingProps>('RoleBinding'),
  KubeService: kind<Cdk8sPlus.k8s.KubeServiceProps>('Service'),
  KubeServiceAccount: kind<Cdk8sPlus.k8s.KubeServiceAccountProps>('ServiceAccount'),
  KubeStatefulSet: kind<Cdk8sPlus.k8s.KubeStatefulSetProps>('StatefulSet'),
  KubeValidatingWebhookConfiguration: kind<Cdk8sPlus.k8s.KubeValidatingWebhookConfigurationProps>('ValidatingWebhookConfiguration'),
  IntOrString: {
    fromString: (value: string): Cdk8sPlus.k8s.IntOrString => new UnionValue(value),
    fromNumber: (value: number): Cdk8sPlus.k8s.IntOrString => new UnionValue(value),
  },
  Quantity: {
    fromString: (value: string): Cdk8sPlus.k8s.Quantity => new UnionValue(value),
    fromNumber: (value: number): Cdk8sPlus.k8s.Quantity => new UnionValue(value),
  },
};

/** The types of cdk8s-plus-28's `k8s` namespace this library uses; the objects' types are ApiObject. */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace k8s {
  type Affinity = Cdk8sPlus.k8s.Affinity;
  type Container = Cdk8sPlus.k8s.Container;
  type IntOrString = Cdk8sPlus.k8s.IntOrString;
  type LabelSelector = Cdk8sPlus.k8s.LabelSelector;
  type NetworkPolicyEgressRule = Cdk8sPlus.k8s.NetworkPolicyEgressRule;
  type NetworkPolicyIngressRule = Cdk8sPlus.k8s.NetworkPolicyIngressRule;
  type NetworkPolicyPeer = Cdk8sPlus.k8s.NetworkPolicyPeer;
  type NetworkPolicyPort = Cdk8sPlus.k8s.NetworkPolicyPort;
  type PodSecurityContext = Cdk8sPlus.k8s.PodSecurityContext;
  type Quantity = Cdk8sPlus.k8s.Quantity;
  type ResourceRequirements = Cdk8sPlus.k8s.ResourceRequirements;
  type SecurityContext = Cdk8sPlus.k8s.SecurityContext;
  type Toleration = Cdk8sPlus.k8s.Toleration;
  type Volume = Cdk8sPlus.k8s.Volume;
  /** A DaemonSet (an ApiObject; the same API as cdk8s-plus-28's `KubeDaemonSet`). */
  type KubeDaemonSet = ApiObject;
  /** A Deployment (an ApiObject; the same API as cdk8s-plus-28's `KubeDeployment`). */
  type KubeDeployment = ApiObject;
  /** A StatefulSet (an ApiObject; the same API as cdk8s-plus-28's `KubeStatefulSet`). */
  type KubeStatefulSet = ApiObject;
}

/**
 * cdk8s-plus-28 itself, loaded when first asked for: by what takes or builds its workloads
 * (`WorkloadApi.mount`, `WorkloadIdentity.bind` of its workloads), never at import.
 *
 * @internal
 */
export function cdk8sPlus(): typeof Cdk8sPlus {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('cdk8s-plus-28') as typeof Cdk8sPlus;
}
