import { containersOf, workloadsRunning } from '../../inspect';
import { Level, Rule } from '../../rule';

export const serverPodSecurity: Rule = {
  id: 'SPIRE-SRV4',
  level: Level.ERROR,
  title: 'SPIRE server pods meet Pod Security "restricted".',
  reason: 'The server holds the CA signing keys; a container escape there compromises every identity.',
  fix: 'Run every container non-root with a read-only root filesystem, allowPrivilegeEscalation: false, capabilities drop ALL and RuntimeDefault seccomp (SpireServer does).',
  neutralFix: 'In the server\'s pod spec set securityContext.runAsNonRoot: true and seccompProfile.type: RuntimeDefault; on every container readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities.drop: [ALL].',
  check: (objects) => {
    const hits = [];
    for (const w of workloadsRunning(objects, 'spire-server')) {
      const podSc = w.podSpec.securityContext ?? {};
      for (const c of containersOf(w.podSpec)) {
        const sc = c.securityContext ?? {};
        const problems: string[] = [];
        if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot) || (sc.runAsUser ?? podSc.runAsUser) === 0) problems.push('may run as root');
        if (sc.readOnlyRootFilesystem !== true) problems.push('root filesystem writable');
        if (sc.allowPrivilegeEscalation !== false) problems.push('privilege escalation allowed');
        if (sc.privileged === true) problems.push('privileged');
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push('capabilities not dropped');
        if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== 'RuntimeDefault' && (sc.seccompProfile ?? podSc.seccompProfile)?.type !== 'Localhost') problems.push('no RuntimeDefault seccomp');
        if (problems.length > 0) hits.push({ object: w.name, message: `container ${c.name}: ${problems.join(', ')}.` });
      }
    }
    return hits;
  },
};
