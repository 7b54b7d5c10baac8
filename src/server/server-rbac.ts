import { Construct } from 'constructs';
import { clusterScoped } from '../k8s/cluster-scoped';
import { k8s } from '../k8s/kube';
import { componentLabels } from '../k8s/labels';

/** What the server's RBAC is drawn from. @internal */
export interface ServerRbacInputs {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly bundleConfigMap: { readonly namespace: string; readonly name: string };
}

/**
 * What SPIRE's server plugins use, nothing more: k8s_psat (TokenReview, the agent's pod and
 * node) and the k8s_configmap bundle publisher (the bundle ConfigMap, which is created empty
 * here so the server only ever patches it).
 *
 * @internal
 */
export function addServerRbac(scope: Construct, inputs: ServerRbacInputs): void {
  const { labels, name } = inputs;
  const subject = { kind: 'ServiceAccount', name: inputs.serviceAccountName, namespace: inputs.namespace };
  const clusterRoleName = `${inputs.namespace}-${name}`;
  const bundle = inputs.bundleConfigMap;
  // k8s_psat: validate agent tokens (TokenReview) and read the agent's pod and node.
  clusterScoped(new k8s.KubeClusterRole(scope, 'ClusterRole', {
    metadata: { name: clusterRoleName, labels },
    rules: [
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
    ],
  }));
  clusterScoped(new k8s.KubeClusterRoleBinding(scope, 'ClusterRoleBinding', {
    metadata: { name: clusterRoleName, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
    subjects: [subject],
  }));
  // k8s_configmap BundlePublisher: only the bundle ConfigMap, in the agent namespace.
  new k8s.KubeRole(scope, 'BundleRole', {
    metadata: { name: `${name}-bundle`, namespace: bundle.namespace, labels },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [bundle.name], verbs: ['get', 'patch', 'update'] }],
  });
  new k8s.KubeRoleBinding(scope, 'BundleRoleBinding', {
    metadata: { name: `${name}-bundle`, namespace: bundle.namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-bundle` },
    subjects: [subject],
  });
  // The ConfigMap exists before the server publishes into it (no data: the server owns it).
  new k8s.KubeConfigMap(scope, 'BundleConfigMap', {
    metadata: { name: bundle.name, namespace: bundle.namespace, labels: componentLabels(name, 'bundle') },
  });
}
