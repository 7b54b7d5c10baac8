import { Duration } from 'cdk8s';
import { invalidProp, requireAbsolutePath, requirePort, requireWholeNumber } from '../validation';
import { BundlePublisher } from './bundle-publisher';
import { KeyType, LogFormat, LogLevel } from './common';
import { DataStore, PG_PASSWORD_ENV } from './data-store';
import { FederationBundleEndpoint, FederationRelationship } from './federation';
import { HealthChecks } from './health-checks';
import { ConfigValue, plainConfig, renderConfig } from './json';
import { KeyManager } from './key-manager';
import { NodeAttestor } from './node-attestor';
import { renderPlugins } from './plugin';
import { Telemetry } from './telemetry';
import { UpstreamAuthority } from './upstream-authority';
import { compareDurations, renderGoDuration } from '../spiffe/duration';
import { SpiffeId } from '../spiffe/spiffe-id';
import { TrustDomain } from '../spiffe/trust-domain';

/** The subject of SPIRE's CA certificates (`ca_subject`). */
export interface CaSubject {
  /**
   * Countries (two-letter codes).
   * @default ['US'] (SPIRE's default when the subject is empty)
   */
  readonly country?: string[];
  /**
   * Organizations.
   * @default ['SPIFFE']
   */
  readonly organization?: string[];
  /**
   * Common name.
   * @default - none
   */
  readonly commonName?: string;
}

/** Properties of {@link ServerConfig}. */
export interface ServerConfigProps {
  /** The trust domain this server is the root of trust for. */
  readonly trustDomain: TrustDomain;
  /** Where entries, nodes and bundles are stored (exactly one). */
  readonly dataStore: DataStore;
  /**
   * Where signing keys are kept (exactly one).
   * @default KeyManager.disk()
   */
  readonly keyManager?: KeyManager;
  /**
   * The CA that signs SPIRE's intermediate (at most one).
   * @default - none: SPIRE signs with a self-signed root
   */
  readonly upstreamAuthority?: UpstreamAuthority;
  /**
   * Node attestors.
   * @default - none
   */
  readonly nodeAttestors?: NodeAttestor[];
  /**
   * Bundle publishers.
   * @default - none
   */
  readonly bundlePublishers?: BundlePublisher[];
  /**
   * Address of the agent/admin gRPC API.
   * @default '0.0.0.0'
   */
  readonly bindAddress?: string;
  /**
   * Port of the gRPC API.
   * @default 8081
   */
  readonly bindPort?: number;
  /**
   * Data directory.
   * @default '/run/spire/data'
   */
  readonly dataDir?: string;
  /**
   * Admin API unix socket (used by the controller manager and the CLI).
   * @default '/tmp/spire-server/private/api.sock'
   */
  readonly socketPath?: string;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Log format.
   * @default LogFormat.JSON
   */
  readonly logFormat?: LogFormat;
  /**
   * Lifetime of SPIRE's signing CA.
   * @default Duration.hours(24)
   */
  readonly caTtl?: Duration;
  /**
   * Default X509-SVID lifetime; at most `caTtl`/6 (and 7 days) so SVIDs are never shortened.
   * @default Duration.hours(1)
   */
  readonly defaultX509SvidTtl?: Duration;
  /**
   * Default JWT-SVID lifetime.
   * @default Duration.minutes(5)
   */
  readonly defaultJwtSvidTtl?: Duration;
  /**
   * Lifetime of agent SVIDs.
   * @default - the X509-SVID default
   */
  readonly agentTtl?: Duration;
  /**
   * Key type of the CA.
   * @default KeyType.EC_P256
   */
  readonly caKeyType?: KeyType;
  /**
   * Key type of the JWT signing key.
   * @default - same as `caKeyType`
   */
  readonly jwtKeyType?: KeyType;
  /**
   * Subject of the CA certificates.
   * @default - SPIRE's default (C=US, O=SPIFFE)
   */
  readonly caSubject?: CaSubject;
  /**
   * `iss` claim of JWT-SVIDs.
   * @default - none
   */
  readonly jwtIssuer?: string;
  /**
   * Emit audit logs for every API call.
   * @default true
   */
  readonly auditLogEnabled?: boolean;
  /**
   * SPIFFE IDs granted admin rights on the server API.
   * @default - none
   */
  readonly adminIds?: SpiffeId[];
  /**
   * Serve this trust domain's bundle to federated servers.
   * @default - no bundle endpoint
   */
  readonly federationBundleEndpoint?: FederationBundleEndpoint;
  /**
   * Static federation relationships.
   * @default - none
   */
  readonly federatesWith?: FederationRelationship[];
  /**
   * The health listener for probes.
   * @default new HealthChecks() (0.0.0.0:8080, /live, /ready)
   */
  readonly healthChecks?: HealthChecks;
  /**
   * Telemetry.
   * @default Telemetry.prometheus() (0.0.0.0:9988)
   */
  readonly telemetry?: Telemetry;
  /**
   * Number of server processes that share this configuration (used to refuse SQLite with
   * more than one).
   * @default 1
   */
  readonly replicas?: number;
}

