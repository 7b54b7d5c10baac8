import { enforcedIstioPolicies, istioPrincipalLists, selects, Workload, workloads } from '../../inspect';
import { Level, objectName, Rule } from '../../rule';

/**
 * Without the `spire` injection template, istio-proxy takes its certificate from istiod (trust
 * domain `cluster.local` unless configured), not from SPIRE: the principals the policies name
 * never match and ENFORCE denies every declared call.
 */
export const istioSpireInjection: Rule = {
  id: 'SPIRE-MESH5',
  level: Level.ERROR,
  title: 'Istio sidecars of callees and callers take their SVIDs from SPIRE (`inject.istio.io/templates` with `spire`).',
  reason: 'A sidecar injected without the spire template gets its certificate from istiod: the SPIFFE principals of the policies never match and every declared call is denied.',
  fix: 'Bind the workloads to their WorkloadIdentity (MeshPolicy with Mesh.istio() adds `inject.istio.io/templates: sidecar,spire`), and install istiod with the generated istiod-values.yaml.',
  neutralFix: 'Annotate the pod templates with inject.istio.io/templates: sidecar,spire and sidecar.istio.io/inject: "true", and install istiod with a spire injection template that mounts the SPIFFE CSI volume at /run/secrets/workload-spiffe-uds.',
  check: (objects) => {
    const all = workloads(objects);
    const spire = (w: Workload) => (w.podAnnotations['inject.istio.io/templates'] ?? '').split(',').map((t) => t.trim()).includes('spire');
    const missing = new Map<string, string>();
    for (const policy of enforcedIstioPolicies(objects)) {
      const ns = policy.metadata?.namespace;
      const principals = istioPrincipalLists(policy).flat();
      if (principals.length === 0) continue;
      for (const w of all.filter((x) => x.namespace === ns && policy.spec?.selector && selects(policy.spec.selector, x.podLabels))) {
        if (!spire(w)) missing.set(w.name, `is a callee of ${objectName(policy)}`);
      }
      for (const p of principals) {
        const m = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(p);
        if (!m) continue;
        for (const w of all.filter((x) => x.namespace === m[1] && (x.podSpec.serviceAccountName ?? 'default') === m[2])) {
          if (!spire(w) && !missing.has(w.name)) missing.set(w.name, `calls as ${p} (${objectName(policy)})`);
        }
      }
    }
    return [...missing].map(([object, why]) => ({ object, message: `${why} but its pods are not injected with the spire template, so its sidecar holds no SVID from SPIRE.` }));
  },
};
