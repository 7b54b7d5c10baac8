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
    const meshWideStrict = all.some((o) => o.kind === 'PeerAuthentication' && o.metadata?.namespace === 'istio-system' && !o.spec?.selector && o.spec?.mtls?.mode === 'STRICT');
    const namespaces = new Set(all.filter((o) => o.kind === 'AuthorizationPolicy' && o.apiVersion?.startsWith('security.istio.io')).map((o) => o.metadata?.namespace));
    for (const ns of [...namespaces].sort()) {
      const pa = all.find((o) => o.kind === 'PeerAuthentication' && o.metadata?.namespace === ns && !o.spec?.selector);
      const mode = pa?.spec?.mtls?.mode;
      if (mode !== 'STRICT' && !(meshWideStrict && (mode === undefined || mode === 'UNSET'))) {
        hits.push({ object: pa ? objectName(pa) : `Namespace ${ns}`, message: `mTLS mode is ${mode ?? 'PERMISSIVE (mesh default)'}, not STRICT.` });
      }
    }
    return hits;
  },
};
