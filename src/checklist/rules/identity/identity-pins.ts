import { Level, objectName, Rule } from '../../rule';

/** True when a ClusterSPIFFEID can only match pods of one namespace. @internal */
export function pinsNamespace(spec: any): boolean {
  const ns = spec?.namespaceSelector;
  if (ns?.matchLabels?.['kubernetes.io/metadata.name']) return true;
  return (ns?.matchExpressions ?? []).some((e: any) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In' && (e.values ?? []).length === 1);
}

/** True when a ClusterSPIFFEID only issues to one service account (or names its ID after it). @internal */
export function pinsServiceAccount(spec: any): boolean {
  const selectors: string[] = spec?.workloadSelectorTemplates ?? [];
  return selectors.some((s) => s.startsWith('k8s:sa:')) || /\.PodSpec\.ServiceAccountName/.test(spec?.spiffeIDTemplate ?? '');
}

export const identityPins: Rule = {
  id: 'SPIRE-ID1',
  level: Level.ERROR,
  title: 'Every identity pins namespace and service account (static entries: at least two selectors).',
  reason: 'Loose selectors are how the wrong workload picks up the wrong identity.',
  fix: "Declare a WorkloadIdentity with 'namespace' and 'serviceAccount' (or acknowledge the broad selector with a reason).",
  neutralFix: 'In the ClusterSPIFFEID pin the namespace (namespaceSelector on kubernetes.io/metadata.name, or a k8s:ns workload selector) and the service account (a k8s:sa workload selector, or {{ .PodSpec.ServiceAccountName }} in spiffeIDTemplate); give a ClusterStaticEntry at least two selectors.',
  check: (objects) => {
    const hits = [];
    for (const o of objects as any[]) {
      if (o.kind === 'ClusterSPIFFEID') {
        const spec = o.spec ?? {};
        const nsTemplated = /\.PodMeta\.Namespace/.test(spec.spiffeIDTemplate ?? '');
        const selectorNs = (spec.workloadSelectorTemplates ?? []).some((s: string) => s.startsWith('k8s:ns:'));
        const ns = pinsNamespace(spec) || selectorNs || nsTemplated;
        const sa = pinsServiceAccount(spec);
        if (!ns || !sa) hits.push({ object: objectName(o), message: `does not pin ${[!ns && 'a namespace', !sa && 'a service account'].filter(Boolean).join(' or ')}.` });
      } else if (o.kind === 'ClusterStaticEntry' && (o.spec?.selectors ?? []).length < 2) {
        hits.push({ object: objectName(o), message: `has ${(o.spec?.selectors ?? []).length} selector(s); at least two are needed.` });
      }
    }
    return hits;
  },
};
