import { Duration } from 'cdk8s';
import { FederatedTrustDomain } from './federated-trust-domain';

/** What every identity (workload or static) can set besides its selectors. */
export interface IdentityOptions {
  /**
   * X509-SVID lifetime; above 1h only with `longTtlReason`.
   * @default Duration.hours(1)
   */
  readonly x509SvidTtl?: Duration;
  /**
   * Why this identity needs an X509-SVID lifetime above 1h (at least 10 characters; shown in
   * the report and acknowledges checklist rule SPIRE-ID2).
   * @default - none: lifetimes above 1h are refused
   */
  readonly longTtlReason?: string;
  /**
   * JWT-SVID lifetime.
   * @default Duration.minutes(5)
   */
  readonly jwtSvidTtl?: Duration;
  /**
   * DNS names put into the X509-SVID. A wildcard (`*.example.com`) lets the workload serve as
   * every host under it: refused unless `wildcardDnsNamesReason` says why.
   * @default - none
   */
  readonly dnsNames?: string[];
  /**
   * Why a wildcard DNS name is acceptable for this workload (at least 10 characters; shown in
   * the reports).
   * @default - wildcard DNS names are refused
   */
  readonly wildcardDnsNamesReason?: string;
  /**
   * Federated trust domains whose bundles the workload receives.
   * @default - none
   */
  readonly federatesWith?: FederatedTrustDomain[];
  /**
   * Why this workload may use the SPIRE admin API (at least 10 characters). Sets `admin: true`.
   * @default - not an admin
   */
  readonly adminReason?: string;
  /**
   * Why this workload is a downstream SPIRE server (at least 10 characters). Sets `downstream: true`.
   * @default - not downstream
   */
  readonly downstreamReason?: string;
}
