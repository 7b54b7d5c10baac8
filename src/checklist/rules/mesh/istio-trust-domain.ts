import { enforcedIstioPolicies, istioPrincipalLists, serverConfigs } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

/** The trust domains SPIRE issues or trusts in these manifests: servers, identities, federations. */
function spireTrustDomains(objects: ReadonlyArray<any>): Set<string> {
  const tds = new Set<string>();
  for (const c of serverConfigs(objects)) {
    const td = c.config?.server?.trust_domain;
    if (typeof td === 'string') tds.add(td);
  }
  for (const o of objects) {
    if (o.kind === 'ClusterSPIFFEID') {
      const m = /^spiffe:\/\/([^/{]+)\//.exec(String(o.spec?.spiffeIDTemplate ?? ''));
      if (m) tds.add(m[1]);
    }
    if (o.kind === 'ClusterFederatedTrustDomain' && typeof o.spec?.trustDomain === 'string') tds.add(o.spec.trustDomain);
  }
  return tds;
}

/**
 * Istio compares a policy's principals with the peer certificate's SPIFFE ID: a principal in
 * another trust domain than SPIRE's (istiod's `cluster.local`, a typo) matches no SVID.
 */
export const istioTrustDomain: Rule = {
  id: 'SPIRE-MESH6',
  level: Level.ERROR,
  title: 'Istio principals are in the trust domain SPIRE issues (or a federated one).',
  reason: 'istiod must run with meshConfig.trustDomain equal to SPIRE\'s: a principal in any other trust domain never matches an SVID, and the call is denied.',
  fix: 'Install istiod with the generated istiod-values.yaml (meshConfig.trustDomain = the SPIRE trust domain); declare foreign callers with MeshPolicy.foreignCaller and a FederatedTrustDomain.',
  neutralFix: 'Install istiod with meshConfig.trustDomain equal to SPIRE\'s trust domain; name callers of another trust domain only when SPIRE federates with it (ClusterFederatedTrustDomain).',
  check: (objects) => {
    const tds = spireTrustDomains(objects);
    if (tds.size === 0) return [];
    const hits = [];
    for (const policy of enforcedIstioPolicies(objects)) {
      for (const list of istioPrincipalLists(policy)) {
        const inSpire = (p: string) => tds.has(p.split('/')[0]);
        // A trust domain alias (a migration) sits beside the same identity in SPIRE's trust domain.
        const pathOf = (p: string) => p.slice(p.indexOf('/'));
        const foreign = list.filter((p) => !p.includes('*') && !inSpire(p) && !list.some((q) => inSpire(q) && pathOf(q) === pathOf(p)));
        if (foreign.length > 0) {
          hits.push({ object: objectName(policy), message: `principals ${foreign.join(', ')} are in no trust domain SPIRE issues or trusts (${[...tds].sort().join(', ')}).` });
        }
      }
    }
    return hits;
  },
};
