import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SERVER_PORTS } from './server-layout';
import { ControllerManagerConfig } from '../config/controller-manager-config';
import { k8s } from '../k8s/kube';
import { late } from '../k8s/late';
import { NetworkDestination } from '../k8s/network-destination';
import { ApiServerAccess, DnsAccess, namespaceSelector, tcpPort, WIDE_CIDR_REASON_ANNOTATION } from '../k8s/network-peers';
import { invalidProp } from '../validation';

/** Options of the server's NetworkPolicy. */
export interface ServerNetworkPolicyOptions {
  /**
   * Render the NetworkPolicy.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Namespace of Prometheus (allowed to scrape metrics).
   * @default 'monitoring'
   */
  readonly prometheusNamespace?: string;
  /**
   * How the server reaches the Kubernetes API server (TokenReview, the controller manager) and
   * the API server reaches the webhook: `ApiServerAccess.cidrs([...])`, `.cilium()` (the
   * `kube-apiserver` entity) or `.anyAddress(reason)`.
   * @default - any address on ports 443 and 6443, without a reason (the checklist flags it, SPIRE-NET1)
   */
  readonly apiServer?: ApiServerAccess;
  /**
   * CIDRs of the Kubernetes API server (the same as `apiServer: ApiServerAccess.cidrs(...)`).
   * @default - see `apiServer`
   */
  readonly apiServerCidrs?: string[];
  /**
   * Where the server resolves names.
   * @default DnsAccess.kubeDns()
   */
  readonly dns?: DnsAccess;
  /**
   * CIDR of Vault, for egress (a Vault outside the cluster).
   * @default - a Vault addressed as an in-cluster Service (`<svc>.<ns>.svc`) is selected by its
   *   namespace (CNIs such as Cilium apply CIDR rules only to traffic leaving the cluster);
   *   any other address: '0.0.0.0/0' on Vault's port only
   */
  readonly vaultCidr?: string;
  /**
   * Pod labels of an in-cluster Vault, to narrow its egress rule to Vault's pods.
   * @default - every pod of Vault's namespace, on Vault's port
   */
  readonly vaultPodLabels?: Record<string, string>;
}

/** What the server's NetworkPolicy is drawn from. @internal */
export interface ServerNetworkPolicyInputs {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly agentNamespace: string;
  readonly controllerManager?: ControllerManagerConfig;
  /** The datastore first, then the upstream authority, then what methods added (read at synth). */
  readonly egress: () => NetworkDestination[];
  /** The federation bundle endpoint's port when it is on (read at synth). */
  readonly federationPort: () => number | undefined;
}

/**
 * The server's NetworkPolicy: ingress from agents, probes, Prometheus, the API server (webhook)
 * and federated servers; egress to DNS, the API server, the datastore and the upstream.
 *
 * @internal
 */
export function addServerNetworkPolicy(scope: Construct, inputs: ServerNetworkPolicyInputs, options: ServerNetworkPolicyOptions): void {
  if (options.apiServer && options.apiServerCidrs) {
    throw invalidProp('networkPolicy.apiServerCidrs', options.apiServerCidrs, "Give either 'apiServer' or 'apiServerCidrs', not both.");
  }
  const api = (options.apiServer ?? (options.apiServerCidrs ? ApiServerAccess.cidrs(options.apiServerCidrs) : ApiServerAccess._unexplained()))._rules();
  const dns = options.dns ?? DnsAccess.kubeDns();
  const cm = inputs.controllerManager;
  const egressTo = (d: NetworkDestination): k8s.NetworkPolicyEgressRule => ({
    to: [
      d.cidr
        ? { ipBlock: { cidr: d.cidr } }
        : { namespaceSelector: namespaceSelector(d.namespace ?? inputs.namespace), ...(d.podLabels ? { podSelector: { matchLabels: d.podLabels } } : {}) },
    ],
    ports: [tcpPort(d.port)],
  });
  const reasons = () => [...(api.reason ? [`API server: ${api.reason}`] : []), ...inputs.egress().filter((d) => d.reason).map((d) => `port ${d.port}: ${d.reason}`)];
  const policy = new k8s.KubeNetworkPolicy(scope, 'NetworkPolicy', {
    metadata: { name: inputs.name, namespace: inputs.namespace, labels: inputs.labels },
    spec: {
      podSelector: { matchLabels: inputs.selector },
      policyTypes: ['Ingress', 'Egress'],
      ingress: late(() => {
        const federationPort = inputs.federationPort();
        return [
          // Agents attest and fetch SVIDs.
          { from: [{ namespaceSelector: namespaceSelector(inputs.agentNamespace) }], ports: [tcpPort(SERVER_PORTS.grpc)] },
          // Kubelet probes come from the node, whose address no selector matches.
          { ports: [tcpPort(SERVER_PORTS.health), ...(cm ? [tcpPort(cm.healthPort)] : [])] },
          // Prometheus scrapes metrics.
          { from: [{ namespaceSelector: namespaceSelector(options.prometheusNamespace ?? 'monitoring') }], ports: [tcpPort(SERVER_PORTS.metrics), ...(cm ? [tcpPort(cm.metricsPort)] : [])] },
          // The API server calls the validating webhook.
          ...(cm ? api.ingress(cm.webhookPort) : []),
          // Federated servers fetch the bundle.
          ...(federationPort !== undefined ? [{ ports: [tcpPort(federationPort)] }] : []),
        ];
      }),
      egress: late(() => [
        // DNS.
        dns._egress(),
        // The API server (TokenReview, controller manager).
        ...api.egress,
        // The datastore, the upstream authority, federated bundle endpoints.
        ...inputs.egress().map(egressTo),
      ]),
    },
  });
  // Written once every destination is known (a federation adds one after the server is built).
  policy.metadata.addAnnotation(WIDE_CIDR_REASON_ANNOTATION, late(() => reasons().join('; ') || undefined) as string);
  const cilium = api.cilium?.(inputs.selector, cm?.webhookPort);
  if (cilium) {
    // Cilium's kube-apiserver entity: the API server whether or not it runs on a cluster node.
    new ApiObject(scope, 'ApiServerPolicy', {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: `${inputs.name}-api-server`, namespace: inputs.namespace, labels: inputs.labels },
      spec: cilium,
    });
  }
}
