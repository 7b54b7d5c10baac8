import { AllowRule, CalleeView, groupRules } from './intent';

/**
 * The in-app allowlist for one callee (the `ALLOWED_CALLERS` pattern): per path, the SPIFFE IDs
 * allowed to call it, for services that authorize in code with go-spiffe or the SDKs. `*` stands
 * for "any path" when a rule names none.
 *
 * @internal
 */
export function renderAllowlist(callee: CalleeView, rules: AllowRule[], healthPaths: string[], stage: string, mesh: string): Record<string, unknown> {
  const paths: Record<string, Set<string>> = {};
  const grouped = groupRules(rules).map((g) => {
    for (const p of g.paths ?? ['*']) {
      (paths[p] ??= new Set()).add('');
      for (const c of g.callers) paths[p].add(c.spiffeId.uri);
    }
    return { methods: g.methods ?? ['*'], paths: g.paths ?? ['*'], ports: g.ports, callers: g.callers.map((c) => c.spiffeId.uri) };
  });
  return {
    callee: callee.identity.spiffeId.uri,
    mesh,
    stage,
    allowedCallers: Object.fromEntries(
      Object.keys(paths)
        .sort()
        .map((p) => [p, [...paths[p]].filter((x) => x !== '').sort()]),
    ),
    rules: grouped,
    unauthenticatedPaths: [...healthPaths],
  };
}
