import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ControllerManager, ControllerManagerOptions } from './controller-manager';
import { ServerDatabaseBinding, IServerDatabase } from './server-database';
import { ADMIN_SOCKET_PATH, DATA_DIR, SERVER_PORTS } from './server-layout';
import { addServerMonitoring, ServerMonitoringOptions } from './server-monitoring';
import { addServerNetworkPolicy, ServerNetworkPolicyOptions } from './server-network-policy';
import { addServerRbac } from './server-rbac';
import { addServerWorkload, AntiAffinity } from './server-workload';
import { BundleFormat, BundlePublisher } from '../config/bundle-publisher';
import { KeyType, LogLevel } from '../config/common';
import { ControllerManagerConfig } from '../config/controller-manager-config';
import { FederationBundleEndpoint, FederationBundleEndpointOptions } from '../config/federation';
import { HealthChecks } from '../config/health-checks';
import { KeyManager } from '../config/key-manager';
import { NodeAttestor, requireClusterName } from '../config/node-attestor';
import { mergePodNeeds, NO_POD_NEEDS, PodNeeds } from '../config/secret-mount';
import { CaSubject, ServerConfig } from '../config/server-config';
import { Telemetry } from '../config/telemetry';
import { UpstreamAuthority, UpstreamAuthorityBinding, VaultSetup } from '../config/upstream-authority';
import { Images } from '../images';
import { k8s } from '../k8s/kube';
import { componentLabels, selectorLabels } from '../k8s/labels';
import { NetworkDestination } from '../k8s/network-destination';
import { checkCidrs } from '../k8s/network-peers';
import { ContainerResources } from '../k8s/resources';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { TrustDomain } from '../spiffe/trust-domain';
import { checkDnsLabel, checkStorageSize, invalidProp, requirePort, requireWholeNumber, ValidationError, withConstructPath } from '../validation';

/** An agent's service account, as {@link SpireServer.allowAgent} takes it (a `SpireAgent` is one). */
export interface AgentServiceAccount {
  /** The agent's namespace. */
  readonly namespace: string;
  /** The agent's ServiceAccount (and DaemonSet) name. */
  readonly name: string;
}

/** Properties of {@link SpireServer}. */
export interface SpireServerProps {
  /** The trust domain this server is the root of trust for. */
  readonly trustDomain: TrustDomain;
  /** The cluster name: the k8s_psat cluster and the controller manager's cluster name. */
  readonly clusterName: string;
  /**
   * The datastore: `ServerDatabase.cloudNativePg()` (also `PostgresDatabase.cloudNativePg()`),
   * `ServerDatabase.externalPostgres()`, or `ServerDatabase.sqlite()` (one replica, development only).
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


/**
 * A highly available SPIRE server: a StatefulSet (3 replicas by default) on a shared
 * PostgreSQL datastore, with the controller manager as a sidecar, k8s_psat node attestation,
 * bundle publishing to the agents' namespace, RBAC limited to what SPIRE uses, a
 * NetworkPolicy, a PodDisruptionBudget, health probes and Prometheus monitoring.
 *
 * Each concept renders its own objects (`server-workload.ts`, `server-rbac.ts`,
 * `controller-manager.ts`, `server-network-policy.ts`, `server-monitoring.ts`); the variants
 * (datastore, upstream authority) bind themselves. Methods record state (allowed agents, the
 * federation endpoint); the configuration is rendered once per state, at synth.
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
  /** The `iss` claim of its JWT-SVIDs (`jwt_issuer`), if set. */
  public readonly jwtIssuer?: string;
  /**
   * The namespaces the controller manager ignores (`ignoreNamespaces`, regular expressions):
   * identities declared there would never be registered.
   */
  public readonly ignoredNamespaces: string[];
  /** The StatefulSet. */
  public readonly statefulSet: k8s.KubeStatefulSet;
  /** The labels that select the server's pods (for peers' NetworkPolicies). */
  public readonly podSelectorLabels: Record<string, string>;

  private readonly props: SpireServerProps;
  private readonly agentServiceAccounts = new Set<string>();
  private readonly extraEgress: NetworkDestination[] = [];
  private bundleEndpoint?: FederationBundleEndpointOptions;
  private readonly database: ServerDatabaseBinding;
  private readonly upstream?: UpstreamAuthorityBinding;
  private readonly controllerManager?: ControllerManager;
  /** Why the state may no longer change (its objects are registered elsewhere already). */
  private frozen?: string;
  /** The configuration rendered for the current state; dropped when a method changes the state. */
  private rendered?: { readonly config: ServerConfig; readonly serverConf: string; readonly checksumSource: string };