const SEVEN_DAYS = Duration.days(7);

/**
 * A typed `server.conf`, rendered as JSON for `spire-server run -expandEnv -config …`.
 *
 * Cross-field rules are checked here, so a config that SPIRE would refuse, or would read
 * differently than written, cannot be built.
 */
export class ServerConfig {
  /** The trust domain. */
  public readonly trustDomain: TrustDomain;
  /** The datastore. */
  public readonly dataStore: DataStore;
  /** The key manager. */
  public readonly keyManager: KeyManager;
  /** The upstream authority, if any. */
  public readonly upstreamAuthority?: UpstreamAuthority;
  /** Node attestors. */
  public readonly nodeAttestors: NodeAttestor[];
  /** Bundle publishers. */
  public readonly bundlePublishers: BundlePublisher[];
  /** gRPC port. */
  public readonly bindPort: number;
  /** Data directory. */
  public readonly dataDir: string;
  /** Admin socket path. */
  public readonly socketPath: string;
  /** CA lifetime. */
  public readonly caTtl: Duration;
  /** Default X509-SVID lifetime. */
  public readonly defaultX509SvidTtl: Duration;
  /** Default JWT-SVID lifetime. */
  public readonly defaultJwtSvidTtl: Duration;
  /** Audit logging. */
  public readonly auditLogEnabled: boolean;
  /** Health listener. */
  public readonly healthChecks: HealthChecks;
  /** Telemetry, if any. */
  public readonly telemetry?: Telemetry;
  /** Federation bundle endpoint, if any. */
  public readonly federationBundleEndpoint?: FederationBundleEndpoint;
  /** Static federation relationships. */
  public readonly federatesWith: FederationRelationship[];

  private readonly props: ServerConfigProps;

  public constructor(props: ServerConfigProps) {
    if (!(props.trustDomain instanceof TrustDomain)) {
      throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('example.org').");
    }
    if (!(props.dataStore instanceof DataStore)) {
      throw invalidProp('dataStore', props.dataStore, 'Use DataStore.postgres({...}) or DataStore.sqlite().');
    }
    this.props = props;
    this.trustDomain = props.trustDomain;
    this.dataStore = props.dataStore;
    this.keyManager = props.keyManager ?? KeyManager.disk();
    this.upstreamAuthority = props.upstreamAuthority;
    this.nodeAttestors = [...(props.nodeAttestors ?? [])];
    this.bundlePublishers = [...(props.bundlePublishers ?? [])];
    this.bindPort = requirePort(props.bindPort ?? 8081, 'bindPort');
    this.dataDir = requireAbsolutePath(props.dataDir ?? '/run/spire/data', 'dataDir');
    this.socketPath = requireAbsolutePath(props.socketPath ?? '/tmp/spire-server/private/api.sock', 'socketPath');
    this.caTtl = props.caTtl ?? Duration.hours(24);
    this.defaultX509SvidTtl = props.defaultX509SvidTtl ?? Duration.hours(1);
    this.defaultJwtSvidTtl = props.defaultJwtSvidTtl ?? Duration.minutes(5);
    this.auditLogEnabled = props.auditLogEnabled ?? true;
    this.healthChecks = props.healthChecks ?? new HealthChecks();
    this.telemetry = props.telemetry ?? Telemetry.prometheus();
    this.federationBundleEndpoint = props.federationBundleEndpoint;
    this.federatesWith = [...(props.federatesWith ?? [])];

    const replicas = props.replicas ?? 1;
    requireWholeNumber(replicas, 'replicas', 1);
    if (replicas > 1 && this.nodeAttestors.some((n) => n.plugin.name === 'join_token')) {
      throw invalidProp(
        'nodeAttestors',
        'join_token',
        `Join tokens are one-time secrets for bootstrapping a test node; an HA server (replicas: ${replicas}) attests nodes with NodeAttestor.k8sPsat (or another platform attestor).`,
      );
    }
    if (replicas > 1 && !this.dataStore.supportsMultipleServers) {
      throw invalidProp(
        'replicas',
        replicas,
        `DataStore '${this.dataStore.databaseType}' cannot be shared by several servers; use 1 replica or DataStore.postgres({...}).`,
      );
    }
    if (compareDurations(this.caTtl, Duration.minutes(6)) < 0) {
      throw invalidProp('caTtl', renderGoDuration(this.caTtl), 'Use at least 6m.');
    }
    this.checkSvidTtl('defaultX509SvidTtl', this.defaultX509SvidTtl);
    this.checkSvidTtl('defaultJwtSvidTtl', this.defaultJwtSvidTtl);
    if (props.agentTtl) {
      this.checkSvidTtl('agentTtl', props.agentTtl);
    }
    const federated = new Set<string>();
    for (const rel of this.federatesWith) {
      if (rel.trustDomain.equals(this.trustDomain)) {
        throw invalidProp('federatesWith', rel.trustDomain.name, 'A server does not federate with its own trust domain.');
      }
      if (federated.has(rel.trustDomain.name)) {
        throw invalidProp('federatesWith', rel.trustDomain.name, 'Each trust domain appears once.');
      }
      federated.add(rel.trustDomain.name);
    }
    for (const id of props.adminIds ?? []) {
      if (!id.memberOf(this.trustDomain) && !federated.has(id.trustDomain.name)) {
        throw invalidProp('adminIds', id.uri, `Admin IDs must be in trust domain "${this.trustDomain.name}" or a federated one.`);
      }
    }
    for (const c of props.caSubject?.country ?? []) {
      if (!/^[A-Z]{2}$/.test(c)) {
        throw invalidProp('caSubject.country', c, 'Use two-letter uppercase country codes.');
      }
    }
    const admin = props.socketPath ?? '';
    if (admin && !admin.endsWith('.sock')) {
      throw invalidProp('socketPath', admin, 'Use a socket file path ending in ".sock".');
    }
    // Plugin names must be unique per type; rendering checks it now rather than at synth.
    this.toObject();
  }

