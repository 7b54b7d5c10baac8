import { selects, workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const serverDisruptionBudget: Rule = {
  id: 'SPIRE-SRV2',
  level: Level.WARN,
  title: 'A PodDisruptionBudget covers the SPIRE server pods.',
  reason: 'Without one, a node drain can evict every server replica at once.',
  fix: 'Add a PodDisruptionBudget (maxUnavailable: 1) selecting the server pods; SpireServer renders one.',
  neutralFix: 'Add a PodDisruptionBudget (policy/v1) with maxUnavailable: 1 whose selector matches the SPIRE server pods.',
  check: (objects) => {
    const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
    return workloadsRunning(objects, 'spire-server')
      .filter((w) => !pdbs.some((p) => p.metadata?.namespace === w.namespace && selects((p as any).spec?.selector, w.podLabels)))
      .map((w) => ({ object: w.name, message: 'no PodDisruptionBudget selects the SPIRE server pods.' }));
  },
};
