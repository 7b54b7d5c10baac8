import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { k8s } from '../k8s/kube';
import { DnsAccess, KubeletAccess, namespaceSelector, tcpPort, WIDE_CIDR_REASON_ANNOTATION } from '../k8s/network-peers';

/** Options of the agent's NetworkPolicy. */
export interface AgentNetworkPolicyOptions {
  /**
   * Render the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * How the agent reaches its node's kubelet (k8s workload attestor).
   * @default KubeletAccess.anyAddress() (port 10250 only, with its reason; on Cilium give KubeletAccess.cilium())
   */
  readonly kubelet?: KubeletAccess;
  /**
   * Where the agent resolves names (the server's Service).
   * @default DnsAccess.kubeDns()
   */
  readonly dns?: DnsAccess;
  /**
   * Namespace of Prometheus (allowed to scrape metrics).
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
}

/** What the agent's NetworkPolicy is drawn from. @internal */
export interface AgentNetworkPolicyInputs {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly server: { readonly namespace: string; readonly selector: Record<string, string>; readonly port: number };
}


/**
 * The agent's NetworkPolicy: egress to its server's pods, DNS and the kubelet; ingress for probes
 * and Prometheus only (workloads reach the agent over a unix socket, not the network).
 *
 * @internal
 */
export function addAgentNetworkPolicy(scope: Construct, inputs: AgentNetworkPolicyInputs, options: AgentNetworkPolicyOptions): void {
  const kubelet = (options.kubelet ?? KubeletAccess.anyAddress())._rules();
  new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: {
      name: inputs.name,
      namespace: inputs.namespace,
      labels: inputs.labels,
      ...(kubelet.reason ? { annotations: { [WIDE_CIDR_REASON_ANNOTATION]: `kubelet: ${kubelet.reason}` } } : {}),
    },
    spec: {
      podSelector: { matchLabels: inputs.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        // Kubelet probes come from the node, whose address no selector matches.
        { ports: [tcpPort(inputs.healthPort)] },
        // Prometheus scrapes metrics.
        { from: [{ namespaceSelector: namespaceSelector(options.prometheusNamespace ?? 'monitoring') }], ports: [tcpPort(inputs.metricsPort)] },
      ],
      egress: [
        // The server's pods (behind its Service).
        {
          to: [{ namespaceSelector: namespaceSelector(inputs.server.namespace), podSelector: { matchLabels: { ...inputs.server.selector } } }],
          ports: [tcpPort(inputs.server.port)],
        },
        // DNS (the server's Service name).
        (options.dns ?? DnsAccess.kubeDns())._egress(),
        // The kubelet (k8s workload attestor).
        ...kubelet.egress,
      ],
    },
  });
  const cilium = kubelet.cilium?.(inputs.selector);
  if (cilium) {
    new ApiObject(scope, 'KubeletPolicy', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: `${inputs.name}-kubelet`, namespace: inputs.namespace, labels: inputs.labels },
      spec: cilium,
    });
  }
}
