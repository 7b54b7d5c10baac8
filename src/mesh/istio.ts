import { Construct } from 'constructs';
import { AllowRule, CalleeView, istioPrincipal, Manifest as Obj } from './intent';
import { Mesh, MeshKind, MeshRenderer, RolloutStage } from './mesh';
import { TrustDomain } from '../spiffe/trust-domain';
import { invalidProp } from '../validation';

/** Options of {@link Mesh.istio}. */
export interface IstioMeshOptions {
  /**
   * The mesh config's `trustDomainAliases`: declared callers are also allowed under each alias
   * (`<alias>/ns/<ns>/sa/<sa>`), so policies keep matching during a trust-domain migration.
   * @default - none
   */
  readonly trustDomainAliases?: string[];
}

/** Istio: AuthorizationPolicy and PeerAuthentication (`security.istio.io/v1`). @internal */
export class IstioMesh extends Mesh {
  private readonly trustDomainAliases: string[];

  public constructor(options: IstioMeshOptions) {
    super(MeshKind.ISTIO);
    for (const alias of options.trustDomainAliases ?? []) {
      const problem = TrustDomain.problemWith(alias);
      if (problem) {
        throw invalidProp('trustDomainAliases', alias, `${problem}.`);
      }
    }
    this.trustDomainAliases = [...(options.trustDomainAliases ?? [])];
  }

  public get dataPlanePorts(): number[] {
    return [];
  }

  public _bind(_scope: Construct): MeshRenderer {
    const aliases = this.trustDomainAliases;
    return {
      dataPlanePorts: this.dataPlanePorts,
      checkAllow: (caller, callee) => {
        for (const id of [callee, caller.identity]) {
          if (id && (id.spiffeId.segments.length !== 4 || id.spiffeId.segments[0] !== 'ns' || id.spiffeId.segments[2] !== 'sa')) {
            throw invalidProp('idScheme', id.spiffeId.uri, 'Istio with SPIRE requires SPIFFE IDs of the form spiffe://<td>/ns/<ns>/sa/<sa> (SpiffeIdScheme.namespaceServiceAccount()).');
          }
        }
      },
      namespace: (ns, stage) => istioNamespaceBaseline(ns, stage),
      callee: (callee, stage, healthPaths, ports) => {
        const health = istioCalleeHealth(callee, stage, healthPaths, ports);
        return health ? [health] : [];
      },
      allow: (callee, rule, index, stage) => [istioAllow(callee, rule, index, stage, aliases)],
    };
  }
}

function meta(name: string, namespace: string, stage: RolloutStage): Obj {
  // Before ENFORCE, authorization is dry-run: evaluated and logged, not enforced.
  return { name, namespace, ...(stage === RolloutStage.ENFORCE ? {} : { annotations: { 'istio.io/dry-run': 'true' } }) };
}

/**
 * The namespace baseline: PeerAuthentication (mTLS by stage; none at OBSERVE) and the
 * allow-nothing AuthorizationPolicy (`spec: {}`).
 */
function istioNamespaceBaseline(namespace: string, stage: RolloutStage): Obj[] {
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

/** Health and readiness paths of a callee, open to any source (probes carry no identity). */
function istioCalleeHealth(callee: CalleeView, stage: RolloutStage, healthPaths: string[], ports: number[]): Obj | undefined {
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
 */
function istioAllow(callee: CalleeView, rule: AllowRule, index: number, stage: RolloutStage, trustDomainAliases: string[]): Obj {
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
