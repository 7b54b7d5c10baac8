import { AllowRule, CalleeView, istioPrincipal } from './intent';
import { RolloutStage } from './mesh';

type Obj = Record<string, unknown>;

function meta(name: string, namespace: string, stage: RolloutStage): Obj {
  // Before ENFORCE, authorization is dry-run: evaluated and logged, not enforced.
  return { name, namespace, ...(stage === RolloutStage.ENFORCE ? {} : { annotations: { 'istio.io/dry-run': 'true' } }) };
}

/**
 * The namespace baseline: PeerAuthentication (mTLS by stage; none at OBSERVE) and the
 * allow-nothing AuthorizationPolicy (`spec: {}`).
 *
 * @internal
 */
export function istioNamespaceBaseline(namespace: string, stage: RolloutStage): Obj[] {
  const out: Obj[] = [];
  if (stage !== RolloutStage.OBSERVE) {
    out.push({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace },
      spec: { mtls: { mode: stage === RolloutStage.PERMISSIVE ? 'PERMISSIVE' : 'STRICT' } },
    });
  }
  out.push({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: meta('allow-nothing', namespace, stage), spec: {} });
  return out;
}

/** Health and readiness paths of a callee, open to any source (probes carry no identity). @internal */
export function istioCalleeHealth(callee: CalleeView, stage: RolloutStage, healthPaths: string[], ports: number[]): Obj | undefined {
  if (healthPaths.length === 0) return undefined;
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: meta(`${callee.name}-health`, callee.namespace, stage),
    spec: {
      selector: { matchLabels: { ...callee.labels } },
      action: 'ALLOW',
      rules: [{ to: [{ operation: { methods: ['GET', 'HEAD'], paths: [...healthPaths], ports: ports.map(String) } }] }],
    },
  };
}

/**
 * One declared allow: an ALLOW policy with the caller's exact principal (no `spiffe://`), and
 * for a declared (local) caller the same identity under each trust domain alias, so the policy
 * keeps matching during a trust-domain migration.
 *
 * @internal
 */
export function istioAllow(callee: CalleeView, rule: AllowRule, index: number, stage: RolloutStage, trustDomainAliases: string[] = []): Obj {
  const operation: Obj = { ports: rule.ports.map(String) };
  if (rule.methods) operation.methods = [...rule.methods];
  if (rule.paths) operation.paths = [...rule.paths];
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: meta(`${callee.name}-allow-${index}`, callee.namespace, stage),
    spec: {
      selector: { matchLabels: { ...callee.labels } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { principals: principalsOf(rule, trustDomainAliases) } }], to: [{ operation }] }],
    },
  };
}

function principalsOf(rule: AllowRule, aliases: string[]): string[] {
  const principal = istioPrincipal(rule.caller.spiffeId);
  if (!rule.caller.identity) return [principal];
  return [principal, ...aliases.map((alias) => `${alias}${rule.caller.spiffeId.path}`)];
}
