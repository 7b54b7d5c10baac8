import { workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const serverSpread: Rule = {
  id: 'SPIRE-SRV3',
  level: Level.WARN,
  title: 'SPIRE server replicas are spread over nodes (pod anti-affinity or topology spread).',
  reason: 'Replicas on one node fail together.',
  fix: 'Keep AntiAffinity.REQUIRED (the default) or add topologySpreadConstraints on kubernetes.io/hostname or a zone.',
  neutralFix: 'Add to the server\'s pod spec a required podAntiAffinity on kubernetes.io/hostname, or topologySpreadConstraints on kubernetes.io/hostname or topology.kubernetes.io/zone.',
  check: (objects) =>
    workloadsRunning(objects, 'spire-server')
      .filter((w) => !w.podSpec.affinity?.podAntiAffinity && !(w.podSpec.topologySpreadConstraints ?? []).length)
      .map((w) => ({ object: w.name, message: 'SPIRE server pods have neither pod anti-affinity nor topology spread constraints.' })),
};
