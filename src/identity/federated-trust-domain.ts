import { Construct } from 'constructs';
import { ClusterFederatedTrustDomain, ClusterFederatedTrustDomainSpecBundleEndpointProfileType } from '../imports/spire.spiffe.io';
import { clusterScoped } from '../k8s/cluster-scoped';
import { inClusterNamespaceOf } from '../k8s/network-destination';
import { checkCidrs } from '../k8s/network-peers';
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
   * The partner's trust bundle to start from, in SPIFFE bundle format (the JSON of
   * `spire-server bundle show -format spiffe` on the partner's server). With `https_spiffe` the
   * server authenticates the partner's endpoint with this bundle: without it the relationship
   * cannot start. Not needed with `https_web` (Web PKI).
   * @default - none: required with `https_spiffe` unless `bootstrapBundleSetManually`
   */
  readonly trustDomainBundle?: string;
  /**
   * The partner's bundle is set on the server out of band, once, with
   * `spire-server bundle set -format spiffe -id spiffe://<partner>` (the federation starts
   * after that).
   * @default false
   */
  readonly bootstrapBundleSetManually?: boolean;
  /**
   * CIDR of the partner's bundle endpoint, for the server's NetworkPolicy egress.
   * @default - an in-cluster Service host is selected by namespace; any other host: any address
   *   on the endpoint's port only (the reason is written on the NetworkPolicy)
   */
  readonly bundleEndpointCidr?: string;
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
      const bundle = props.trustDomainBundle;
      if (bundle !== undefined) checkSpiffeBundle(bundle, props.trustDomain);
      const httpsSpiffe = props.auth.type === ClusterFederatedTrustDomainSpecBundleEndpointProfileType.HTTPS_UNDERSCORE_SPIFFE;
      if (httpsSpiffe && bundle === undefined && !props.bootstrapBundleSetManually) {
        throw invalidProp(
          'trustDomainBundle',
          undefined,
          `With https_spiffe the server authenticates ${props.bundleEndpointUrl} with the partner's own bundle, which it does not have yet: give the output of ` +
            "'spire-server bundle show -format spiffe' on the partner's server, or set it once with 'spire-server bundle set -format spiffe -id " +
            `${props.trustDomain.id}' and say bootstrapBundleSetManually: true.`,
        );
      }
      if (props.bundleEndpointCidr !== undefined) checkCidrs([props.bundleEndpointCidr], 'bundleEndpointCidr');
      this.trustDomain = props.trustDomain;
      this.server = props.server;
      props.server.enableFederationBundleEndpoint();
      // The server fetches the partner's bundle itself: its NetworkPolicy must let it out.
      const endpoint = new URL(url);
      const port = endpoint.port ? Number(endpoint.port) : 443;
      const namespace = props.bundleEndpointCidr === undefined ? inClusterNamespaceOf(endpoint.hostname) : undefined;
      props.server.allowEgress(namespace
        ? { port, namespace }
        : {
          port,
          cidr: props.bundleEndpointCidr ?? '0.0.0.0/0',
          reason: props.bundleEndpointCidr ? undefined : `the bundle endpoint of ${props.trustDomain.name} (${endpoint.hostname}) is outside the cluster, at an address the partner controls`,
        });
      clusterScoped(
        new ClusterFederatedTrustDomain(this, 'Resource', {
          metadata: { name: props.name ?? props.trustDomain.name.replace(/[._]/g, '-') },
          spec: {
            className: props.server.className,
            trustDomain: props.trustDomain.name,
            bundleEndpointUrl: url,
            bundleEndpointProfile: { type: props.auth.type, endpointSpiffeid: props.auth.endpointSpiffeId?.uri },
            trustDomainBundle: bundle,
          },
        }),
      );
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }
}

/** Checks a SPIFFE bundle (JWKS JSON) as the controller manager reads it (spiffebundle.Read). */
function checkSpiffeBundle(bundle: string, td: TrustDomain): void {
  const refuse = (why: string) => invalidProp(
    'trustDomainBundle',
    bundle.length > 60 ? `${bundle.slice(0, 60)}…` : bundle,
    `${why} Give the SPIFFE bundle of ${td.name} (the JSON of 'spire-server bundle show -format spiffe' on its server).`,
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(bundle);
  } catch {
    throw refuse(bundle.includes('BEGIN CERTIFICATE') ? 'This is PEM; the controller manager reads the SPIFFE bundle format (JSON).' : 'This is not JSON.');
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) throw refuse('It has no "keys".');
  const x509 = keys.filter((k) => (k as { use?: string }).use === 'x509-svid');
  if (x509.length === 0 || x509.some((k) => !Array.isArray((k as { x5c?: unknown }).x5c) || (k as { x5c: unknown[] }).x5c.length !== 1)) {
    throw refuse('It has no x509-svid key with exactly one certificate in "x5c".');
  }
}