  public constructor(scope: Construct, id: string, props: SpireServerProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.trustDomain instanceof TrustDomain)) {
        throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('example.org').");
      }
      if (!props.database || typeof props.database.bind !== 'function') {
        throw invalidProp('database', props.database, 'Use ServerDatabase.cloudNativePg(), ServerDatabase.externalPostgres({...}) or ServerDatabase.sqlite().');
      }
      if (props.upstreamAuthority !== undefined && !(props.upstreamAuthority instanceof UpstreamAuthority)) {
        throw invalidProp('upstreamAuthority', props.upstreamAuthority, 'Use UpstreamAuthority.vault(), .certManager() or .disk().');
      }
      this.props = props;
      this.trustDomain = props.trustDomain;
      this.jwtIssuer = props.jwtIssuer;
      this.clusterName = requireClusterName(props.clusterName, 'clusterName');
      this.namespace = checkDnsLabel(props.namespace ?? 'spire-server', 'namespace');
      this.name = checkDnsLabel(props.name ?? 'spire-server', 'name');
      this.serviceName = this.name;
      this.serviceAccountName = this.name;
      this.port = SERVER_PORTS.grpc;
      this.replicas = requireWholeNumber(props.replicas ?? 3, 'replicas', 1, '(3 or more for HA).');
      const agentNamespace = checkDnsLabel(props.agentNamespace ?? 'spire-system', 'agentNamespace');
      this.agentServiceAccounts.add(`${agentNamespace}:${props.agentServiceAccount ?? 'spire-agent'}`);
      this.bundleConfigMap = { namespace: agentNamespace, name: props.bundleConfigMapName ?? 'spire-bundle', key: 'bundle.crt' };
      this.bundleEndpoint = props.federationBundleEndpoint;
      const taken: Record<number, string> = { [SERVER_PORTS.grpc]: 'the server API (gRPC)', [SERVER_PORTS.health]: 'health checks', [SERVER_PORTS.metrics]: 'metrics' };
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
      const storageSize = checkStorageSize(props.storageSize ?? '1Gi', 'storageSize', '1Gi');

      // The variants bind themselves: each returns what the server pod needs.
      this.database = props.database.bind(this, { namespace: this.namespace, replicas: this.replicas });
      // Every rule of the config model runs here, in the constructor (the upstream's setup needs ca_ttl).
      this.caTtl = this.buildConfig().caTtl;
      if (props.networkPolicy?.vaultCidr !== undefined) checkCidrs([props.networkPolicy.vaultCidr], 'networkPolicy.vaultCidr');
      this.upstream = props.upstreamAuthority?.bind(this, {
        namespace: this.namespace,
        serviceAccountName: this.serviceAccountName,
        caTtl: this.caTtl,
        egressCidr: props.networkPolicy?.vaultCidr,
        egressPodLabels: props.networkPolicy?.vaultPodLabels,
      });
      this.vaultSetup = this.upstream?.vaultSetup;
      this.ignoredNamespaces = ['kube-system', 'kube-public', `^${this.namespace}$`, `^${agentNamespace}$`, ...(cmOptions.extraIgnoreNamespaces ?? [])];

      const labels = componentLabels(this.name, 'server');
      const selector = selectorLabels(this.name, 'server');
      this.podSelectorLabels = { ...selector };
      if (this.controllerManagerEnabled) {
        this.controllerManager = new ControllerManager(
          { name: this.name, namespace: this.namespace, serviceAccountName: this.serviceAccountName, labels, selector },
          cmOptions,
          new ControllerManagerConfig({
            trustDomain: this.trustDomain,
            clusterName: this.clusterName,
            className: this.className,
            leaderElectionNamespace: this.namespace,
            validatingWebhookConfigurationName: this.webhookConfigurationName,
            ignoreNamespaces: [...this.ignoredNamespaces],
            spireServerSocketPath: ADMIN_SOCKET_PATH,
          }),
        );
      }
      const federationPort = () => (this.bundleEndpoint ? this.bundleEndpoint.port ?? SERVER_PORTS.federationDefault : undefined);

      this.statefulSet = addServerWorkload(this, {
        name: this.name,
        namespace: this.namespace,
        serviceAccountName: this.serviceAccountName,
        labels,
        selector,
        replicas: this.replicas,
        image: props.image ?? Images.SPIRE_SERVER,
        storageSize,
        storageClass: props.storageClass,
        resources: props.resources,
        priorityClassName: props.priorityClassName ?? 'system-cluster-critical',
        antiAffinity: props.antiAffinity ?? AntiAffinity.REQUIRED,
        zoneSpread: props.zoneSpread !== false,
        podNeeds: this.podNeeds,
        controllerManager: this.controllerManager,
        configFiles: () => this.render(),
        federationPort,
      });
      addServerRbac(this, {
        name: this.name,
        namespace: this.namespace,
        serviceAccountName: this.serviceAccountName,
        labels,
        bundleConfigMap: this.bundleConfigMap,
      });
      this.controllerManager?.addObjects(this);
      if (props.networkPolicy?.enabled ?? true) {
        addServerNetworkPolicy(this, {
          name: this.name,
          namespace: this.namespace,
          labels,
          selector,
          agentNamespace,
          controllerManager: this.controllerManager?.config,
          egress: () => [...this.database.egress, ...(this.upstream?.egress ?? []), ...this.extraEgress],
          federationPort,
        }, props.networkPolicy ?? {});
      }
      addServerMonitoring(this, {
        name: this.name,
        namespace: this.namespace,
        labels,
        selector,
        replicas: this.replicas,
        controllerManager: this.controllerManagerEnabled,
      }, props.monitoring ?? {});
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /** DNS name agents dial: `<service>.<namespace>.svc`. */
  public get address(): string {
    return `${this.serviceName}.${this.namespace}.svc`;
  }

  /** Name of the controller manager's ValidatingWebhookConfiguration. */
  public get webhookConfigurationName(): string {
    return ControllerManager.webhookConfigurationName(this.namespace);
  }

  /** The server configuration as it will be rendered. */
  public get config(): ServerConfig {
    return this.render().config;
  }

  /**
   * Allows an agent service account (`namespace:serviceaccount`) to attest with k8s_psat.
   */
  public allowAgentServiceAccount(namespace: string, serviceAccount: string): void {
    try {
      const key = `${checkDnsLabel(namespace, 'namespace')}:${serviceAccount}`;
      if (this.agentServiceAccounts.has(key)) return;
      this.refuseIfFrozen(`let agents of ${key} attest`);
      this.agentServiceAccounts.add(key);
      this.changed();
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /**
   * Lets an agent attest with k8s_psat: the one explicit wiring between an agent and its server
   * when the agent's service account is not the server's `agentServiceAccount`.
   */
  public allowAgent(agent: AgentServiceAccount): void {
    this.allowAgentServiceAccount(agent.namespace, agent.name);
  }

  /**
   * Lets the server reach a destination (its NetworkPolicy egress), e.g. a federated trust
   * domain's bundle endpoint, which the server fetches itself.
   */
  public allowEgress(destination: NetworkDestination): void {
    try {
      requirePort(destination.port, 'destination.port');
      if (destination.cidr !== undefined) checkCidrs([destination.cidr], 'destination.cidr');
      if (!this.extraEgress.some((d) => JSON.stringify(d) === JSON.stringify(destination))) {
        this.refuseIfFrozen(`let the server reach port ${destination.port}`);
        this.extraEgress.push(destination);
      }
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /** True when agents of `namespace:serviceAccount` may attest (k8s_psat `service_account_allow_list`). */
  public allowsAgentServiceAccount(namespace: string, serviceAccount: string): boolean {
    return this.agentServiceAccounts.has(`${namespace}:${serviceAccount}`);
  }

  /**
   * Turns on the federation bundle endpoint (idempotent; the first options win).
   */
  public enableFederationBundleEndpoint(options: FederationBundleEndpointOptions = {}): void {
    if (!this.bundleEndpoint) {
      try {
        this.refuseIfFrozen('turn on the federation bundle endpoint');
        this.bundleEndpoint = options;
        this.changed();
      } catch (e) {
        this.bundleEndpoint = undefined;
        throw withConstructPath(e, this);
      }
    }
  }

  /**
   * From now on the server's state may not change: its objects are registered (a Pulumi
   * component does this when it is created). `how` says what to do instead.
   *
   * @internal
   */
  public _freeze(how: string): void {
    this.frozen = how;
  }

  private refuseIfFrozen(what: string): void {
    if (this.frozen !== undefined) {
      throw new ValidationError(`Server '${this.node.path}' cannot ${what} now: its objects are registered already. ${this.frozen}`);
    }
  }

  /** True when the federation bundle endpoint is on. */
  public get federationBundleEndpointEnabled(): boolean {
    return this.bundleEndpoint !== undefined;
  }

  private get podNeeds(): PodNeeds {
    return mergePodNeeds(this.database.podNeeds, this.upstream?.podNeeds ?? NO_POD_NEEDS);
  }

  /** Validates the new state at once (bad input fails in the call that made it) and drops the rendering. */
  private changed(): void {
    this.rendered = undefined;
    this.buildConfig();
  }

  /** The rendering step: the config files, once per state. */
  private render(): { readonly config: ServerConfig; readonly serverConf: string; readonly checksumSource: string } {
    if (!this.rendered) {
      const config = this.buildConfig();
      const serverConf = config.toJson();
      this.rendered = { config, serverConf, checksumSource: serverConf + (this.controllerManager?.config.toYaml() ?? '') };
    }
    return this.rendered;
  }

  private buildConfig(): ServerConfig {
    const p = this.props;
    return new ServerConfig({
      trustDomain: this.trustDomain,
      replicas: this.replicas,
      dataStore: this.database.dataStore,
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
      bindPort: SERVER_PORTS.grpc,
      dataDir: DATA_DIR,
      socketPath: ADMIN_SOCKET_PATH,
      logLevel: p.logLevel,
      caTtl: p.caTtl,
      defaultX509SvidTtl: p.defaultX509SvidTtl,
      defaultJwtSvidTtl: p.defaultJwtSvidTtl,
      caKeyType: p.caKeyType,
      caSubject: p.caSubject,
      jwtIssuer: p.jwtIssuer,
      auditLogEnabled: p.auditLogEnabled ?? true,
      federationBundleEndpoint: this.bundleEndpoint ? new FederationBundleEndpoint(this.bundleEndpoint) : undefined,
      healthChecks: new HealthChecks({ bindPort: SERVER_PORTS.health }),
      telemetry: Telemetry.prometheus({ port: SERVER_PORTS.metrics }),
    });
  }
}
