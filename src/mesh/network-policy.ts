import { AllowRule, CalleeView, Manifest as Obj } from './intent';
import { namespaceSelector } from '../k8s/network-peers';

/** Default-deny ingress for a callee namespace. @internal */
export function defaultDenyIngress(namespace: string): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny-ingress', namespace },
    spec: { podSelector: {}, policyTypes: ['Ingress'] },
  };
}

/**
 * One declared allow as L3/L4 segmentation: ingress to the callee's pods from the caller's pods
 * (namespace and pod labels; NetworkPolicy cannot express service accounts) on the callee ports
 * plus the mesh's data-plane ports. Federated callers: from where they enter the cluster
 * (`ForeignCallerNetwork`), or `undefined` when that is not declared.
 *
 * @internal
 */
export function allowIngress(callee: CalleeView, rule: AllowRule, index: number, dataPlanePorts: number[]): Obj | undefined {
  const identity = rule.caller.identity;
  if (!identity && !rule.caller.network) return undefined;
  const labels = identity?.podSelectorLabels() ?? {};
  const from = identity
    ? [
      {
        namespaceSelector: namespaceSelector(identity.namespace),
        ...(Object.keys(labels).length > 0 ? { podSelector: { matchLabels: labels } } : {}),
      },
    ]
    : rule.caller.network!._peers.map((p) => ({ ...p }));
  const ports = [...new Set([...rule.ports, ...dataPlanePorts])].sort((a, b) => a - b);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: `${callee.name}-allow-${index}`, namespace: callee.namespace },
    spec: {
      podSelector: { matchLabels: { ...callee.labels } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from,
          ports: ports.map((port) => ({ protocol: 'TCP', port })),
        },
      ],
    },
  };
}
