import { Duration } from 'cdk8s';
import { invalidProp, requireAbsolutePath, requirePort } from '../validation';
import { LogFormat, LogLevel } from './common';
import { ConfigValue, plainConfig, renderConfig } from './json';
import { compareDurations, renderGoDuration } from '../spiffe/duration';
import { TrustDomain } from '../spiffe/trust-domain';

// Keys and rules from SPIRE 1.15.3, support/oidc-discovery-provider/config.go and main_posix.go:
// `domains` is required (requests whose Host or X-Forwarded-Host is not listed get 400);
// exactly one of acme, serving_cert_file, insecure_addr, listen_socket_path; exactly one of
// server_api, workload_api, file; workload_api needs socket_path and trust_domain;
// serving_cert_file needs cert_file_path and key_file_path (addr defaults to ":443").
// When jwt_issuer is set, the discovery document's `issuer` is jwt_issuer and its `jwks_uri`
// (unless set) is derived from it: allow_insecure_scheme then changes nothing, so it is never set.

/** Serve HTTPS with a certificate and key from files (`serving_cert_file`), reloaded when they change. */
export interface OidcServingCertFileOptions {
  /** PEM certificate (chain) file. */
  readonly certFilePath: string;
  /** PEM private key file. */
  readonly keyFilePath: string;
  /**
   * TCP port of the HTTPS listener (`addr` `:<port>`).
   * @default 8443
   */
  readonly port?: number;
}

/** Properties of {@link OidcDiscoveryProviderConfig}. */
export interface OidcDiscoveryProviderConfigProps {
  /** The trust domain whose JWT bundle is served (`workload_api.trust_domain`). */
  readonly trustDomain: TrustDomain;
  /**
   * The issuer (`jwt_issuer`): `https://<host>`, exactly the server's `jwt_issuer`. The discovery
   * document's `jwks_uri` is `<issuer>/keys`.
   */
  readonly jwtIssuer: string;
  /**
   * Host names the provider answers for (`domains`); must contain the issuer's host.
   * @default - the issuer's host only
   */
  readonly domains?: string[];
  /** The Workload API socket (`workload_api.socket_path`), a path, not a `unix://` URI. */
  readonly workloadApiSocketPath: string;
  /**
   * How often the JWT bundle is fetched (`workload_api.poll_interval`).
   * @default - SPIRE's default (10s)
   */
  readonly pollInterval?: Duration;
  /**
   * Serve HTTPS from certificate files. Exactly one of `servingCertFile` and `insecurePort`.
   * @default - none
   */
  readonly servingCertFile?: OidcServingCertFileOptions;
  /**
   * Serve plain HTTP on this port (`insecure_addr` `:<port>`), for a proxy that terminates TLS
   * in front of it. Exactly one of `servingCertFile` and `insecurePort`.
   * @default - none
   */
  readonly insecurePort?: number;
  /**
   * Port of the health listener (`health_checks.bind_port`; `/live` and `/ready`).
   * @default 8008
   */
  readonly healthPort?: number;
  /**
   * Set `use: sig` on every key (`set_key_use`), for JWKS clients that require it.
   * @default false
   */
  readonly setKeyUse?: boolean;
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
}

/**
 * A typed `oidc-discovery-provider.conf` for SPIRE's OIDC discovery provider
 * (`oidc-discovery-provider -config …`, no `-expandEnv`), rendered as JSON. Keys come from the
 * JWT bundle of the Workload API; the issuer is https and its host is among `domains`.
 */
export class OidcDiscoveryProviderConfig {
  /** The trust domain. */
  public readonly trustDomain: TrustDomain;
  /** `jwt_issuer`. */
  public readonly jwtIssuer: string;
  /** `jwks_uri`: `<issuer>/keys`. */
  public readonly jwksUri: string;
  /** `domains`, the issuer's host first. */
  public readonly domains: string[];
  /** Port the documents are served on (HTTPS or plain HTTP). */
  public readonly port: number;
  /** True when the provider serves HTTPS itself. */
  public readonly tls: boolean;
  /** Port of the health listener. */
  public readonly healthPort: number;

  private readonly props: OidcDiscoveryProviderConfigProps;

