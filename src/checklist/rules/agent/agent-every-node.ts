import { workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const agentEveryNode: Rule = {
  id: 'SPIRE-AGT1',
  level: Level.WARN,
  title: 'The SPIRE agent runs as a DaemonSet that tolerates every taint.',
  reason: 'A node without an agent runs workloads that can never get an identity.',
  fix: "Keep 'tolerateAllTaints' (the default) or list the tolerations of every node pool.",
  neutralFix: 'Give the spire-agent DaemonSet\'s pod spec tolerations for every node taint (e.g. a toleration with operator: Exists).',
  check: (objects) => {
    const agents = workloadsRunning(objects, 'spire-agent');
    const hits = agents
      .filter((w) => w.object.kind !== 'DaemonSet' || !(w.podSpec.tolerations ?? []).some((t: any) => t.operator === 'Exists' && !t.key))
      .map((w) => ({ object: w.name, message: w.object.kind !== 'DaemonSet' ? 'the agent is not a DaemonSet.' : 'the agent DaemonSet does not tolerate every taint.' }));
    return hits;
  },
};
