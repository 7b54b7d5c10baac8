import { createHash } from 'crypto';
import { ApiObject, Duration, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { IServerDatabase, NetworkDestination } from './database';
import { VaultSetup, vaultSetupFor } from './vault-setup';
import { BundleFormat, BundlePublisher } from '../config/bundle-publisher';
import { KeyType, LogLevel } from '../config/common';
import { ControllerManagerConfig } from '../config/controller-manager-config';
import { FederationBundleEndpoint, FederationBundleEndpointOptions } from '../config/federation';
import { HealthChecks } from '../config/health-checks';
import { KeyManager } from '../config/key-manager';
import { NodeAttestor, requireClusterName } from '../config/node-attestor';
import { mergePodNeeds, PodNeeds } from '../config/secret-mount';
import { CaSubject, ServerConfig } from '../config/server-config';
import { Telemetry } from '../config/telemetry';
import { UpstreamAuthority, UpstreamAuthorityKind } from '../config/upstream-authority';
import { invalidProp } from '../errors';
import { Images } from '../images';
import { clusterScoped } from '../k8s/cluster-scoped';
import { componentLabels, selectorLabels } from '../k8s/labels';
import { checkDnsLabel } from '../k8s/names';
import { ContainerResources, renderResources } from '../k8s/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../k8s/security';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { TrustDomain } from '../spiffe/trust-domain';

/** How strictly server replicas are kept apart. */
export enum AntiAffinity {
  /** Never two replicas on one node (`requiredDuringSchedulingIgnoredDuringExecution`). */
  REQUIRED = 'required',
  /** Prefer different nodes. */
  PREFERRED = 'preferred',
  /** No anti-affinity. */
  NONE = 'none',
}

/** What happens to custom-resource writes while the controller manager's webhook is down. */
export enum WebhookFailurePolicy {
  /**
   * Admit (the default). GitOps-safe: one `kubectl apply` of everything works before the
   * controller manager has started and patched its CA into the webhook; the manager still
   * reports render failures in each resource's status.
   */
  IGNORE = 'Ignore',
  /** Refuse writes while the webhook cannot be reached. */
  FAIL = 'Fail',
}

/** Options of the spire-controller-manager sidecar. */
export interface ControllerManagerOptions {
  /**
   * Run the controller manager (registration through ClusterSPIFFEID resources).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Image.
   * @default Images.CONTROLLER_MANAGER (pinned)
   */
  readonly image?: string;
  /**
   * Class name: only identities with this `className` are reconciled.
   * @default '<namespace>-spire'
   */
  readonly className?: string;
  /**
   * Namespaces (regular expressions) never given entries, in addition to kube-system,
   * kube-public and the SPIRE namespaces.
   * @default - none
   */
  readonly extraIgnoreNamespaces?: string[];
  /**
   * failurePolicy of the validating webhook.
   * @default WebhookFailurePolicy.IGNORE
   */
  readonly webhookFailurePolicy?: WebhookFailurePolicy;
  /**
   * Resources of the container.
   * @default - requests 50m/64Mi, limits 500m/256Mi
   */
  readonly resources?: ContainerResources;
}

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
   * CIDRs of the Kubernetes API server (egress for TokenReview and the controller manager;
   * ingress to the webhook).
   * @default ['0.0.0.0/0'] on ports 443 and 6443 only
   */
  readonly apiServerCidrs?: string[];
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

/** Options of the Prometheus-operator resources. */
export interface ServerMonitoringOptions {
  /**
   * Render a PodMonitor for the server and controller-manager metrics.
   * @default true
   */
  readonly podMonitor?: boolean;
  /**
   * Render a PrometheusRule with alerts (server down, agent down, failing health checks).
   * @default true
   */
  readonly prometheusRule?: boolean;
  /**
   * Labels for both (e.g. the `release` label your Prometheus selects).
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/** Properties of {@link SpireServer}. */
export interface SpireServerProps {
  /** The trust domain this server is the root of trust for. */
  readonly trustDomain: TrustDomain;
  /** The cluster name: the k8s_psat cluster and the controller manager's cluster name. */
  readonly clusterName: string;
  /**
   * The datastore: `PostgresDatabase.cloudNativePg()`, `PostgresDatabase.external()`, or
   * `ServerDatabase.sqlite()` (one replica, development only).
   */
  readonly database: IServerDatabase;
  /**
   * The CA that signs SPIRE's intermediate.
   * @default - none: SPIRE uses a self-signed root (the checklist flags it)
   */
  readonly upstreamAuthority?: UpstreamAuthority;
  /**
   * Where signing keys are kept.
   * @default KeyManager.disk() on the replica's persistent volume
   */
  readonly keyManager?: KeyManager;
  /**
   * Namespace of the server.
   * @default 'spire-server'
   */
  readonly namespace?: string;
  /**
   * Name of the server's objects (StatefulSet, Services, ServiceAccount).
   * @default 'spire-server'
   */
  readonly name?: string;
  /**
   * Number of server replicas.
   * @default 3
   */
  readonly replicas?: number;
  /**
   * Server image.
   * @default Images.SPIRE_SERVER (pinned to SPIRE 1.15.3)
   */
  readonly image?: string;
  /**
   * Namespace of the agents (the bundle ConfigMap lives there; agents may reach the server).
   * @default 'spire-system'
   */
  readonly agentNamespace?: string;
  /**
   * Service account of the agents (allowed to attest with k8s_psat).
   * @default 'spire-agent'
   */
  readonly agentServiceAccount?: string;
  /**
   * Name of the agent DaemonSet (for the agent-down alert).
   * @default 'spire-agent'
   */
  readonly agentDaemonSetName?: string;
  /**
   * Name of the bundle ConfigMap in the agent namespace.
   * @default 'spire-bundle'
   */
  readonly bundleConfigMapName?: string;
  /**
   * Lifetime of SPIRE's signing CA (at most 7 days for the checklist).
   * @default Duration.hours(24)
   */
  readonly caTtl?: Duration;
  /**
   * Default X509-SVID lifetime.
   * @default Duration.hours(1)
   */
  readonly defaultX509SvidTtl?: Duration;
  /**
   * Default JWT-SVID lifetime.
   * @default Duration.minutes(5)
   */
  readonly defaultJwtSvidTtl?: Duration;
  /**
   * Key type of the CA.
   * @default KeyType.EC_P256
   */
  readonly caKeyType?: KeyType;
  /**
   * Subject of the CA certificates.
   * @default - SPIRE's default
   */
  readonly caSubject?: CaSubject;
  /**
   * `iss` claim of JWT-SVIDs.
   * @default - none
   */
  readonly jwtIssuer?: string;
  /**
   * Audit-log every API call.
   * @default true
   */
  readonly auditLogEnabled?: boolean;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Serve the trust bundle to federated trust domains.
   * @default - no bundle endpoint (turned on by a FederatedTrustDomain)
   */
  readonly federationBundleEndpoint?: FederationBundleEndpointOptions;
  /**
   * The controller manager sidecar.
   * @default - enabled
   */
  readonly controllerManager?: ControllerManagerOptions;
  /**
   * Size of each replica's data volume.
   * @default '1Gi'
   */
  readonly storageSize?: string;
  /**
   * Storage class of the data volumes.
   * @default - the cluster default
   */
  readonly storageClass?: string;
  /**
   * Resources of the server container.
   * @default - requests 100m/128Mi, limits 1/512Mi
   */
  readonly resources?: ContainerResources;
  /**
   * Priority class of the server pods.
   * @default 'system-cluster-critical'
   */
  readonly priorityClassName?: string;
  /**
   * Keep replicas on different nodes.
   * @default AntiAffinity.REQUIRED
   */
  readonly antiAffinity?: AntiAffinity;
  /**
   * Spread replicas across zones (`topology.kubernetes.io/zone`, max skew 1, ScheduleAnyway).
   * @default true
   */
  readonly zoneSpread?: boolean;
  /**
   * The NetworkPolicy around the server pods.
   * @default - enabled
   */
  readonly networkPolicy?: ServerNetworkPolicyOptions;
  /**
   * PodMonitor and PrometheusRule.
   * @default - both rendered
   */
  readonly monitoring?: ServerMonitoringOptions;
}

const PORT_GRPC = 8081;
const PORT_HEALTH = 8080;
const PORT_METRICS = 9988;
const CONFIG_DIR = '/run/spire/config';
const CM_CONFIG_DIR = '/run/spire/controller-manager';
const SOCKET_DIR = '/tmp/spire-server/private';
const DATA_DIR = '/run/spire/data';

/**
 * A highly available SPIRE server: a StatefulSet (3 replicas by default) on a shared
 * PostgreSQL datastore, with the controller manager as a sidecar, k8s_psat node attestation,
 * bundle publishing to the agents' namespace, RBAC limited to what SPIRE uses, a
 * NetworkPolicy, a PodDisruptionBudget, health probes and Prometheus monitoring.
 *
 * The primary child (`Resource`) is the StatefulSet.
 */
export class SpireServer extends Construct {
  /** The trust domain. */
  public readonly trustDomain: TrustDomain;
  /** The cluster name (k8s_psat cluster and controller-manager cluster name). */
  public readonly clusterName: string;
  /** Namespace of the server. */
  public readonly namespace: string;
  /** Name of the StatefulSet, Service and ServiceAccount. */
  public readonly name: string;
  /** Name of the ClusterIP Service agents connect to. */
  public readonly serviceName: string;
  /** The server's gRPC port. */
  public readonly port: number;
  /** Name of the server's ServiceAccount. */
  public readonly serviceAccountName: string;
  /** The className identities must carry to be reconciled by this server's controller manager. */
  public readonly className: string;
  /** True when the controller manager runs. */
  public readonly controllerManagerEnabled: boolean;
  /** Number of replicas. */
  public readonly replicas: number;
  /** The bundle ConfigMap agents mount. */
  public readonly bundleConfigMap: { readonly namespace: string; readonly name: string; readonly key: string };
  /** The Vault-side setup this server expects, when the upstream is Vault. */
  public readonly vaultSetup?: VaultSetup;
  /** The lifetime of the server's signing CA (`ca_ttl`); no SVID it signs can outlive it. */
  public readonly caTtl: Duration;
  /**
   * The namespaces the controller manager ignores (`ignoreNamespaces`, regular expressions):
   * identities declared there would never be registered.
   */
  public readonly ignoredNamespaces: string[];
  /** The StatefulSet. */
  public readonly statefulSet: k8s.KubeStatefulSet;

  private readonly props: SpireServerProps;
  private readonly agentServiceAccounts = new Set<string>();
  private bundleEndpoint?: FederationBundleEndpointOptions;
  private readonly dataStoreBinding: ReturnType<IServerDatabase['bind']>;
  private readonly controllerManagerConfig?: ControllerManagerConfig;

  public constructor(scope: Construct, id: string, props: SpireServerProps) {
    super(scope, id);
    checkUniqueObjects(this);
    if (!(props.trustDomain instanceof TrustDomain)) {
      throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('example.org').");
    }
    if (!props.database || typeof props.database.bind !== 'function') {
      throw invalidProp('database', props.database, 'Use PostgresDatabase.cloudNativePg(), PostgresDatabase.external({...}) or ServerDatabase.sqlite().');
    }
    this.props = props;
    this.trustDomain = props.trustDomain;
    this.clusterName = requireClusterName(props.clusterName, 'clusterName');
    this.namespace = checkDnsLabel(props.namespace ?? 'spire-server', 'namespace');
    this.name = checkDnsLabel(props.name ?? 'spire-server', 'name');
    this.serviceName = this.name;
    this.serviceAccountName = this.name;
    this.port = PORT_GRPC;
    this.replicas = props.replicas ?? 3;
    if (!Number.isInteger(this.replicas) || this.replicas < 1) {
      throw invalidProp('replicas', this.replicas, 'Use a whole number of at least 1 (3 or more for HA).');
    }
    const agentNamespace = checkDnsLabel(props.agentNamespace ?? 'spire-system', 'agentNamespace');
    this.agentServiceAccounts.add(`${agentNamespace}:${props.agentServiceAccount ?? 'spire-agent'}`);
    this.bundleConfigMap = { namespace: agentNamespace, name: props.bundleConfigMapName ?? 'spire-bundle', key: 'bundle.crt' };
    this.bundleEndpoint = props.federationBundleEndpoint;
    const taken: Record<number, string> = { [PORT_GRPC]: 'the server API (gRPC)', [PORT_HEALTH]: 'health checks', [PORT_METRICS]: 'metrics' };
    const fedPort = this.bundleEndpoint?.port;
    if (fedPort !== undefined && taken[fedPort]) {
      throw invalidProp('federationBundleEndpoint.port', fedPort, `Port ${fedPort} is already the server's ${taken[fedPort]}; use another port (default 8443).`);
    }
    if (agentNamespace === this.namespace) {
      throw invalidProp(
        'agentNamespace',
        agentNamespace,
        `The agent needs a Pod Security 'privileged' namespace (hostPath socket, hostPID) and the server's namespace "${this.namespace}" is 'restricted': use separate namespaces (default spire-system).`,
      );
    }
    const cmOptions = props.controllerManager ?? {};
    this.controllerManagerEnabled = cmOptions.enabled ?? true;
    this.className = cmOptions.className ?? `${this.namespace}-spire`;
    const storageSize = props.storageSize ?? '1Gi';
    if (!/^[0-9]+(Mi|Gi|Ti)$/.test(storageSize)) {
      throw invalidProp('storageSize', storageSize, 'Use a size such as "1Gi".');
    }

    this.dataStoreBinding = props.database.bind(this, { namespace: this.namespace, replicas: this.replicas });
    // Build the config now: every rule of the config model runs in this constructor.
    const config = this.buildConfig();
    this.caTtl = config.caTtl;
    this.vaultSetup = vaultSetupFor(props.upstreamAuthority, this.namespace, this.serviceAccountName, config.caTtl.toHours({ integral: false }));
    this.ignoredNamespaces = ['kube-system', 'kube-public', `^${this.namespace}$`, `^${agentNamespace}$`, ...(cmOptions.extraIgnoreNamespaces ?? [])];

    if (this.controllerManagerEnabled) {
      this.controllerManagerConfig = new ControllerManagerConfig({
        trustDomain: this.trustDomain,
        clusterName: this.clusterName,
        className: this.className,
        leaderElectionNamespace: this.namespace,
        validatingWebhookConfigurationName: this.webhookConfigurationName,
        ignoreNamespaces: [...this.ignoredNamespaces],
        spireServerSocketPath: `${SOCKET_DIR}/api.sock`,
      });
    }

    const labels = componentLabels(this.name, 'server');
    const selector = selectorLabels(this.name, 'server');
    const podNeeds = this.podNeeds;

    this.statefulSet = new k8s.KubeStatefulSet(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        replicas: this.replicas,
        serviceName: `${this.name}-headless`,
        // One at a time, each Ready before the next: replicas started together on an empty
        // PostgreSQL race on SPIRE's schema migration and crash (duplicate key on
        // pg_type_typname_nsp_index; reproduced by the end-to-end suite with `Parallel`).
        podManagementPolicy: 'OrderedReady',
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            annotations: {
              'kubectl.kubernetes.io/default-container': 'spire-server',
              'spire-constructs.io/config-checksum': Lazy.any({ produce: () => sha256(this.renderConfigFiles()) }) as unknown as string,
            },
          },
          spec: {
            serviceAccountName: this.serviceAccountName,
            // The server calls TokenReview and the controller manager watches the API.
            automountServiceAccountToken: true,
            securityContext: restrictedPodSecurityContext(),
            priorityClassName: props.priorityClassName ?? 'system-cluster-critical',
            affinity: this.affinity(selector, props.antiAffinity ?? AntiAffinity.REQUIRED),
            topologySpreadConstraints:
              props.zoneSpread === false
                ? undefined
                : [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }],
            containers: [this.serverContainer(podNeeds), ...(this.controllerManagerEnabled ? [this.controllerManagerContainer(cmOptions)] : [])],
            volumes: this.volumes(podNeeds),
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'spire-data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              resources: { requests: { storage: k8s.Quantity.fromString(storageSize) } },
              ...(props.storageClass ? { storageClassName: props.storageClass } : {}),
            },
          },
        ],
      },
    });

    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });

    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      data: { 'server.conf': Lazy.any({ produce: () => this.buildConfig().toJson() }) as unknown as string },
    });

    new k8s.KubeService(this, 'Service', {
      metadata: { name: this.serviceName, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: Lazy.any({
          produce: () => [
            { name: 'grpc', port: PORT_GRPC, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
            ...(this.bundleEndpoint ? [{ name: 'federation', port: this.federationPort, targetPort: k8s.IntOrString.fromString('federation'), protocol: 'TCP' }] : []),
          ],
        }) as unknown as k8s.ServicePort[],
      },
    });
    new k8s.KubeService(this, 'HeadlessService', {
      metadata: { name: `${this.name}-headless`, namespace: this.namespace, labels },
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [{ name: 'grpc', port: PORT_GRPC, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
    });

    this.rbac(labels, agentNamespace);
    if (this.controllerManagerEnabled) {
      this.controllerManagerObjects(labels, selector, cmOptions);
    }
    if (props.networkPolicy?.enabled ?? true) {
      this.networkPolicy(labels, selector, agentNamespace, props.networkPolicy ?? {});
    }
    this.monitoring(labels, selector, agentNamespace, props.monitoring ?? {});
  }

  /** DNS name agents dial: `<service>.<namespace>.svc`. */
  public get address(): string {
    return `${this.serviceName}.${this.namespace}.svc`;
  }

  /** Name of the controller manager's ValidatingWebhookConfiguration. */
  public get webhookConfigurationName(): string {
    return `${this.namespace}-spire-controller-manager-webhook`;
  }

  /** The server configuration as it will be rendered. */
  public get config(): ServerConfig {
    return this.buildConfig();
  }

  /**
   * Allows an agent service account (`namespace:serviceaccount`) to attest with k8s_psat.
   */
  public allowAgentServiceAccount(namespace: string, serviceAccount: string): void {
    this.agentServiceAccounts.add(`${checkDnsLabel(namespace, 'namespace')}:${serviceAccount}`);
    this.buildConfig();
  }

  /**
   * Turns on the federation bundle endpoint (idempotent; the first options win).
   */
  public enableFederationBundleEndpoint(options: FederationBundleEndpointOptions = {}): void {
    if (!this.bundleEndpoint) {
      this.bundleEndpoint = options;
      this.buildConfig();
    }
  }

  /** True when the federation bundle endpoint is on. */
  public get federationBundleEndpointEnabled(): boolean {
    return this.bundleEndpoint !== undefined;
  }

  private get federationPort(): number {
    return this.bundleEndpoint?.port ?? 8443;
  }

  private get podNeeds(): PodNeeds {
    return mergePodNeeds(this.dataStoreBinding.podNeeds, this.props.upstreamAuthority?.podNeeds ?? { secretEnv: [], secretFiles: [], projectedTokens: [] });
  }

  private buildConfig(): ServerConfig {
    const p = this.props;
    return new ServerConfig({
      trustDomain: this.trustDomain,
      replicas: this.replicas,
      dataStore: this.dataStoreBinding.dataStore,
      keyManager: p.keyManager ?? KeyManager.disk({ keysPath: `${DATA_DIR}/keys.json` }),
      upstreamAuthority: p.upstreamAuthority,
      nodeAttestors: [NodeAttestor.k8sPsat({ cluster: this.clusterName, serviceAccountAllowList: [...this.agentServiceAccounts].sort() })],
      bundlePublishers: [
        BundlePublisher.k8sConfigMap({
          namespace: this.bundleConfigMap.namespace,
          configMapName: this.bundleConfigMap.name,
          configMapKey: this.bundleConfigMap.key,
          format: BundleFormat.PEM,
        }),
      ],
      bindPort: PORT_GRPC,
      dataDir: DATA_DIR,
      socketPath: `${SOCKET_DIR}/api.sock`,
      logLevel: p.logLevel,
      caTtl: p.caTtl,
      defaultX509SvidTtl: p.defaultX509SvidTtl,
      defaultJwtSvidTtl: p.defaultJwtSvidTtl,
      caKeyType: p.caKeyType,
      caSubject: p.caSubject,
      jwtIssuer: p.jwtIssuer,
      auditLogEnabled: p.auditLogEnabled ?? true,
      federationBundleEndpoint: this.bundleEndpoint ? new FederationBundleEndpoint(this.bundleEndpoint) : undefined,
      healthChecks: new HealthChecks({ bindPort: PORT_HEALTH }),
      telemetry: Telemetry.prometheus({ port: PORT_METRICS }),
    });
  }

  private renderConfigFiles(): string {
    return this.buildConfig().toJson() + (this.controllerManagerConfig?.toYaml() ?? '');
  }

  private affinity(selector: Record<string, string>, mode: AntiAffinity): k8s.Affinity | undefined {
    const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } };
    switch (mode) {
      case AntiAffinity.REQUIRED:
        return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
      case AntiAffinity.PREFERRED:
        return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
      case AntiAffinity.NONE:
        return undefined;
      default:
        throw invalidProp('antiAffinity', mode, `Use one of ${Object.values(AntiAffinity).join(', ')}.`);
    }
  }

  private serverContainer(needs: PodNeeds): k8s.Container {
    return {
      name: 'spire-server',
      image: this.props.image ?? Images.SPIRE_SERVER,
      imagePullPolicy: 'IfNotPresent',
      args: ['-expandEnv', '-config', `${CONFIG_DIR}/server.conf`],
      env: [...needs.secretEnv]
        .sort((a, b) => a.env.localeCompare(b.env))
        .map((e) => ({ name: e.env, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } })),
      ports: Lazy.any({
        produce: () => [
          { name: 'grpc', containerPort: PORT_GRPC, protocol: 'TCP' },
          { name: 'healthz', containerPort: PORT_HEALTH, protocol: 'TCP' },
          { name: 'metrics', containerPort: PORT_METRICS, protocol: 'TCP' },
          ...(this.bundleEndpoint ? [{ name: 'federation', containerPort: this.federationPort, protocol: 'TCP' }] : []),
        ],
      }) as unknown as k8s.ContainerPort[],
      livenessProbe: {
        httpGet: { path: '/live', port: k8s.IntOrString.fromString('healthz') },
        initialDelaySeconds: 15,
        periodSeconds: 60,
        timeoutSeconds: 3,
        failureThreshold: 2,
      },
      readinessProbe: {
        httpGet: { path: '/ready', port: k8s.IntOrString.fromString('healthz') },
        initialDelaySeconds: 5,
        periodSeconds: 5,
      },
      resources: renderResources(this.props.resources, { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' }),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'spire-config', mountPath: CONFIG_DIR, readOnly: true },
        { name: 'spire-data', mountPath: DATA_DIR },
        { name: 'spire-server-socket', mountPath: SOCKET_DIR },
        ...needs.secretFiles.map((f) => ({ name: f.volume, mountPath: f.mountPath, readOnly: true })),
        ...needs.projectedTokens.map((t) => ({ name: t.volume, mountPath: t.mountPath, readOnly: true })),
      ],
    };
  }

  private controllerManagerContainer(options: ControllerManagerOptions): k8s.Container {
    const cm = this.controllerManagerConfig!;
    return {
      name: 'spire-controller-manager',
      image: options.image ?? Images.CONTROLLER_MANAGER,
      imagePullPolicy: 'IfNotPresent',
      args: [`--config=${CM_CONFIG_DIR}/controller-manager-config.yaml`],
      env: [{ name: 'ENABLE_WEBHOOKS', value: 'true' }],
      ports: [
        { name: 'webhook', containerPort: cm.webhookPort, protocol: 'TCP' },
        { name: 'cm-health', containerPort: cm.healthPort, protocol: 'TCP' },
        { name: 'cm-metrics', containerPort: cm.metricsPort, protocol: 'TCP' },
      ],
      livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('cm-health') }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('cm-health') }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      resources: renderResources(options.resources, { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'controller-manager-config', mountPath: CM_CONFIG_DIR, readOnly: true },
        // The admin socket: connecting to a unix socket needs no write access to the mount.
        { name: 'spire-server-socket', mountPath: SOCKET_DIR, readOnly: true },
        { name: 'controller-manager-tmp', mountPath: '/tmp' },
      ],
    };
  }

  private volumes(needs: PodNeeds): k8s.Volume[] {
    const volumes: k8s.Volume[] = [
      { name: 'spire-config', configMap: { name: this.name } },
      { name: 'spire-server-socket', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
      ...needs.secretFiles.map((f) => ({
        name: f.volume,
        secret: { secretName: f.secretName, defaultMode: 0o440, items: f.items.map((i) => ({ key: i.key, path: i.path })) },
      })),
      ...needs.projectedTokens.map((t) => ({
        name: t.volume,
        projected: { sources: [{ serviceAccountToken: { audience: t.audience, expirationSeconds: t.expirationSeconds, path: t.path } }] },
      })),
    ];
    if (this.controllerManagerEnabled) {
      volumes.push(
        { name: 'controller-manager-config', configMap: { name: `${this.name}-controller-manager` } },
        { name: 'controller-manager-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
      );
    }
    const names = new Set<string>();
    for (const v of volumes) {
      if (names.has(v.name)) {
        throw new Error(`SpireServer '${this.node.path}': two plugins need a volume named '${v.name}'; give their Secrets different roles.`);
      }
      names.add(v.name);
    }
    return volumes;
  }

  private rbac(labels: Record<string, string>, agentNamespace: string): void {
    const subject = { kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace };
    const clusterRoleName = `${this.namespace}-${this.name}`;
    // k8s_psat: validate agent tokens (TokenReview) and read the agent's pod and node.
    clusterScoped(new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name: clusterRoleName, labels },
      rules: [
        { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
      ],
    }));
    clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [subject],
    }));
    // k8s_configmap BundlePublisher: only the bundle ConfigMap, in the agent namespace.
    new k8s.KubeRole(this, 'BundleRole', {
      metadata: { name: `${this.name}-bundle`, namespace: agentNamespace, labels },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [this.bundleConfigMap.name], verbs: ['get', 'patch', 'update'] }],
    });
    new k8s.KubeRoleBinding(this, 'BundleRoleBinding', {
      metadata: { name: `${this.name}-bundle`, namespace: agentNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-bundle` },
      subjects: [subject],
    });
    // The ConfigMap exists before the server publishes into it (no data: the server owns it).
    new k8s.KubeConfigMap(this, 'BundleConfigMap', {
      metadata: { name: this.bundleConfigMap.name, namespace: agentNamespace, labels: componentLabels(this.name, 'bundle') },
    });
    const ua = this.props.upstreamAuthority;
    if (ua?.kind === UpstreamAuthorityKind.CERT_MANAGER && ua.certificateRequestNamespace) {
      new k8s.KubeRole(this, 'CertManagerRole', {
        metadata: { name: `${this.name}-cert-manager`, namespace: ua.certificateRequestNamespace, labels },
        rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificaterequests'], verbs: ['create', 'get', 'list', 'delete'] }],
      });
      new k8s.KubeRoleBinding(this, 'CertManagerRoleBinding', {
        metadata: { name: `${this.name}-cert-manager`, namespace: ua.certificateRequestNamespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${this.name}-cert-manager` },
        subjects: [subject],
      });
    }
  }

  private controllerManagerObjects(labels: Record<string, string>, selector: Record<string, string>, options: ControllerManagerOptions): void {
    const cm = this.controllerManagerConfig!;
    const subject = { kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace };
    const name = `${this.name}-controller-manager`;
    new k8s.KubeConfigMap(this, 'ControllerManagerConfig', {
      metadata: { name, namespace: this.namespace, labels },
      data: { 'controller-manager-config.yaml': cm.toYaml() },
    });
    const clusterRoleName = `${this.namespace}-spire-controller-manager`;
    const crds = ['clusterfederatedtrustdomains', 'clusterspiffeids', 'clusterstaticentries'];
    clusterScoped(new k8s.KubeClusterRole(this, 'ControllerManagerClusterRole', {
      metadata: { name: clusterRoleName, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'nodes', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations'],
          resourceNames: [this.webhookConfigurationName],
          verbs: ['patch'],
        },
        { apiGroups: ['spire.spiffe.io'], resources: crds, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['spire.spiffe.io'], resources: crds.map((c) => `${c}/finalizers`), verbs: ['update'] },
        { apiGroups: ['spire.spiffe.io'], resources: crds.map((c) => `${c}/status`), verbs: ['get', 'patch', 'update'] },
      ],
    }));
    clusterScoped(new k8s.KubeClusterRoleBinding(this, 'ControllerManagerClusterRoleBinding', {
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [subject],
    }));
    // Leader election: its Lease and events, in the server namespace only.
    new k8s.KubeRole(this, 'LeaderElectionRole', {
      metadata: { name: `${name}-leader-election`, namespace: this.namespace, labels },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
    new k8s.KubeRoleBinding(this, 'LeaderElectionRoleBinding', {
      metadata: { name: `${name}-leader-election`, namespace: this.namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
      subjects: [subject],
    });
    const webhookService = `${name}-webhook`;
    new k8s.KubeService(this, 'WebhookService', {
      metadata: { name: webhookService, namespace: this.namespace, labels },
      spec: { selector, ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('webhook'), protocol: 'TCP' }] },
    });
    const failurePolicy = options.webhookFailurePolicy ?? WebhookFailurePolicy.IGNORE;
    if (!Object.values(WebhookFailurePolicy).includes(failurePolicy)) {
      throw invalidProp('controllerManager.webhookFailurePolicy', failurePolicy, 'Use WebhookFailurePolicy.IGNORE or WebhookFailurePolicy.FAIL.');
    }
    const hook = (kind: string, plural: string) => ({
      name: `v${kind}.kb.io`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy,
      timeoutSeconds: 10,
      // No caBundle: the controller manager patches in a SPIRE-issued CA itself.
      clientConfig: { service: { name: webhookService, namespace: this.namespace, path: `/validate-spire-spiffe-io-v1alpha1-${kind}`, port: 443 } },
      rules: [{ apiGroups: ['spire.spiffe.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [plural] }],
    });
    clusterScoped(new k8s.KubeValidatingWebhookConfiguration(this, 'Webhook', {
      metadata: { name: this.webhookConfigurationName, labels },
      webhooks: [hook('clusterfederatedtrustdomain', 'clusterfederatedtrustdomains'), hook('clusterspiffeid', 'clusterspiffeids')],
    }));
  }

  private networkPolicy(labels: Record<string, string>, selector: Record<string, string>, agentNamespace: string, options: ServerNetworkPolicyOptions): void {
    const apiCidrs = options.apiServerCidrs ?? ['0.0.0.0/0'];
    const tcp = (port: number) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) });
    const nsSelector = (ns: string) => ({ matchLabels: { 'kubernetes.io/metadata.name': ns } });
    const cm = this.controllerManagerConfig;
    const egressTo = (d: NetworkDestination): k8s.NetworkPolicyEgressRule => ({
      to: [
        d.cidr
          ? { ipBlock: { cidr: d.cidr } }
          : { namespaceSelector: nsSelector(d.namespace ?? this.namespace), ...(d.podLabels ? { podSelector: { matchLabels: d.podLabels } } : {}) },
      ],
      ports: [tcp(d.port)],
    });
    const vault = this.props.upstreamAuthority?.vaultOptions;
    const vaultPort = vault ? portOf(vault.vaultAddr) : undefined;
    new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        podSelector: { matchLabels: selector },
        policyTypes: ['Ingress', 'Egress'],
        ingress: Lazy.any({
          produce: () => [
            // Agents attest and fetch SVIDs.
            { from: [{ namespaceSelector: nsSelector(agentNamespace) }], ports: [tcp(PORT_GRPC)] },
            // Kubelet probes come from the node, whose address no selector matches.
            { ports: [tcp(PORT_HEALTH), ...(cm ? [tcp(cm.healthPort)] : [])] },
            // Prometheus scrapes metrics.
            { from: [{ namespaceSelector: nsSelector(options.prometheusNamespace ?? 'monitoring') }], ports: [tcp(PORT_METRICS), ...(cm ? [tcp(cm.metricsPort)] : [])] },
            // The API server calls the validating webhook.
            ...(cm ? [{ from: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(cm.webhookPort)] }] : []),
            // Federated servers fetch the bundle.
            ...(this.bundleEndpoint ? [{ ports: [tcp(this.federationPort)] }] : []),
          ],
        }) as unknown as k8s.NetworkPolicyIngressRule[],
        egress: [
          // DNS.
          {
            to: [{ namespaceSelector: nsSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
            ],
          },
          // The API server (TokenReview, controller manager).
          { to: apiCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443), tcp(6443)] },
          // The datastore.
          ...this.dataStoreBinding.egress.map(egressTo),
          // Vault: in the cluster by namespace (and labels), outside by CIDR.
          ...(vault && vaultPort
            ? [
              options.vaultCidr === undefined && inClusterNamespaceOf(vault.vaultAddr)
                ? egressTo({ port: vaultPort, namespace: inClusterNamespaceOf(vault.vaultAddr), podLabels: options.vaultPodLabels })
                : { to: [{ ipBlock: { cidr: options.vaultCidr ?? '0.0.0.0/0' } }], ports: [tcp(vaultPort)] },
            ]
            : []),
        ],
      },
    });
  }

  private monitoring(labels: Record<string, string>, selector: Record<string, string>, agentNamespace: string, options: ServerMonitoringOptions): void {
    const extra = options.labels ?? {};
    if (options.podMonitor ?? true) {
      new ApiObject(this, 'PodMonitor', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: this.name, namespace: this.namespace, labels: { ...labels, ...extra } },
        spec: {
          selector: { matchLabels: selector },
          podMetricsEndpoints: [{ port: 'metrics', path: '/metrics' }, ...(this.controllerManagerEnabled ? [{ port: 'cm-metrics', path: '/metrics' }] : [])],
        },
      });
    }
    if (options.prometheusRule ?? true) {
      const job = `${this.namespace}/${this.name}`;
      const agentDs = this.props.agentDaemonSetName ?? 'spire-agent';
      new ApiObject(this, 'PrometheusRule', {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: { name: this.name, namespace: this.namespace, labels: { ...labels, ...extra } },
        spec: {
          groups: [
            {
              name: 'spire',
              rules: [
                {
                  alert: 'SpireServerDown',
                  expr: `absent(up{job="${job}", container="spire-server"} == 1)`,
                  for: '5m',
                  labels: { severity: 'critical' },
                  annotations: {
                    summary: 'No SPIRE server is up',
                    description: `No SPIRE server in ${this.namespace} has been scraped successfully for 5 minutes: agents cannot renew SVIDs and workloads lose identity when their SVIDs expire.`,
                  },
                },
                {
                  alert: 'SpireServerReplicasUnavailable',
                  expr: `kube_statefulset_status_replicas_ready{namespace="${this.namespace}", statefulset="${this.name}"} < ${this.replicas}`,
                  for: '10m',
                  labels: { severity: 'warning' },
                  annotations: {
                    summary: 'SPIRE server replicas are failing health checks',
                    description: `Fewer than ${this.replicas} SPIRE server replicas in ${this.namespace} pass their readiness check (/ready).`,
                  },
                },
                {
                  alert: 'SpireAgentDown',
                  expr: `kube_daemonset_status_number_unavailable{namespace="${agentNamespace}", daemonset="${agentDs}"} > 0`,
                  for: '10m',
                  labels: { severity: 'critical' },
                  annotations: {
                    summary: 'SPIRE agents are unavailable',
                    description: `SPIRE agent pods in ${agentNamespace} are unavailable: workloads on those nodes cannot get or renew SVIDs.`,
                  },
                },
              ],
            },
          ],
        },
      });
    }
  }
}

/** The namespace of an in-cluster Service address (`<svc>.<ns>.svc[.cluster.local]`), if it is one. */
function inClusterNamespaceOf(url: string): string | undefined {
  const m = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(new URL(url).hostname);
  return m ? m[2] : undefined;
}

function portOf(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
