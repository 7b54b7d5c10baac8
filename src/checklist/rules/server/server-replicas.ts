import { workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const serverReplicas: Rule = {
  id: 'SPIRE-SRV1',
  level: Level.ERROR,
  title: 'The SPIRE server runs at least 3 replicas.',
  reason: 'If the server is down, agents cannot renew SVIDs and workloads lose identity when their cached SVIDs expire; one replica is a single point of failure.',
  fix: "Set 'replicas' to 3 or more (with a shared Postgres datastore).",
  neutralFix: 'Set the SPIRE server StatefulSet\'s (or Deployment\'s) spec.replicas to 3 or more, with a shared SQL datastore (server.conf plugins.DataStore sql: postgres or mysql).',
  check: (objects) =>
    workloadsRunning(objects, 'spire-server')
      .filter((w) => w.object.kind === 'StatefulSet' || w.object.kind === 'Deployment')
      .filter((w) => ((w.object as any).spec?.replicas ?? 1) < 3)
      .map((w) => ({ object: w.name, message: `runs ${(w.object as any).spec?.replicas ?? 1} SPIRE server replica(s); at least 3 are needed for HA.` })),
};
