import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AgentNetworkPolicyOptions, addAgentNetworkPolicy } from './agent-network-policy';
import { AgentConfig, SdsOptions } from '../config/agent-config';
import { AgentKeyManager } from '../config/agent-key-manager';
import { LogLevel } from '../config/common';
import { HealthChecks } from '../config/health-checks';
import { AgentNodeAttestor } from '../config/node-attestor';
import { Telemetry } from '../config/telemetry';
import { TrustBundleSource } from '../config/trust-bundle-source';
import { KubeletVerification, WorkloadAttestor } from '../config/workload-attestor';
import { Images } from '../images';
import { clusterScoped } from '../k8s/cluster-scoped';
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from '../k8s/config-checksum';
import { k8s } from '../k8s/kube';
import { componentLabels, selectorLabels } from '../k8s/labels';
import { ContainerResources, renderResources } from '../k8s/resources';
import { restrictedContainerSecurityContext, rootWithoutCapabilities, SPIRE_UID } from '../k8s/security';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { SpireServer } from '../server/spire-server';
import { invalidProp, withConstructPath } from '../validation';

/** Properties of {@link SpireAgent}. */
export interface SpireAgentProps {
  /** The server the agent attests to (trust domain, cluster name, address and bundle come from it). */
  readonly server: SpireServer;
  /**
   * Namespace of the agent; the server publishes the trust bundle there.
   * @default - the server's agent namespace (`spire-system`)
   */
  readonly namespace?: string;
  /**
   * Name of the DaemonSet, ServiceAccount and ConfigMap.
   * @default 'spire-agent'
   */
  readonly name?: string;
  /**
   * Agent image.
   * @default Images.SPIRE_AGENT (pinned to SPIRE 1.15.3)
   */
  readonly image?: string;
  /**
   * How the k8s workload attestor verifies the kubelet.
   * @default KubeletVerification.apiServerCa()
   */
  readonly kubeletVerification?: KubeletVerification;
  /**
   * Also run the unix workload attestor.
   * @default false
   */
  readonly unixWorkloadAttestor?: boolean;
  /**
   * Tolerate every taint, so every node (control plane included) gets an agent.
   * @default true
   */
  readonly tolerateAllTaints?: boolean;
  /**
   * Extra tolerations (used when `tolerateAllTaints` is false).
   * @default - none
   */
  readonly tolerations?: k8s.Toleration[];
  /**
   * Node selector.
   * @default - every node
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Priority class.
   * @default 'system-node-critical'
   */
  readonly priorityClassName?: string;
  /**
   * Resources of the agent container.
   * @default - requests 50m/64Mi, limits 500m/256Mi
   */
  readonly resources?: ContainerResources;
  /**
   * Envoy SDS settings.
   * @default - SPIRE's defaults
   */
  readonly sds?: SdsOptions;
  /**
   * Minimum time SVIDs stay valid while the server is unreachable (at least 24h).
   * @default - SPIRE's behaviour
   */
  readonly availabilityTarget?: Duration;
  /**
   * X509-SVID cache size.
   * @default 1000
   */
  readonly x509SvidCacheMaxSize?: number;
  /**
   * JWT-SVID cache size.
   * @default 1000
   */
  readonly jwtSvidCacheMaxSize?: number;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Host directory of the Workload API socket (shared with the CSI driver).
   * @default '/run/spire/agent-sockets'
   */
  readonly socketDir?: string;
  /**
   * Other names for the Workload API socket in `socketDir` (symbolic links made by the init
   * container). Istio's sidecars use SPIRE only when they find `socket` in their
   * `/run/secrets/workload-spiffe-uds` mount; the official chart links `socket` too.
   * @default ['socket']
   */
  readonly socketAlternateNames?: string[];
  /**
   * Image of the init container that prepares the socket directory (`sh`, `chown`, `ln`).
   * @default Images.BUSYBOX (pinned)
   */
  readonly socketDirImage?: string;
  /**
   * The agent's NetworkPolicy.
   * @default - enabled: egress to the server's pods, DNS and the kubelet; ingress for probes and Prometheus
   */
  readonly networkPolicy?: AgentNetworkPolicyOptions;
  /**
   * The agent's PrometheusRule (prometheus-operator).
   * @default - rendered, without extra labels
   */
  readonly monitoring?: AgentMonitoringOptions;
}