  /**
   * Environment variables the file reads through `-expandEnv` (database passwords other than
   * `PGPASSWORD`, which the driver reads itself).
   */
  public get envNames(): string[] {
    return this.dataStore.passwordEnvNames.filter((n) => n !== PG_PASSWORD_ENV);
  }

  /** The config tree, before rendering. @internal */
  public _tree(): { [key: string]: ConfigValue | undefined } {
    const p = this.props;
    const federation =
      this.federationBundleEndpoint || this.federatesWith.length > 0
        ? {
          bundle_endpoint: this.federationBundleEndpoint?._render(),
          federates_with:
              this.federatesWith.length > 0
                ? Object.fromEntries(this.federatesWith.map((r) => [r.trustDomain.name, r._render()]))
                : undefined,
        }
        : undefined;
    const subject = p.caSubject
      ? {
        country: p.caSubject.country ? [...p.caSubject.country] : undefined,
        organization: p.caSubject.organization ? [...p.caSubject.organization] : undefined,
        common_name: p.caSubject.commonName,
      }
      : undefined;
    return {
      server: {
        trust_domain: this.trustDomain.name,
        bind_address: p.bindAddress ?? '0.0.0.0',
        bind_port: this.bindPort,
        data_dir: this.dataDir,
        socket_path: this.socketPath,
        log_level: p.logLevel ?? LogLevel.INFO,
        log_format: p.logFormat ?? LogFormat.JSON,
        ca_ttl: renderGoDuration(this.caTtl),
        default_x509_svid_ttl: renderGoDuration(this.defaultX509SvidTtl),
        default_jwt_svid_ttl: renderGoDuration(this.defaultJwtSvidTtl),
        agent_ttl: p.agentTtl ? renderGoDuration(p.agentTtl) : undefined,
        ca_key_type: p.caKeyType ?? KeyType.EC_P256,
        jwt_key_type: p.jwtKeyType,
        ca_subject: subject,
        jwt_issuer: p.jwtIssuer,
        audit_log_enabled: this.auditLogEnabled,
        admin_ids: p.adminIds && p.adminIds.length > 0 ? p.adminIds.map((i) => i.uri) : undefined,
        federation,
      },
      plugins: renderPlugins([
        this.dataStore.plugin,
        this.keyManager.plugin,
        ...(this.upstreamAuthority ? [this.upstreamAuthority.plugin] : []),
        ...this.nodeAttestors.map((n) => n.plugin),
        ...this.bundlePublishers.map((b) => b.plugin),
      ]),
      health_checks: this.healthChecks._render(),
      telemetry: this.telemetry?._render(),
    };
  }

  /**
   * The file content for `spire-server run -expandEnv`: pretty JSON, sorted keys, every literal
   * `$` escaped as `$$`, passwords as `${NAME}` references.
   */
  public toJson(): string {
    return renderConfig(this._tree(), { expandEnv: true });
  }

  /** The configuration as SPIRE reads it (after environment expansion, references kept). */
  public toObject(): unknown {
    return plainConfig(this._tree());
  }

  private checkSvidTtl(prop: string, ttl: Duration): void {
    const sixth = Duration.millis(this.caTtl.toMilliseconds() / 6);
    const max = compareDurations(sixth, SEVEN_DAYS) < 0 ? sixth : SEVEN_DAYS;
    if (compareDurations(ttl, max) > 0) {
      throw invalidProp(
        prop,
        renderGoDuration(ttl),
        `Use at most ${renderGoDuration(Duration.millis(Math.floor(max.toMilliseconds() / 1000) * 1000))} ('caTtl'/6 with 'caTtl' ${renderGoDuration(this.caTtl)}, capped at 7 days), or SPIRE shortens SVIDs; raise 'caTtl' or lower '${prop}'.`,
      );
    }
    if (ttl.toMilliseconds() <= 0) {
      throw invalidProp(prop, renderGoDuration(ttl), 'Use a positive duration.');
    }
  }
}
