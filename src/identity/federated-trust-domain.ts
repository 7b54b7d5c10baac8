import { Construct } from 'constructs';
import { ClusterFederatedTrustDomain, ClusterFederatedTrustDomainSpecBundleEndpointProfileType } from '../imports/spire.spiffe.io';
import { clusterScoped } from '../k8s/cluster-scoped';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { SpireServer } from '../server/spire-server';
import { SpiffeId } from '../spiffe/spiffe-id';
import { TrustDomain } from '../spiffe/trust-domain';
import { invalidProp, requireHttpsUrl, withConstructPath } from '../validation';

/** How the foreign bundle endpoint authenticates itself. */
export class BundleEndpointAuth {
  /** `https_spiffe`: an X509-SVID of the foreign trust domain with this SPIFFE ID. */
  public static httpsSpiffe(endpointSpiffeId: SpiffeId): BundleEndpointAuth {
    if (!(endpointSpiffeId instanceof SpiffeId)) {
      throw invalidProp('endpointSpiffeId', endpointSpiffeId, "Use SpiffeId.parse('spiffe://partner.example/spire/server').");
    }
    return new BundleEndpointAuth(ClusterFederatedTrustDomainSpecBundleEndpointProfileType.HTTPS_UNDERSCORE_SPIFFE, endpointSpiffeId);
  }

  /** `https_web`: a Web PKI certificate. */
  public static httpsWeb(): BundleEndpointAuth {
    return new BundleEndpointAuth(ClusterFederatedTrustDomainSpecBundleEndpointProfileType.HTTPS_UNDERSCORE_WEB);
  }

  private constructor(
    /** @internal */
    public readonly type: ClusterFederatedTrustDomainSpecBundleEndpointProfileType,
    /** The endpoint's SPIFFE ID (https_spiffe). */
    public readonly endpointSpiffeId?: SpiffeId,
  ) {}
}

/** Properties of {@link FederatedTrustDomain}. */
export interface FederatedTrustDomainProps {
  /** The server that federates. */
  readonly server: SpireServer;
  /** The foreign trust domain. */
  readonly trustDomain: TrustDomain;
  /** Its bundle endpoint URL (https). */
  readonly bundleEndpointUrl: string;
  /** How that endpoint authenticates. */
  readonly auth: BundleEndpointAuth;
  /**
   * Name of the ClusterFederatedTrustDomain.
   * @default - the trust domain name with dots as dashes
   */
  readonly name?: string;
}

/**
 * Federation with a foreign trust domain: a `ClusterFederatedTrustDomain` the controller
 * manager turns into a SPIRE federation relationship. It also turns on the server's own
 * federation bundle endpoint, so the relationship can be mutual. Identities may then list it in
 * `federatesWith`. The primary child (`Resource`) is the ClusterFederatedTrustDomain.
 */
export class FederatedTrustDomain extends Construct {
  /** The foreign trust domain. */
  public readonly trustDomain: TrustDomain;
  /** The server. */
  public readonly server: SpireServer;

  public constructor(scope: Construct, id: string, props: FederatedTrustDomainProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.server instanceof SpireServer)) {
        throw invalidProp('server', props.server, 'Give the SpireServer that federates.');
      }
      if (!(props.trustDomain instanceof TrustDomain)) {
        throw invalidProp('trustDomain', props.trustDomain, "Use TrustDomain.of('partner.example').");
      }
      if (props.trustDomain.equals(props.server.trustDomain)) {
        throw invalidProp('trustDomain', props.trustDomain.name, 'A server does not federate with its own trust domain.');
      }
      const url = requireHttpsUrl(props.bundleEndpointUrl, 'bundleEndpointUrl');
      if (props.auth.endpointSpiffeId && !props.auth.endpointSpiffeId.memberOf(props.trustDomain)) {
        throw invalidProp('auth.endpointSpiffeId', props.auth.endpointSpiffeId.uri, `The endpoint's SPIFFE ID must be in trust domain "${props.trustDomain.name}".`);
      }
      this.trustDomain = props.trustDomain;
      this.server = props.server;
      props.server.enableFederationBundleEndpoint();
      clusterScoped(
        new ClusterFederatedTrustDomain(this, 'Resource', {
          metadata: { name: props.name ?? props.trustDomain.name.replace(/[._]/g, '-') },
          spec: {
            className: props.server.className,
            trustDomain: props.trustDomain.name,
            bundleEndpointUrl: url,
            bundleEndpointProfile: { type: props.auth.type, endpointSpiffeid: props.auth.endpointSpiffeId?.uri },
          },
        }),
      );
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }
}
