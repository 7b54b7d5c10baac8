import { Level, objectName, Rule } from '../../rule';

export const noWildcardPrincipals: Rule = {
  id: 'SPIRE-MESH3',
  level: Level.ERROR,
  title: 'Policies name exact caller identities (no wildcard principals).',
  reason: 'A wildcard principal allows any authenticated workload: mTLS without authorization.',
  fix: 'List each allowed caller with MeshPolicy.allow(caller, callee).',
  neutralFix: 'Replace the wildcard in the AuthorizationPolicy (principals, MeshTLSAuthentication identities) with the exact identity of each allowed caller.',
  check: (objects) => {
    const hits = [];
    for (const o of objects as any[]) {
      if (o.kind === 'AuthorizationPolicy' && o.apiVersion?.startsWith('security.istio.io')) {
        const sources = (o.spec?.rules ?? []).flatMap((r: any) => (r.from ?? []).map((f: any) => f.source ?? {}));
        const principals = sources.flatMap((src: any) => [...(src.principals ?? []), ...(src.namespaces ?? [])]);
        const wild = principals.filter((p: string) => p.includes('*'));
        if (wild.length > 0) hits.push({ object: objectName(o), message: `wildcard principals ${wild.join(', ')}.` });
      }
      if (o.kind === 'MeshTLSAuthentication') {
        const wildIdentities = (o.spec?.identities ?? []).filter((i: string) => i.includes('*'));
        const wildRefs = (o.spec?.identityRefs ?? []).filter((r: any) => r.kind === 'Namespace').map((r: any) => `Namespace/${r.name}`);
        const wild = [...wildIdentities, ...wildRefs];
        if (wild.length > 0) hits.push({ object: objectName(o), message: `wildcard identities ${wild.join(', ')}.` });
      }
    }
    return hits;
  },
};
