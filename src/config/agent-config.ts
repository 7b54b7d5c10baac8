import * as path from 'path';
import { Duration } from 'cdk8s';
import { invalidProp, requireAbsolutePath, requireNonNegativeInt, requirePort, requireString } from '../validation';
import { AgentKeyManager } from './agent-key-manager';
import { KeyType, LogFormat, LogLevel } from './common';
import { HealthChecks } from './health-checks';
import { ConfigValue, plainConfig, renderConfig } from './json';
import { AgentNodeAttestor } from './node-attestor';
import { renderPlugins } from './plugin';
import { Telemetry } from './telemetry';
import { TrustBundleSource } from './trust-bundle-source';
import { WorkloadAttestor } from './workload-attestor';
import { compareDurations, renderGoDuration } from '../spiffe/duration';
import { SpiffeId } from '../spiffe/spiffe-id';
import { TrustDomain } from '../spiffe/trust-domain';

/** Envoy SDS settings of the agent (`sds`). */
export interface SdsOptions {
  /**
   * Name of the default X509-SVID resource.
   * @default 'default'
   */
  readonly defaultSvidName?: string;
  /**
   * Name of the trust bundle resource.
   * @default 'ROOTCA'
   */
  readonly defaultBundleName?: string;
  /**
   * Name of the resource with all bundles (own and federated).
   * @default 'ALL'
   */
  readonly defaultAllBundlesName?: string;
  /**
   * Let Envoy validate peers itself instead of with SPIFFE validation.
   * @default false
   */
  readonly disableSpiffeCertValidation?: boolean;
}

/** Properties of {@link AgentConfig}. */
export interface AgentConfigProps {
  /** The trust domain (the server's). */
  readonly trustDomain: TrustDomain;
  /** DNS name of the server Service. */
  readonly serverAddress: string;
  /**
   * Server gRPC port.
   * @default 8081
   */
  readonly serverPort?: number;
  /** How the agent attests its node (exactly one). */
  readonly nodeAttestor: AgentNodeAttestor;
  /** How the agent attests workloads (at least one). */
  readonly workloadAttestors: WorkloadAttestor[];
  /**
   * Where the agent keeps its keys.
   * @default AgentKeyManager.memory()
   */
  readonly keyManager?: AgentKeyManager;
  /**
   * Trust bundle for bootstrapping.
   * @default TrustBundleSource.file('/run/spire/bundle/bundle.crt')
   */
  readonly trustBundle?: TrustBundleSource;
  /**
   * Data directory.
   * @default '/var/lib/spire'
   */
  readonly dataDir?: string;
  /**
   * Workload API (and SDS) socket.
   * @default '/run/spire/agent-sockets/spire-agent.sock'
   */
  readonly socketPath?: string;
  /**
   * Admin API socket; must not be in the Workload API socket's directory.
   * @default - admin API disabled
   */
  readonly adminSocketPath?: string;
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
   * Envoy SDS settings.
   * @default - SPIRE's defaults
   */
  readonly sds?: SdsOptions;
  /**
   * Minimum time SVIDs stay valid while the server is unreachable (at least 24h).
   * @default - SPIRE's behaviour (renew at half life)
   */
  readonly availabilityTarget?: Duration;
  /**
   * Maximum X509-SVIDs cached.
   * @default 1000
   */
  readonly x509SvidCacheMaxSize?: number;
  /**
   * Maximum JWT-SVIDs cached.
   * @default 1000
   */
  readonly jwtSvidCacheMaxSize?: number;
  /**
   * Key type of workload X509-SVIDs.
   * @default KeyType.EC_P256
   */
  readonly workloadX509SvidKeyType?: KeyType;
  /**
   * Delegates allowed to fetch SVIDs on behalf of workloads.
   * @default - none
   */
  readonly authorizedDelegates?: SpiffeId[];
  /**
   * Health listener.
   * @default new HealthChecks() (0.0.0.0:8080, /live, /ready)
   */
  readonly healthChecks?: HealthChecks;
  /**
   * Telemetry.
   * @default Telemetry.prometheus() (0.0.0.0:9988)
   */
  readonly telemetry?: Telemetry;
}

/**
 * A typed `agent.conf`, rendered as JSON for `spire-agent run -config …` (no `-expandEnv`).
 */
export class AgentConfig {
  /** The trust domain. */
  public readonly trustDomain: TrustDomain;
  /** Node attestor. */
  public readonly nodeAttestor: AgentNodeAttestor;
  /** Workload attestors. */
  public readonly workloadAttestors: WorkloadAttestor[];
  /** Workload API socket. */
  public readonly socketPath: string;
  /** Data directory. */
  public readonly dataDir: string;
  /** Trust bundle source. */
  public readonly trustBundle: TrustBundleSource;
  /** Health listener. */
  public readonly healthChecks: HealthChecks;
  /** Telemetry, if any. */
  public readonly telemetry?: Telemetry;

  private readonly props: AgentConfigProps;

