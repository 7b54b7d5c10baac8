import { Duration, Yaml } from 'cdk8s';
import { nanoseconds } from '../spiffe/duration';
import { TrustDomain } from '../spiffe/trust-domain';
import { invalidProp, requirePort, requireString } from '../validation';

/** Properties of {@link ControllerManagerConfig}. */
export interface ControllerManagerConfigProps {
  /** The trust domain (the server's). */
  readonly trustDomain: TrustDomain;
  /** The cluster name; must equal the k8s_psat cluster (parent IDs contain it). */
  readonly clusterName: string;
  /** Only ClusterSPIFFEIDs etc. with this `className` are reconciled. */
  readonly className: string;
  /** Namespace of the leader-election Lease (the server's). */
  readonly leaderElectionNamespace: string;
  /** Name of the ValidatingWebhookConfiguration the manager patches with its CA. */
  readonly validatingWebhookConfigurationName: string;
  /**
   * Namespaces (regular expressions) whose pods never get entries.
   * @default ['kube-system', 'kube-public']
   */
  readonly ignoreNamespaces?: string[];
  /**
   * The SPIRE server admin socket.
   * @default '/tmp/spire-server/private/api.sock'
   */
  readonly spireServerSocketPath?: string;
  /**
   * Garbage-collection interval.
   * @default Duration.seconds(10)
   */
  readonly gcInterval?: Duration;
  /**
   * Kubernetes cluster DNS domain.
   * @default - auto-detected by the manager
   */
  readonly clusterDomain?: string;
  /**
   * Port of the validating webhook.
   * @default 9443
   */
  readonly webhookPort?: number;
  /**
   * Port of the health probes.
   * @default 8083
   */
  readonly healthPort?: number;
  /**
   * Port of the Prometheus metrics.
   * @default 8082
   */
  readonly metricsPort?: number;
}

/**
 * The spire-controller-manager's configuration file (`ControllerManagerConfig`), read with
 * `--config`. All fields are top-level; `gcInterval` is integer nanoseconds (a duration string
 * fails to decode), leader-election durations are strings.
 */
export class ControllerManagerConfig {
  /** Webhook port. */
  public readonly webhookPort: number;
  /** Health port. */
  public readonly healthPort: number;
  /** Metrics port. */
  public readonly metricsPort: number;
  /** Admin socket of the SPIRE server. */
  public readonly spireServerSocketPath: string;
  /** The className reconciled. */
  public readonly className: string;
  private readonly props: ControllerManagerConfigProps;

  public constructor(props: ControllerManagerConfigProps) {
    requireString(props.clusterName, 'clusterName', 'Give the cluster name (the same as the k8s_psat cluster).');
    requireString(props.className, 'className', 'Give the class name of the identities this manager reconciles.');
    requireString(props.validatingWebhookConfigurationName, 'validatingWebhookConfigurationName', 'Give the webhook configuration name.');
    for (const re of props.ignoreNamespaces ?? []) {
      try {
        new RegExp(re);
      } catch {
        throw invalidProp('ignoreNamespaces', re, 'Each entry is a regular expression.');
      }
    }
    this.props = props;
    this.webhookPort = requirePort(props.webhookPort ?? 9443, 'webhookPort');
    this.healthPort = requirePort(props.healthPort ?? 8083, 'healthPort');
    this.metricsPort = requirePort(props.metricsPort ?? 8082, 'metricsPort');
    this.spireServerSocketPath = props.spireServerSocketPath ?? '/tmp/spire-server/private/api.sock';
    this.className = props.className;
  }

  /** The file as an object. */
  public toObject(): Record<string, unknown> {
    const p = this.props;
    const out: Record<string, unknown> = {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ControllerManagerConfig',
      trustDomain: p.trustDomain.name,
      clusterName: p.clusterName,
      className: p.className,
      watchClassless: false,
      ignoreNamespaces: [...(p.ignoreNamespaces ?? ['kube-system', 'kube-public'])],
      validatingWebhookConfigurationName: p.validatingWebhookConfigurationName,
      spireServerSocketPath: this.spireServerSocketPath,
      gcInterval: nanoseconds(p.gcInterval ?? Duration.seconds(10)),
      parentIDTemplate: 'spiffe://{{ .TrustDomain }}/spire/agent/k8s_psat/{{ .ClusterName }}/{{ .NodeMeta.UID }}',
      entryIDPrefix: p.clusterName,
      reconcile: { clusterSPIFFEIDs: true, clusterStaticEntries: true, clusterFederatedTrustDomains: true },
      logLevel: 'info',
      logEncoding: 'json',
      metrics: { bindAddress: `0.0.0.0:${this.metricsPort}` },
      health: { healthProbeBindAddress: `0.0.0.0:${this.healthPort}` },
      webhook: { port: this.webhookPort },
      leaderElection: {
        leaderElect: true,
        resourceName: 'spire-controller-manager-leader',
        resourceNamespace: p.leaderElectionNamespace,
        resourceLock: 'leases',
        leaseDuration: '15s',
        renewDeadline: '10s',
        retryPeriod: '2s',
      },
    };
    if (p.clusterDomain) {
      out.clusterDomain = p.clusterDomain;
    }
    return out;
  }

  /** The file content (YAML). */
  public toYaml(): string {
    return Yaml.stringify(this.toObject());
  }
}
