import { selects, workloads } from '../../inspect';
import { Level, Rule } from '../../rule';

function covers(spec: any, namespace: string, podLabels: Record<string, string>, serviceAccount: string): boolean {
  const nsSel = spec.namespaceSelector;
  const nsOk = !nsSel || Object.keys(nsSel).length === 0 || (nsSel.matchLabels?.['kubernetes.io/metadata.name'] ?? namespace) === namespace;
  const podOk = !spec.podSelector || Object.keys(spec.podSelector).length === 0 || selects(spec.podSelector, podLabels);
  const selectors: string[] = spec.workloadSelectorTemplates ?? [];
  const saPin = selectors.find((s) => s.startsWith('k8s:sa:'));
  const nsPin = selectors.find((s) => s.startsWith('k8s:ns:'));
  return nsOk && podOk && (!saPin || saPin === `k8s:sa:${serviceAccount}`) && (!nsPin || nsPin === `k8s:ns:${namespace}`);
}

export const workloadHasIdentity: Rule = {
  id: 'SPIRE-ID3',
  level: Level.ERROR,
  title: 'Every workload that mounts the Workload API has a declared identity.',
  reason: 'A workload that asks for an SVID but matches no registration gets none (and fails), or gets one from a broad fallback.',
  fix: 'Declare a WorkloadIdentity for its namespace and service account and bind() the workload.',
  neutralFix: 'Add a ClusterSPIFFEID whose namespaceSelector and podSelector match the workload\'s pods and whose selectors pin its namespace and service account.',
  check: (objects) => {
    // Identities indexed by the namespace they pin ('' = any namespace).
    const byNs = new Map<string, any[]>();
    for (const o of objects as any[]) {
      if (o.kind !== 'ClusterSPIFFEID') continue;
      const ns = o.spec?.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? '';
      const list = byNs.get(ns) ?? [];
      list.push(o);
      byNs.set(ns, list);
    }
    return workloads(objects)
      .filter((w) => (w.podSpec.volumes ?? []).some((v: any) => v.csi?.driver === 'csi.spiffe.io'))
      .filter((w) => ![...(byNs.get(w.namespace) ?? []), ...(byNs.get('') ?? [])].some((i) => covers(i.spec ?? {}, w.namespace, w.podLabels, w.podSpec.serviceAccountName ?? 'default')))
      .map((w) => ({ object: w.name, message: `mounts the Workload API but no ClusterSPIFFEID covers namespace ${w.namespace}, service account ${w.podSpec.serviceAccountName ?? 'default'}.` }));
  },
};