/** Options of the agent's PrometheusRule. */
export interface AgentMonitoringOptions {
  /**
   * Render a PrometheusRule with the agent-down alert (in the agent's namespace: your
   * Prometheus' `ruleNamespaceSelector` must include it).
   * @default true
   */
  readonly prometheusRule?: boolean;
  /**
   * Labels for it (e.g. the `release` label your Prometheus selects).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

const PORT_HEALTH = 8080;
const PORT_METRICS = 9988;
const CONFIG_DIR = '/run/spire/config';
const BUNDLE_DIR = '/run/spire/bundle';
const TOKEN_DIR = '/var/run/secrets/tokens';
/** Environment variable with the node's IP: the address of its kubelet. */
const KUBELET_ADDR_ENV = 'KUBELET_ADDR';

/**
 * The SPIRE agent: a DaemonSet on every node that attests the node with k8s_psat and serves the
 * Workload API on a host socket. The primary child (`Resource`) is the DaemonSet.
 */
export class SpireAgent extends Construct {
  /** Namespace. */
  public readonly namespace: string;
  /** Name of the DaemonSet, ServiceAccount and ConfigMap. */
  public readonly name: string;
  /** The host directory of the Workload API socket. */
  public readonly socketDir: string;
  /** The socket file name in `socketDir`. */
  public readonly socketName: string;
  /** Other names of the socket in `socketDir` (symbolic links): `socket` is where Istio looks. */
  public readonly socketAlternateNames: string[];
  /** The rendered configuration. */
  public readonly config: AgentConfig;
  /** The DaemonSet. */
  public readonly daemonSet: k8s.KubeDaemonSet;

  public constructor(scope: Construct, id: string, props: SpireAgentProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.server instanceof SpireServer)) {
        throw invalidProp('server', props.server, 'Give the SpireServer the agents attest to.');
      }
      const server = props.server;
      this.namespace = props.namespace ?? server.bundleConfigMap.namespace;
      if (this.namespace !== server.bundleConfigMap.namespace) {
        throw invalidProp(
          'namespace',
          this.namespace,
          `The server publishes the trust bundle to namespace "${server.bundleConfigMap.namespace}"; run the agent there or set the server's 'agentNamespace' to "${this.namespace}".`,
        );
      }
      this.name = props.name ?? 'spire-agent';
      this.socketDir = props.socketDir ?? '/run/spire/agent-sockets';
      if (!/^(\/[A-Za-z0-9._-]+)+$/.test(this.socketDir) || this.socketDir.split('/').some((seg) => seg === '.' || seg === '..')) {
        throw invalidProp('socketDir', this.socketDir, 'Use an absolute host directory without a trailing "/" (letters, digits, ".", "_", "-" in each segment).');
      }
      this.socketName = 'spire-agent.sock';
      this.socketAlternateNames = [...new Set(props.socketAlternateNames ?? ['socket'])];
      for (const n of this.socketAlternateNames) {
        if (typeof n !== 'string' || !/^[A-Za-z0-9._-]+$/.test(n) || n === '.' || n === '..' || n === this.socketName) {
          throw invalidProp('socketAlternateNames', n, `Use plain file names other than "${this.socketName}" (letters, digits, ".", "_", "-"), e.g. "socket" for Istio's sidecars.`);
        }
      }
      // The agent never changes the server: the server lets it attest (its `agentServiceAccount`,
      // or an explicit `server.allowAgent(agent)`), checked when the app is synthesized.
      this.node.addValidation({
        validate: () => server.allowsAgentServiceAccount(this.namespace, this.name) ? [] : [
          `Invalid 'name': received ${JSON.stringify(this.name)}. Server '${server.node.path}' lets only its 'agentServiceAccount' attest with k8s_psat; ` +
            `call server.allowAgent(agent), or create the server with agentServiceAccount: ${JSON.stringify(this.name)} (SpireStack does this).`,
        ],
      });

