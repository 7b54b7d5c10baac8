import { Level, objectName, Rule } from '../../rule';

const isDryRun = (o: any) => o.metadata?.annotations?.['istio.io/dry-run'] === 'true';

export const denyBaseline: Rule = {
  id: 'SPIRE-MESH2',
  level: Level.WARN,
  title: 'Where a mesh is used, a deny-all baseline with explicit allows is enforced.',
  reason: 'Without a deny-all baseline, any workload not named by an ALLOW policy accepts every caller.',
  fix: 'Move the namespace to RolloutStage.ENFORCE.',
  neutralFix: 'Add an enforced deny-all baseline: Istio, an AuthorizationPolicy with `spec: {}` in the namespace (no istio.io/dry-run annotation); Linkerd, Servers with accessPolicy: deny (and config.linkerd.io/default-inbound-policy: deny on the pods).',
  check: (objects) => {
    const hits = [];
    const all = objects as any[];
    const istio = all.filter((o) => o.kind === 'AuthorizationPolicy' && o.apiVersion?.startsWith('security.istio.io'));
    for (const ns of [...new Set(istio.map((o) => o.metadata?.namespace))].sort()) {
      const inNs = istio.filter((o) => o.metadata?.namespace === ns);
      const baseline = inNs.find((o) => !o.spec?.selector && !o.spec?.targetRefs && (o.spec?.action ?? 'ALLOW') === 'ALLOW' && (o.spec?.rules ?? []).length === 0);
      if (!baseline || isDryRun(baseline)) {
        hits.push({ object: baseline ? objectName(baseline) : `Namespace ${ns}`, message: baseline ? 'the allow-nothing baseline is dry-run, not enforced.' : 'no allow-nothing (spec: {}) baseline.' });
      }
      for (const p of inNs.filter((o) => o !== baseline && isDryRun(o))) {
        hits.push({ object: objectName(p), message: 'this ALLOW policy is dry-run, not enforced.' });
      }
    }
    for (const s of all.filter((o) => o.kind === 'Server' && o.apiVersion?.startsWith('policy.linkerd.io'))) {
      if ((s.spec?.accessPolicy ?? 'deny') !== 'deny') {
        hits.push({ object: objectName(s), message: `accessPolicy is ${s.spec.accessPolicy}, not deny.` });
      }
    }
    return hits;
  },
};
