import { Duration } from 'cdk8s';
import { invalidProp, requireAbsolutePath, requireHttpsUrl, requirePort, requireString } from '../validation';
import { ConfigValue } from './json';
import { renderGoDuration } from '../spiffe/duration';
import { SpiffeId } from '../spiffe/spiffe-id';
import { TrustDomain } from '../spiffe/trust-domain';

/** Options of {@link BundleEndpointProfile.httpsWebAcme}. */
export interface AcmeOptions {
  /** Domain name of the bundle endpoint. */
  readonly domainName: string;
  /** Contact email for the ACME account. */
  readonly email: string;
  /** You accept the ACME provider's terms of service. */
  readonly tosAccepted: boolean;
  /**
   * ACME directory URL.
   * @default - Let's Encrypt v2
   */
  readonly directoryUrl?: string;
}

/**
 * How this server's federation bundle endpoint authenticates itself.
 */
export class BundleEndpointProfile {
  /** `https_spiffe`: the endpoint presents an X509-SVID of this trust domain. */
  public static httpsSpiffe(): BundleEndpointProfile {
    return new BundleEndpointProfile({ https_spiffe: {} });
  }

  /** `https_web` with a serving certificate from files (e.g. a cert-manager Secret). */
  public static httpsWebServingCert(certFilePath: string, keyFilePath: string): BundleEndpointProfile {
    return new BundleEndpointProfile({
      https_web: {
        serving_cert_file: {
          cert_file_path: requireAbsolutePath(certFilePath, 'httpsWebServingCert.certFilePath'),
          key_file_path: requireAbsolutePath(keyFilePath, 'httpsWebServingCert.keyFilePath'),
        },
      },
    });
  }

  /** `https_web` with a certificate obtained through ACME. */
  public static httpsWebAcme(options: AcmeOptions): BundleEndpointProfile {
    requireString(options.domainName, 'acme.domainName', 'Give the domain name of the bundle endpoint.');
    requireString(options.email, 'acme.email', 'Give a contact email.');
    if (options.tosAccepted !== true) {
      throw invalidProp('acme.tosAccepted', options.tosAccepted, 'ACME needs the terms of service accepted (true).');
    }
    return new BundleEndpointProfile({
      https_web: {
        acme: {
          domain_name: options.domainName,
          email: options.email,
          tos_accepted: true,
          directory_url: options.directoryUrl,
        },
      },
    });
  }

  private constructor(private readonly block: { [key: string]: ConfigValue }) {}

  /** @internal */
  public _render(): { [key: string]: ConfigValue } {
    return this.block;
  }
}

/** Options of {@link FederationBundleEndpoint}. */
export interface FederationBundleEndpointOptions {
  /**
   * Address to listen on.
   * @default '0.0.0.0'
   */
  readonly address?: string;
  /**
   * Port to listen on.
   * @default 8443
   */
  readonly port?: number;
  /**
   * How often federated servers should refresh the bundle (1m to 24h).
   * @default - SPIRE's default (5m)
   */
  readonly refreshHint?: Duration;
  /**
   * How the endpoint authenticates itself.
   * @default BundleEndpointProfile.httpsSpiffe()
   */
  readonly profile?: BundleEndpointProfile;
}

/** This server's federation bundle endpoint (`federation.bundle_endpoint`). */
export class FederationBundleEndpoint {
  /** Address. */
  public readonly address: string;
  /** Port. */
  public readonly port: number;
  private readonly refreshHint?: Duration;
  private readonly profile: BundleEndpointProfile;

  public constructor(options: FederationBundleEndpointOptions = {}) {
    this.address = options.address ?? '0.0.0.0';
    this.port = requirePort(options.port ?? 8443, 'bundleEndpoint.port');
    if (options.refreshHint) {
      const ms = options.refreshHint.toMilliseconds();
      if (ms < 60_000 || ms >= 24 * 3_600_000) {
        throw invalidProp('bundleEndpoint.refreshHint', renderGoDuration(options.refreshHint), 'Use at least 1m and less than 24h.');
      }
    }
    this.refreshHint = options.refreshHint;
    this.profile = options.profile ?? BundleEndpointProfile.httpsSpiffe();
  }

  /** @internal */
  public _render(): { [key: string]: ConfigValue | undefined } {
    return {
      address: this.address,
      port: this.port,
      refresh_hint: this.refreshHint ? renderGoDuration(this.refreshHint) : undefined,
      profile: this.profile._render(),
    };
  }
}

/** Options of {@link FederationRelationship.httpsSpiffe}. */
export interface HttpsSpiffeRelationshipOptions {
  /** The foreign trust domain. */
  readonly trustDomain: TrustDomain;
  /** Its bundle endpoint URL (https). */
  readonly bundleEndpointUrl: string;
  /** The SPIFFE ID the endpoint presents. */
  readonly endpointSpiffeId: SpiffeId;
}

/** Options of {@link FederationRelationship.httpsWeb}. */
export interface HttpsWebRelationshipOptions {
  /** The foreign trust domain. */
  readonly trustDomain: TrustDomain;
  /** Its bundle endpoint URL (https, with a Web PKI certificate). */
  readonly bundleEndpointUrl: string;
}

/** A static federation relationship (`federation.federates_with`). */
export class FederationRelationship {
  /** The endpoint authenticates with an X509-SVID of the foreign trust domain. */
  public static httpsSpiffe(options: HttpsSpiffeRelationshipOptions): FederationRelationship {
    const url = requireHttpsUrl(options.bundleEndpointUrl, 'httpsSpiffe.bundleEndpointUrl');
    return new FederationRelationship(options.trustDomain, url, {
      https_spiffe: { endpoint_spiffe_id: options.endpointSpiffeId.uri },
    });
  }

  /** The endpoint authenticates with a Web PKI certificate. */
  public static httpsWeb(options: HttpsWebRelationshipOptions): FederationRelationship {
    const url = requireHttpsUrl(options.bundleEndpointUrl, 'httpsWeb.bundleEndpointUrl');
    return new FederationRelationship(options.trustDomain, url, { https_web: {} });
  }

  private constructor(
    /** The foreign trust domain. */
    public readonly trustDomain: TrustDomain,
    /** Its bundle endpoint URL. */
    public readonly bundleEndpointUrl: string,
    private readonly profile: { [key: string]: ConfigValue },
  ) {}

  /** @internal */
  public _render(): { [key: string]: ConfigValue } {
    return { bundle_endpoint_url: this.bundleEndpointUrl, bundle_endpoint_profile: this.profile };
  }
}