      const workloadAttestors = [
        WorkloadAttestor.k8s({ kubeletVerification: props.kubeletVerification ?? KubeletVerification.apiServerCa(), nodeNameEnv: KUBELET_ADDR_ENV }),
        ...(props.unixWorkloadAttestor ? [WorkloadAttestor.unix()] : []),
      ];
      this.config = new AgentConfig({
        trustDomain: server.trustDomain,
        serverAddress: server.address,
        serverPort: server.port,
        // The cluster name comes from the server: agent, server and controller manager agree by construction.
        nodeAttestor: AgentNodeAttestor.k8sPsat({ cluster: server.clusterName, tokenPath: `${TOKEN_DIR}/spire-agent` }),
        workloadAttestors,
        keyManager: AgentKeyManager.memory(),
        trustBundle: TrustBundleSource.file(`${BUNDLE_DIR}/${server.bundleConfigMap.key}`),
        socketPath: `${this.socketDir}/${this.socketName}`,
        dataDir: '/var/lib/spire',
        logLevel: props.logLevel,
        sds: props.sds,
        availabilityTarget: props.availabilityTarget,
        x509SvidCacheMaxSize: props.x509SvidCacheMaxSize,
        jwtSvidCacheMaxSize: props.jwtSvidCacheMaxSize,
        healthChecks: new HealthChecks({ bindPort: PORT_HEALTH }),
        telemetry: Telemetry.prometheus({ port: PORT_METRICS }),
      });

      const labels = componentLabels(this.name, 'agent');
      const selector = selectorLabels(this.name, 'agent');
      const tolerations = props.tolerateAllTaints === false ? props.tolerations : [{ operator: 'Exists' }, ...(props.tolerations ?? [])];