  public constructor(props: AgentConfigProps) {
    if (!(props.trustDomain instanceof TrustDomain)) {
      throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('example.org').");
    }
    requireString(props.serverAddress, 'serverAddress', 'Give the DNS name of the SPIRE server Service.');
    requirePort(props.serverPort ?? 8081, 'serverPort');
    if (!(props.nodeAttestor instanceof AgentNodeAttestor)) {
      throw invalidProp('nodeAttestor', props.nodeAttestor, 'Use AgentNodeAttestor.k8sPsat({...}).');
    }
    if (!Array.isArray(props.workloadAttestors) || props.workloadAttestors.length === 0) {
      throw invalidProp('workloadAttestors', props.workloadAttestors, 'List at least one, e.g. [WorkloadAttestor.k8s()].');
    }
    this.props = props;
    this.trustDomain = props.trustDomain;
    this.nodeAttestor = props.nodeAttestor;
    this.workloadAttestors = [...props.workloadAttestors];
    this.socketPath = requireAbsolutePath(props.socketPath ?? '/run/spire/agent-sockets/spire-agent.sock', 'socketPath');
    this.dataDir = requireAbsolutePath(props.dataDir ?? '/var/lib/spire', 'dataDir');
    this.trustBundle = props.trustBundle ?? TrustBundleSource.file('/run/spire/bundle/bundle.crt');
    this.healthChecks = props.healthChecks ?? new HealthChecks();
    this.telemetry = props.telemetry ?? Telemetry.prometheus();

    if (props.adminSocketPath !== undefined) {
      const admin = requireAbsolutePath(props.adminSocketPath, 'adminSocketPath');
      const publicDir = path.posix.dirname(this.socketPath);
      const rel = path.posix.relative(publicDir, admin);
      if (!rel.startsWith('..')) {
        throw invalidProp(
          'adminSocketPath',
          admin,
          `The admin socket must not be in or below the Workload API socket's directory (${publicDir}), which workloads can reach; use e.g. /tmp/spire-agent/private/admin.sock.`,
        );
      }
    }
    if (props.availabilityTarget && compareDurations(props.availabilityTarget, Duration.hours(24)) < 0) {
      throw invalidProp('availabilityTarget', renderGoDuration(props.availabilityTarget), 'Use at least 24h (SPIRE refuses less).');
    }
    requireNonNegativeInt(props.x509SvidCacheMaxSize, 'x509SvidCacheMaxSize');
    requireNonNegativeInt(props.jwtSvidCacheMaxSize, 'jwtSvidCacheMaxSize');
    if (props.workloadX509SvidKeyType === KeyType.RSA_4096) {
      throw invalidProp('workloadX509SvidKeyType', props.workloadX509SvidKeyType, 'Agents accept rsa-2048, ec-p256 or ec-p384.');
    }
    for (const d of props.authorizedDelegates ?? []) {
      if (!d.memberOf(this.trustDomain)) {
        throw invalidProp('authorizedDelegates', d.uri, `Delegates must be in trust domain "${this.trustDomain.name}".`);
      }
    }
    const names = new Set<string>();
    for (const w of this.workloadAttestors) {
      if (names.has(w.plugin.name)) {
        throw invalidProp('workloadAttestors', w.plugin.name, 'Each workload attestor appears once.');
      }
      names.add(w.plugin.name);
    }
    const sds = props.sds;
    if (sds?.defaultAllBundlesName !== undefined && sds.defaultAllBundlesName === (sds.defaultBundleName ?? 'ROOTCA')) {
      throw invalidProp('sds.defaultAllBundlesName', sds.defaultAllBundlesName, "Use a name different from 'defaultBundleName' (SPIRE ignores it otherwise).");
    }
    this.toObject();
  }

  /** The config tree, before rendering. @internal */
  public _tree(): { [key: string]: ConfigValue | undefined } {
    const p = this.props;
    const sds = p.sds
      ? {
        default_svid_name: p.sds.defaultSvidName,
        default_bundle_name: p.sds.defaultBundleName,
        default_all_bundles_name: p.sds.defaultAllBundlesName,
        disable_spiffe_cert_validation: p.sds.disableSpiffeCertValidation,
      }
      : undefined;
    return {
      agent: {
        trust_domain: this.trustDomain.name,
        server_address: p.serverAddress,
        server_port: p.serverPort ?? 8081,
        data_dir: this.dataDir,
        socket_path: this.socketPath,
        admin_socket_path: p.adminSocketPath,
        log_level: p.logLevel ?? LogLevel.INFO,
        log_format: p.logFormat ?? LogFormat.JSON,
        ...this.trustBundle._render(),
        sds,
        availability_target: p.availabilityTarget ? renderGoDuration(p.availabilityTarget) : undefined,
        x509_svid_cache_max_size: p.x509SvidCacheMaxSize,
        jwt_svid_cache_max_size: p.jwtSvidCacheMaxSize,
        workload_x509_svid_key_type: p.workloadX509SvidKeyType,
        authorized_delegates: p.authorizedDelegates?.map((d) => d.uri),
      },
      plugins: renderPlugins([
        this.nodeAttestor.plugin,
        (p.keyManager ?? AgentKeyManager.memory()).plugin,
        ...this.workloadAttestors.map((w) => w.plugin),
      ]),
      health_checks: this.healthChecks._render(),
      telemetry: this.telemetry?._render(),
    };
  }

  /** The file content for `spire-agent run -config` (pretty JSON, sorted keys). */
  public toJson(): string {
    return renderConfig(this._tree(), { expandEnv: false });
  }

  /** The configuration as SPIRE reads it. */
  public toObject(): unknown {
    return plainConfig(this._tree());
  }
}
