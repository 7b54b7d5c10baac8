import { Rule } from '../rule';
import { agentEveryNode } from './agent/agent-every-node';
import { agentIstioSocket } from './agent/agent-istio-socket';
import { kubeletVerification } from './attestation/kubelet-verification';
import { psatNodeAttestation } from './attestation/psat-node-attestation';
import { caTtl } from './ca/ca-ttl';
import { svidTtl } from './ca/svid-ttl';
import { upstreamAuthority } from './ca/upstream-authority';
import { postgresDatastore } from './datastore/postgres-datastore';
import { postgresTls } from './datastore/postgres-tls';
import { identityPins } from './identity/identity-pins';
import { identityTtl } from './identity/identity-ttl';
import { workloadHasIdentity } from './identity/workload-has-identity';
import { denyBaseline } from './mesh/deny-baseline';
import { istioFederatedBundles } from './mesh/istio-federated-bundles';
import { istioSpireInjection } from './mesh/istio-spire-injection';
import { istioTrustDomain } from './mesh/istio-trust-domain';
import { linkerdInjected } from './mesh/linkerd-injected';
import { mtlsStrict } from './mesh/mtls-strict';
import { noWildcardPrincipals } from './mesh/no-wildcard-principals';
import { wideCidrs } from './network/wide-cidrs';
import { oidcIssuer } from './oidc/oidc-issuer';
import { alerts } from './operations/alerts';
import { noSecretLiterals } from './security/no-secret-literals';
import { pinnedImages } from './security/pinned-images';
import { auditLog } from './server/audit-log';
import { controllerManager } from './server/controller-manager';
import { serverDisruptionBudget } from './server/server-disruption-budget';
import { serverNetworkPolicy } from './server/server-network-policy';
import { serverPodSecurity } from './server/server-pod-security';
import { serverReplicas } from './server/server-replicas';
import { serverSpread } from './server/server-spread';

/** Every rule of the production checklist, in report order. Ids are stable and never reused. */
export const RULES: ReadonlyArray<Rule> = [
  serverReplicas,
  serverDisruptionBudget,
  serverSpread,
  serverPodSecurity,
  serverNetworkPolicy,
  auditLog,
  controllerManager,
  postgresDatastore,
  postgresTls,
  upstreamAuthority,
  caTtl,
  svidTtl,
  psatNodeAttestation,
  kubeletVerification,
  agentEveryNode,
  agentIstioSocket,
  identityPins,
  identityTtl,
  workloadHasIdentity,
  mtlsStrict,
  denyBaseline,
  noWildcardPrincipals,
  linkerdInjected,
  istioSpireInjection,
  istioTrustDomain,
  istioFederatedBundles,
  oidcIssuer,
  wideCidrs,
  alerts,
  noSecretLiterals,
  pinnedImages,
];