      this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          template: {
            metadata: {
              labels,
              // A change of agent.conf rolls the agents onto it.
              annotations: { 'kubectl.kubernetes.io/default-container': 'spire-agent', [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(this.config.toJson()) },
            },
            spec: {
              serviceAccountName: this.name,
              // The k8s workload attestor authenticates to the kubelet with this token (nodes/proxy).
              automountServiceAccountToken: true,
              // PRIVILEGE: the host PID namespace lets the k8s workload attestor map a caller's PID to
              // its pod and container (cgroups); without it workload attestation fails.
              hostPid: true,
              hostNetwork: false,
              dnsPolicy: 'ClusterFirst',
              priorityClassName: props.priorityClassName ?? 'system-node-critical',
              tolerations,
              nodeSelector: props.nodeSelector,
              // The agent runs as uid 1000; fsGroup gives it its emptyDirs and the projected token.
              securityContext: { fsGroup: SPIRE_UID, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
              initContainers: [
                {
                  name: 'prepare-socket-dir',
                  image: props.socketDirImage ?? Images.BUSYBOX,
                  imagePullPolicy: 'IfNotPresent',
                  // Links the alternate socket names (Istio's sidecars look for `socket`) to the
                  // socket and hands the root-owned host socket directory to the agent's uid.
                  command: ['sh', '-c', prepareSocketDir(this.socketDir, this.socketName, this.socketAlternateNames)],
                  resources: renderResources(undefined, { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '100m', memoryLimit: '32Mi' }),
                  securityContext: {
                    // PRIVILEGE: uid 0 with CHOWN only (every other capability dropped), for one
                    // chown of the host socket directory; it exits before the agent starts.
                    ...rootWithoutCapabilities(),
                    capabilities: { drop: ['ALL'], add: ['CHOWN'] },
                  },
                  volumeMounts: [{ name: 'spire-agent-socket-dir', mountPath: this.socketDir }],
                },
              ],
              containers: [
                {
                  name: 'spire-agent',
                  image: props.image ?? Images.SPIRE_AGENT,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['-config', `${CONFIG_DIR}/agent.conf`],
                  env: [{ name: KUBELET_ADDR_ENV, valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }],
                  ports: [
                    { name: 'healthz', containerPort: PORT_HEALTH, protocol: 'TCP' },
                    { name: 'metrics', containerPort: PORT_METRICS, protocol: 'TCP' },
                  ],
                  livenessProbe: { httpGet: { path: '/live', port: k8s.IntOrString.fromString('healthz') }, initialDelaySeconds: 15, periodSeconds: 60, timeoutSeconds: 3 },
                  readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('healthz') }, initialDelaySeconds: 10, periodSeconds: 30 },
                  resources: renderResources(props.resources, { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
                  securityContext: restrictedContainerSecurityContext(),
                  volumeMounts: [
                    { name: 'spire-config', mountPath: CONFIG_DIR, readOnly: true },
                    { name: 'spire-bundle', mountPath: BUNDLE_DIR, readOnly: true },
                    { name: 'spire-token', mountPath: TOKEN_DIR, readOnly: true },
                    { name: 'spire-agent-socket-dir', mountPath: this.socketDir },
                    { name: 'spire-agent-data', mountPath: '/var/lib/spire' },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                },
              ],
              volumes: [
                { name: 'spire-config', configMap: { name: this.name } },
                { name: 'spire-bundle', configMap: { name: server.bundleConfigMap.name } },
                {
                  name: 'spire-token',
                  projected: { sources: [{ serviceAccountToken: { audience: 'spire-server', expirationSeconds: 7200, path: 'spire-agent' } }] },
                },
                // PRIVILEGE: the Workload API socket lives on the host so the CSI driver can hand it to pods.
                { name: 'spire-agent-socket-dir', hostPath: { path: this.socketDir, type: 'DirectoryOrCreate' } },
                { name: 'spire-agent-data', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
                { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
              ],
            },
          },
        },
      });

      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        automountServiceAccountToken: false,
      });
      new k8s.KubeConfigMap(this, 'Config', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        data: { 'agent.conf': this.config.toJson() },
      });
      const roleName = `${this.namespace}-${this.name}`;
      // The k8s workload attestor reads pods and nodes and asks the kubelet (nodes/proxy).
      clusterScoped(
        new k8s.KubeClusterRole(this, 'ClusterRole', {
          metadata: { name: roleName, labels },
          rules: [{ apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] }],
        }),
      );
      clusterScoped(
        new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
          metadata: { name: roleName, labels },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
          subjects: [{ kind: 'ServiceAccount', name: this.name, namespace: this.namespace }],
        }),
      );
      if (props.networkPolicy?.enabled ?? true) {
        addAgentNetworkPolicy(this, {
          name: this.name,
          namespace: this.namespace,
          labels,
          selector,
          healthPort: PORT_HEALTH,
          metricsPort: PORT_METRICS,
          server: { namespace: server.namespace, selector: server.podSelectorLabels, port: server.port },
        }, props.networkPolicy ?? {});
      }
      if (props.monitoring?.prometheusRule ?? true) {
        new ApiObject(this, 'PrometheusRule', {
          apiVersion: 'monitoring.coreos.com/v1',
          kind: 'PrometheusRule',
          metadata: { name: this.name, namespace: this.namespace, labels: { ...labels, ...(props.monitoring?.labels ?? {}) } },
          spec: {
            groups: [
              {
                name: 'spire-agent',
                rules: [
                  {
                    alert: 'SpireAgentDown',
                    expr: `kube_daemonset_status_number_unavailable{namespace="${this.namespace}", daemonset="${this.name}"} > 0`,
                    for: '10m',
                    labels: { severity: 'critical' },
                    annotations: {
                      summary: 'SPIRE agents are unavailable',
                      description: `SPIRE agent pods in ${this.namespace} are unavailable: workloads on those nodes cannot get or renew SVIDs.`,
                    },
                  },
                ],
              },
            ],
          },
        });
      }
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /** The Workload API socket path on the host. */
  public get socketPath(): string {
    return `${this.socketDir}/${this.socketName}`;
  }
}

/** The init container's script: the socket directory to the agent's uid, alternate names linked. */
function prepareSocketDir(dir: string, socketName: string, alternateNames: string[]): string {
  // Links first, while root may still write the directory (it holds CHOWN only, no DAC_OVERRIDE);
  // a link already there (a restart, after the chown) is kept.
  return [...alternateNames.map((n) => `{ [ -L ${dir}/${n} ] || ln -s ${socketName} ${dir}/${n}; }`), `chown ${SPIRE_UID}:${SPIRE_UID} ${dir}`].join(' && ');
}
