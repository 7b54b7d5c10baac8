import { Level, objectName, Rule } from '../../rule';

export const mtlsStrict: Rule = {
  id: 'SPIRE-MESH1',
  level: Level.WARN,
  title: 'Where Istio authorizes by identity, mTLS is STRICT.',
  reason: 'Under PERMISSIVE, plaintext clients bypass the identity check entirely ("mTLS without authorization is theater", and so is authorization without mTLS).',
  fix: 'Move the namespace to RolloutStage.STRICT or ENFORCE.',
  neutralFix: 'Set the namespace\'s Istio PeerAuthentication spec.mtls.mode to STRICT.',
  check: (objects) => {
    const hits = [];
    const all = objects as any[];
    // One pass: the first namespace-wide PeerAuthentication of each namespace, whether one in
    // istio-system (mesh-wide) is STRICT, and the namespaces with Istio AuthorizationPolicies.
    const namespaceWide = new Map<unknown, any>();
    const namespaces = new Set<any>();
    let meshWideStrict = false;
    for (const o of all) {
      if (o.kind === 'PeerAuthentication' && !o.spec?.selector) {
        const ns = o.metadata?.namespace;
        if (!namespaceWide.has(ns)) namespaceWide.set(ns, o);
        meshWideStrict ||= ns === 'istio-system' && o.spec?.mtls?.mode === 'STRICT';
      } else if (o.kind === 'AuthorizationPolicy' && o.apiVersion?.startsWith('security.istio.io')) {
        namespaces.add(o.metadata?.namespace);
      }
    }
    for (const ns of [...namespaces].sort()) {
      const pa = namespaceWide.get(ns);
      const mode = pa?.spec?.mtls?.mode;
      if (mode !== 'STRICT' && !(meshWideStrict && (mode === undefined || mode === 'UNSET'))) {
        hits.push({ object: pa ? objectName(pa) : `Namespace ${ns}`, message: `mTLS mode is ${mode ?? 'PERMISSIVE (mesh default)'}, not STRICT.` });
      }
    }
    return hits;
  },
};