  public constructor(props: OidcDiscoveryProviderConfigProps) {
    if (!(props.trustDomain instanceof TrustDomain)) {
      throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('example.org').");
    }
    this.props = props;
    this.trustDomain = props.trustDomain;
    const host = checkOidcIssuer(props.jwtIssuer, 'jwtIssuer');
    this.jwtIssuer = props.jwtIssuer;
    this.jwksUri = `${this.jwtIssuer}/keys`;
    const domains = [...new Set([host, ...(props.domains ?? [])])];
    for (const d of domains) {
      checkOidcDomain(d, 'domains');
    }
    if (props.domains !== undefined && !props.domains.includes(host)) {
      throw invalidProp('domains', props.domains, `Include the issuer's host "${host}": the provider refuses requests for any host not listed.`);
    }
    this.domains = domains;
    requireAbsolutePath(props.workloadApiSocketPath, 'workloadApiSocketPath');
    if (props.pollInterval !== undefined && compareDurations(props.pollInterval, Duration.seconds(1)) < 0) {
      throw invalidProp('pollInterval', renderGoDuration(props.pollInterval), 'Use at least 1s.');
    }
    if ((props.servingCertFile === undefined) === (props.insecurePort === undefined)) {
      throw invalidProp(
        props.servingCertFile ? 'insecurePort' : 'servingCertFile',
        props.servingCertFile ? props.insecurePort : undefined,
        'Give exactly one of servingCertFile (the provider serves HTTPS) and insecurePort (plain HTTP behind a proxy that terminates TLS).',
      );
    }
    if (props.servingCertFile) {
      requireAbsolutePath(props.servingCertFile.certFilePath, 'servingCertFile.certFilePath');
      requireAbsolutePath(props.servingCertFile.keyFilePath, 'servingCertFile.keyFilePath');
      this.port = requirePort(props.servingCertFile.port ?? 8443, 'servingCertFile.port');
    } else {
      this.port = requirePort(props.insecurePort, 'insecurePort');
    }
    this.tls = props.servingCertFile !== undefined;
    this.healthPort = requirePort(props.healthPort ?? 8008, 'healthPort');
    if (this.healthPort === this.port) {
      throw invalidProp('healthPort', this.healthPort, `Port ${this.port} already serves the discovery document; use another port (default 8008).`);
    }
    this.toObject();
  }

  /** The config tree, before rendering. @internal */
  public _tree(): { [key: string]: ConfigValue | undefined } {
    const p = this.props;
    return {
      domains: [...this.domains],
      jwt_issuer: this.jwtIssuer,
      jwks_uri: this.jwksUri,
      set_key_use: p.setKeyUse === true ? true : undefined,
      serving_cert_file: p.servingCertFile
        ? { cert_file_path: p.servingCertFile.certFilePath, key_file_path: p.servingCertFile.keyFilePath, addr: `:${this.port}` }
        : undefined,
      insecure_addr: p.servingCertFile ? undefined : `:${this.port}`,
      workload_api: {
        socket_path: p.workloadApiSocketPath,
        trust_domain: this.trustDomain.name,
        poll_interval: p.pollInterval ? renderGoDuration(p.pollInterval) : undefined,
      },
      // bind_port is an int in config.go (the README's "string" is wrong for JSON).
      health_checks: { bind_port: this.healthPort, live_path: '/live', ready_path: '/ready' },
      log_level: p.logLevel ?? LogLevel.INFO,
      log_format: p.logFormat ?? LogFormat.JSON,
    };
  }

  /** The file content for `oidc-discovery-provider -config` (pretty JSON, sorted keys). */
  public toJson(): string {
    return renderConfig(this._tree(), { expandEnv: false });
  }

  /** The configuration as the provider reads it. */
  public toObject(): unknown {
    return plainConfig(this._tree());
  }
}

/** A host name the provider can be served under (punycode, lowercase, not an IP address). */
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)*[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

function checkOidcDomain(value: string, prop: string): string {
  if (typeof value !== 'string' || !DNS_NAME.test(value)) {
    throw invalidProp(prop, value, 'Use lowercase DNS names (punycode for international names, no IP addresses, no trailing ".").');
  }
  return value;
}

/**
 * Checks an OIDC issuer URL and returns its host: exactly `https://<host>` (lowercase DNS name,
 * no port, path, query, fragment or user info), as cloud IAM (AWS, GCP, Azure) fetches
 * `<issuer>/.well-known/openid-configuration` over https on port 443, and the `iss` of
 * JWT-SVIDs must equal it character for character.
 *
 * @internal
 */
export function checkOidcIssuer(value: string | undefined, prop: string): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url && url.protocol !== 'https:') {
    throw invalidProp(
      prop,
      value,
      'Use an https:// URL: cloud IAM (AWS, GCP, Azure) and OIDC relying parties fetch the discovery document and keys only over https (terminate TLS at an Ingress if the provider serves plain HTTP).',
    );
  }
  if (!url || value !== `https://${url.hostname}` || !DNS_NAME.test(url.hostname)) {
    throw invalidProp(
      prop,
      value,
      'Use exactly "https://<host>": a lowercase DNS name, no port, path, trailing "/", query or user info (the `iss` of JWT-SVIDs must equal it character for character).',
    );
  }
  return url.hostname;
}
