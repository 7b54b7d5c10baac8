import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { SpireAgent, SpireAgentProps } from '../agent/spire-agent';
import { Checklist } from '../checklist/checklist';
import { KeyManager } from '../config/key-manager';
import { UpstreamAuthority } from '../config/upstream-authority';
import { SpireCrds } from '../crds/spire-crds';
import { SpiffeCsiDriver, SpiffeCsiDriverProps } from '../csi/spiffe-csi-driver';
import { clusterScoped } from '../k8s/cluster-scoped';
import { k8s } from '../k8s/kube';
import { OidcDiscoveryProvider, OidcDiscoveryProviderProps } from '../oidc/oidc-discovery-provider';
import { IServerDatabase } from '../server/server-database';
import { SpireServer, SpireServerProps } from '../server/spire-server';
import { TrustDomain } from '../spiffe/trust-domain';
import { checkDnsLabel, invalidProp, withConstructPath } from '../validation';

/** Server options of a {@link SpireStack} (everything of {@link SpireServerProps} the stack does not set). */
export type SpireStackServerOptions = Omit<SpireServerProps, 'trustDomain' | 'clusterName' | 'database' | 'upstreamAuthority' | 'namespace' | 'agentNamespace'>;
/** Agent options of a {@link SpireStack}. */
export type SpireStackAgentOptions = Omit<SpireAgentProps, 'server' | 'namespace'>;
/** CSI driver options of a {@link SpireStack}. */
export type SpireStackCsiDriverOptions = Omit<SpiffeCsiDriverProps, 'agent'>;
/** OIDC discovery provider options of a {@link SpireStack} (the stack gives the server and sets its `jwtIssuer` to `issuer`). */
export type SpireStackOidcDiscoveryProviderOptions = Omit<OidcDiscoveryProviderProps, 'server'>;

/** Properties of {@link SpireStack}. */
export interface SpireStackProps {
  /** The trust domain. */
  readonly trustDomain: TrustDomain;
  /** The cluster name, shared by the server's k8s_psat, the agents and the controller manager. */
  readonly clusterName: string;
  /** The server's database (`PostgresDatabase.cloudNativePg()` for production). */
  readonly database: IServerDatabase;
  /**
   * The upstream CA.
   * @default - none (self-signed; the checklist flags it)
   */
  readonly upstreamAuthority?: UpstreamAuthority;
  /**
   * Where server signing keys are kept.
   * @default KeyManager.disk()
   */
  readonly keyManager?: KeyManager;
  /**
   * Namespace of the server (labelled Pod Security `restricted`).
   * @default 'spire-server'
   */
  readonly serverNamespace?: string;
  /**
   * Namespace of the agent and CSI driver (labelled Pod Security `privileged`: hostPID, hostPath,
   * a privileged CSI container).
   * @default 'spire-system'
   */
  readonly systemNamespace?: string;
  /**
   * Render the namespaces.
   * @default true
   */
  readonly createNamespaces?: boolean;
  /**
   * Render the spire.spiffe.io CRDs.
   * @default true
   */
  readonly createCrds?: boolean;
  /**
   * Server options.
   * @default - the SpireServer defaults
   */
  readonly server?: SpireStackServerOptions;
  /**
   * Agent options.
   * @default - the SpireAgent defaults
   */
  readonly agent?: SpireStackAgentOptions;
  /**
   * CSI driver options.
   * @default - the SpiffeCsiDriver defaults
   */
  readonly csiDriver?: SpireStackCsiDriverOptions;
  /**
   * SPIRE's OIDC discovery provider, so cloud IAM and OIDC relying parties can verify JWT-SVIDs:
   * the stack sets the server's `jwtIssuer` to its `issuer` and creates it in its own namespace
   * (default `spire-oidc`, labelled Pod Security `restricted` when the stack renders namespaces).
   * @default - none
   */
  readonly oidcDiscoveryProvider?: SpireStackOidcDiscoveryProviderOptions;
  /**
   * Run the production checklist when the chart synthesizes (ERROR findings fail synth unless
   * acknowledged).
   * @default true
   */
  readonly checklist?: boolean;
  /**
   * Lifetime of SPIRE's signing CA (shortcut for `server.caTtl`).
   * @default Duration.hours(24)
   */
  readonly caTtl?: Duration;
}

/**
 * SPIRE in one call: namespaces, CRDs, the HA server with its controller manager, the agent on
 * every node, the SPIFFE CSI driver and, when asked, the OIDC discovery provider, wired together. CRDs and namespaces come first in the
 * output; cluster-scoped objects carry no namespace.
 */
