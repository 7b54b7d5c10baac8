import { selects, workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const serverNetworkPolicy: Rule = {
  id: 'SPIRE-SRV5',
  level: Level.WARN,
  title: 'A NetworkPolicy restricts traffic to the SPIRE server pods.',
  reason: 'The server API should be reachable from agents (and the API server, Prometheus) only.',
  fix: 'Keep the SpireServer NetworkPolicy enabled (the default) or add one selecting the server pods.',
  neutralFix: 'Add a NetworkPolicy (networking.k8s.io/v1) whose podSelector matches the SPIRE server pods, with policyTypes Ingress and Egress and only the peers the server needs.',
  check: (objects) => {
    const nps = objects.filter((o) => o.kind === 'NetworkPolicy');
    const covers = (n: any, w: { namespace: string; podLabels: Record<string, string> }) =>
      n.metadata?.namespace === w.namespace && (selects(n.spec?.podSelector, w.podLabels) || Object.keys(n.spec?.podSelector ?? {}).length === 0);
    return workloadsRunning(objects, 'spire-server')
      .filter((w) => !nps.some((n) => covers(n, w)))
      .map((w) => ({ object: w.name, message: 'no NetworkPolicy selects the SPIRE server pods.' }));
  },
};
