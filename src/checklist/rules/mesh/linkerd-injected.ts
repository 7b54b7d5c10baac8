import { selects, workloads } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

const INJECT = 'linkerd.io/inject';

export const linkerdInjected: Rule = {
  id: 'SPIRE-MESH4',
  level: Level.ERROR,
  title: 'Where Linkerd enforces a Server (accessPolicy deny), the workloads it selects are injected.',
  reason:
    'Linkerd enforces Servers, routes and authorizations in the proxy it injects: a pod without the proxy answers every caller, whatever the policy says.',
  fix: 'Annotate the pod template (or its namespace) with linkerd.io/inject: enabled; MeshPolicy with Mesh.linkerd() does it for the workloads bound to its identities.',
  neutralFix: 'Annotate the pod template (or its namespace) with linkerd.io/inject: enabled.',
  check: (objects) => {
    const all = objects as any[];
    const servers = all.filter((o) => o.kind === 'Server' && o.apiVersion?.startsWith('policy.linkerd.io') && (o.spec?.accessPolicy ?? 'deny') === 'deny');
    const namespaceInject = (ns: string) => all.find((o) => o.kind === 'Namespace' && o.metadata?.name === ns)?.metadata?.annotations?.[INJECT];
    const hits = new Map<string, { object: string; message: string }>();
    for (const w of workloads(objects)) {
      const server = servers.find((s) => (s.metadata?.namespace ?? 'default') === w.namespace && selects(s.spec?.podSelector, w.podLabels));
      if (!server || hits.has(w.name)) continue;
      const own = w.podAnnotations[INJECT];
      const inject = own ?? namespaceInject(w.namespace);
      if (inject !== 'enabled') {
        hits.set(w.name, {
          object: w.name,
          message: `${objectName(server)} denies by default, but the pods are not injected (${INJECT} is ${inject === undefined ? 'unset' : `"${inject}"`}${own === undefined ? ' on the pod template and the namespace' : ' on the pod template'}), so nothing enforces it.`,
        });
      }
    }
    return [...hits.values()];
  },
};