export class SpireStack extends Construct {
  /** The server. */
  public readonly server: SpireServer;
  /** The agent. */
  public readonly agent: SpireAgent;
  /** The CSI driver. */
  public readonly csiDriver: SpiffeCsiDriver;
  /** The OIDC discovery provider, when `oidcDiscoveryProvider` is given. */
  public readonly oidcDiscoveryProvider?: OidcDiscoveryProvider;
  /** The trust domain. */
  public readonly trustDomain: TrustDomain;

  public constructor(scope: Construct, id: string, props: SpireStackProps) {
    super(scope, id);
    try {
      this.trustDomain = props.trustDomain;
      if (props.checklist ?? true) {
        Checklist.enable(Chart.of(this));
      }
      const serverNamespace = props.serverNamespace ?? 'spire-server';
      const systemNamespace = props.systemNamespace ?? 'spire-system';
      checkDnsLabel(serverNamespace, 'serverNamespace');
      checkDnsLabel(systemNamespace, 'systemNamespace');
      if (systemNamespace === serverNamespace) {
        throw invalidProp(
          'systemNamespace',
          systemNamespace,
          'The agent and CSI driver need a Pod Security \'privileged\' namespace and the server\'s ("serverNamespace") is \'restricted\': use two namespaces (defaults spire-server and spire-system).',
        );
      }
      const oidc = props.oidcDiscoveryProvider;
      const oidcNamespace = oidc ? checkDnsLabel(oidc.namespace ?? 'spire-oidc', 'oidcDiscoveryProvider.namespace') : undefined;
      if (oidc) {
        if (oidcNamespace === serverNamespace || oidcNamespace === systemNamespace) {
          throw invalidProp(
            'oidcDiscoveryProvider.namespace',
            oidcNamespace,
            "The controller manager ignores the server's and the agents' namespaces, so the provider would get no identity (and no keys): give it a namespace of its own (default spire-oidc).",
          );
        }
        if (props.server?.jwtIssuer !== undefined && props.server.jwtIssuer !== oidc.issuer) {
          throw invalidProp(
            'server.jwtIssuer',
            props.server.jwtIssuer,
            `The OIDC discovery provider's issuer is ${JSON.stringify(oidc.issuer)} and JWT-SVIDs must carry it as \`iss\`: remove server.jwtIssuer (oidcDiscoveryProvider sets it) or make it equal.`,
          );
        }
      }
      if (props.createNamespaces ?? true) {
        namespace(this, 'ServerNamespace', serverNamespace, 'restricted');
        namespace(this, 'SystemNamespace', systemNamespace, 'privileged');
        if (oidcNamespace !== undefined) {
          namespace(this, 'OidcNamespace', oidcNamespace, 'restricted');
        }
      }
      if (props.createCrds ?? true) {
        new SpireCrds(this, 'Crds');
      }
      this.server = new SpireServer(this, 'Server', {
        caTtl: props.caTtl,
        ...props.server,
        trustDomain: props.trustDomain,
        clusterName: props.clusterName,
        database: props.database,
        upstreamAuthority: props.upstreamAuthority,
        keyManager: props.keyManager ?? props.server?.keyManager,
        namespace: serverNamespace,
        agentNamespace: systemNamespace,
        // The one wiring between server and agent: the server lets the agent's service account attest.
        agentServiceAccount: props.agent?.name ?? 'spire-agent',
        // The one wiring between server and OIDC discovery provider: the `iss` of JWT-SVIDs is the provider's issuer.
        jwtIssuer: oidc?.issuer ?? props.server?.jwtIssuer,
      });
      this.agent = new SpireAgent(this, 'Agent', {
        ...props.agent,
        server: this.server,
        namespace: systemNamespace,
        // The agent's alert follows the server's monitoring choices (on or off, the labels Prometheus selects).
        monitoring: { labels: props.server?.monitoring?.labels, prometheusRule: props.server?.monitoring?.prometheusRule, ...props.agent?.monitoring },
      });
      this.csiDriver = new SpiffeCsiDriver(this, 'CsiDriver', { ...props.csiDriver, agent: this.agent });
      if (oidc) {
        this.oidcDiscoveryProvider = new OidcDiscoveryProvider(this, 'OidcDiscoveryProvider', { ...oidc, namespace: oidcNamespace, server: this.server });
      }
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }
}

function namespace(scope: Construct, id: string, name: string, level: 'restricted' | 'privileged'): void {
  clusterScoped(
    new k8s.KubeNamespace(scope, id, {
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': level,
          'pod-security.kubernetes.io/warn': level,
          'app.kubernetes.io/part-of': 'spire',
          'app.kubernetes.io/managed-by': 'spire-constructs',
        },
      },
    }),
  );
}
