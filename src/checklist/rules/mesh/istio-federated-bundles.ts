import { agentConfigs, enforcedIstioPolicies, istioPrincipalLists, serverConfigs } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

/**
 * istio-proxy validates peers against the SDS resource `ROOTCA`. SPIRE serves only its own
 * bundle under that name by default (`default_bundle_name`), so a caller from a federated trust
 * domain fails the handshake before any policy is read, unless `ROOTCA` is the resource with all
 * bundles (`default_all_bundles_name`), as Istio's SPIRE integration documents.
 */
export const istioFederatedBundles: Rule = {
  id: 'SPIRE-MESH7',
  level: Level.ERROR,
  title: 'With foreign callers in Istio policies, the agents serve every bundle (own and federated) as ROOTCA.',
  reason: 'Sidecars trust only the ROOTCA SDS resource; with SPIRE\'s default it holds the local bundle only, and a federated caller\'s handshake fails.',
  fix: "SpireAgent sds: { defaultBundleName: 'null', defaultAllBundlesName: 'ROOTCA' } (SpireStack: agent: { sds: ... }).",
  neutralFix: 'In agent.conf, set sds { default_bundle_name = "null", default_all_bundles_name = "ROOTCA" } so ROOTCA carries the federated bundles.',
  check: (objects) => {
    const local = new Set(serverConfigs(objects).map((c) => c.config?.server?.trust_domain).filter((t): t is string => typeof t === 'string'));
    if (local.size === 0) return [];
    const foreign = enforcedIstioPolicies(objects).some((p) => istioPrincipalLists(p).flat().some((x) => !x.includes('*') && !local.has(x.split('/')[0])));
    if (!foreign) return [];
    return agentConfigs(objects)
      .filter((c) => c.config?.agent?.sds?.default_all_bundles_name !== 'ROOTCA')
      .map((c) => ({ object: objectName(c.configMap), message: 'Istio policies allow callers of another trust domain, but ROOTCA (what sidecars trust) holds only the local bundle.' }));
  },
};
