import { Level, objectName, Rule } from '../../rule';

const REASON = 'spire-constructs.io/wide-cidr-reason';
const WIDE = new Set(['0.0.0.0/0', '::/0']);

/**
 * A NetworkPolicy peer `0.0.0.0/0` admits every address: acceptable for the API server or a
 * kubelet that no selector can name, never by default for in-cluster peers, and never silently.
 */
export const wideCidrs: Rule = {
  id: 'SPIRE-NET1',
  level: Level.WARN,
  title: 'NetworkPolicies name their peers; a 0.0.0.0/0 carries a written reason.',
  reason: 'A 0.0.0.0/0 peer opens the port to every address, and CNIs such as Cilium do not apply CIDR rules to in-cluster peers at all: in-cluster peers are selected by labels.',
  fix: "Select in-cluster peers by namespace and labels; for the API server use ApiServerAccess.cidrs([...]), .cilium() or .anyAddress(reason); for an external database give 'cidr' or 'cidrReason'.",
  neutralFix: 'Select in-cluster peers with namespaceSelector and podSelector; where an ipBlock must be 0.0.0.0/0 (API server, kubelet), write why in the NetworkPolicy annotation spire-constructs.io/wide-cidr-reason.',
  check: (objects) => {
    const hits = [];
    for (const o of objects as any[]) {
      if (o.kind !== 'NetworkPolicy' || !o.apiVersion?.startsWith('networking.k8s.io')) continue;
      if (typeof o.metadata?.annotations?.[REASON] === 'string' && o.metadata.annotations[REASON].trim().length >= 10) continue;
      const peers = [
        ...(o.spec?.ingress ?? []).flatMap((r: any) => r.from ?? []),
        ...(o.spec?.egress ?? []).flatMap((r: any) => r.to ?? []),
      ];
      const wide = [...new Set(peers.map((p: any) => p.ipBlock?.cidr).filter((c: unknown) => typeof c === 'string' && WIDE.has(c)))];
      if (wide.length > 0) {
        hits.push({ object: objectName(o), message: `admits ${wide.join(', ')} without a written reason (annotation ${REASON}).` });
      }
    }
    return hits;
  },
};
