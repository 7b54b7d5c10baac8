import { containersOf, imageRepository, workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const controllerManager: Rule = {
  id: 'SPIRE-SRV7',
  level: Level.WARN,
  title: 'Registration is automated by the SPIRE controller manager.',
  reason: 'Hand-made entries drift from the workloads they describe; ClusterSPIFFEID resources follow pods.',
  fix: 'Keep the controller manager enabled (the default) and declare identities as WorkloadIdentity.',
  neutralFix: 'Run spire-controller-manager beside the server (reconciling ClusterSPIFFEIDs) and register workloads with ClusterSPIFFEID objects, not by hand.',
  check: (objects) =>
    workloadsRunning(objects, 'spire-server')
      .filter((w) => !containersOf(w.podSpec).some((c) => imageRepository(c.image).endsWith('spire-controller-manager')))
      .filter(() => !objects.some((o) => o.kind === 'Deployment' && containersOf((o as any).spec?.template?.spec).some((c) => imageRepository(c.image).endsWith('spire-controller-manager'))))
      .map((w) => ({ object: w.name, message: 'no spire-controller-manager runs beside the SPIRE server.' })),
};
