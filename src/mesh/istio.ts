import { Construct } from 'constructs';
import { AllowRule, CalleeView, istioPrincipal, Manifest as Obj } from './intent';
import { Mesh, MeshKind, MeshRenderer, RolloutStage } from './mesh';
import { netAdminRejectingNamespaces } from './pod-security';
import { WorkloadIdentity } from '../identity/workload-identity';
import { yaml } from '../k8s/yaml';
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
  /**
   * istio-cni is installed: pods need no `istio-init` container (NET_ADMIN, NET_RAW), so the app
   * namespaces may be Pod Security `restricted`. Without it, a `restricted` or `baseline`
   * namespace rejects every injected pod: synth fails when the app declares such a namespace.
   * @default false
   */
  readonly cni?: boolean;
}

/** Pod label and annotation that make istiod inject a sidecar with the `spire` template. @internal */
export const ISTIO_INJECT_LABEL = 'sidecar.istio.io/inject';
/** @internal */
export const ISTIO_TEMPLATES_ANNOTATION = 'inject.istio.io/templates';
/** @internal */
export const ISTIO_TEMPLATES = 'sidecar,spire';
/** Where istio-agent looks for an SDS socket of its own (Istio's SPIRE integration). @internal */
export const ISTIO_WORKLOAD_SOCKET_DIR = '/run/secrets/workload-spiffe-uds';

/** Istio: AuthorizationPolicy and PeerAuthentication (`security.istio.io/v1`). @internal */
export class IstioMesh extends Mesh {
  private readonly trustDomainAliases: string[];
  private readonly cni: boolean;

  public constructor(options: IstioMeshOptions) {
    super(MeshKind.ISTIO);
    for (const alias of options.trustDomainAliases ?? []) {
      const problem = TrustDomain.problemWith(alias);
      if (problem) {
        throw invalidProp('trustDomainAliases', alias, `${problem}.`);
      }
    }
    this.trustDomainAliases = [...(options.trustDomainAliases ?? [])];
    this.cni = options.cni ?? false;
  }

  /**
   * What istiod needs so that sidecars take their SVIDs from SPIRE: `meshConfig.trustDomain` (and
   * aliases) equal to SPIRE's, and the `spire` injection template, which mounts the SPIFFE CSI
   * volume (`workload-socket`, the agent's socket directory, where the agent links `socket`) into
   * istio-proxy at `/run/secrets/workload-spiffe-uds`. As Helm values for the istiod chart.
   */
  public istiodValues(trustDomain: TrustDomain): Record<string, unknown> {
    return {
      meshConfig: {
        trustDomain: trustDomain.name,
        ...(this.trustDomainAliases.length > 0 ? { trustDomainAliases: [...this.trustDomainAliases] } : {}),
      },
      sidecarInjectorWebhook: { templates: { spire: spireTemplate() } },
      ...(this.cni ? { pilot: { cni: { enabled: true } } } : {}),
    };
  }

  public get dataPlanePorts(): number[] {
    return [];
  }

  public _bind(scope: Construct): MeshRenderer {
    const aliases = this.trustDomainAliases;
    const namespaces = new Set<string>();
    const trustDomains = new Map<string, TrustDomain>();
    // Sidecars with the `spire` template: every bound workload of a callee's namespace and of
    // every declared caller (a caller without an SVID from SPIRE matches no principal).
    const inject = (identity: WorkloadIdentity) => {
      namespaces.add(identity.namespace);
      for (const w of identity._boundWorkloads()) {
        w.addPodLabel(ISTIO_INJECT_LABEL, 'true');
        w.addPodAnnotation(ISTIO_TEMPLATES_ANNOTATION, ISTIO_TEMPLATES);
      }
    };
    if (!this.cni) {
      scope.node.addValidation({ validate: () => netAdminRejectingNamespaces(scope, namespaces).map((ns) => refuseWithoutCni(`${ns.name} (${ns.level})`)) });
    }
    return {
      dataPlanePorts: this.dataPlanePorts,
      checkAllow: (caller, callee) => {
        for (const id of [callee, caller.identity]) {
          if (id && (id.spiffeId.segments.length !== 4 || id.spiffeId.segments[0] !== 'ns' || id.spiffeId.segments[2] !== 'sa')) {
            throw invalidProp('idScheme', id.spiffeId.uri, 'Istio with SPIRE requires SPIFFE IDs of the form spiffe://<td>/ns/<ns>/sa/<sa> (SpiffeIdScheme.namespaceServiceAccount()).');
          }
        }
        const td = callee.server.trustDomain;
        const other = [...trustDomains.values()].find((t) => !t.equals(td));
        if (other) {
          throw invalidProp(
            'callee',
            callee.spiffeId.uri,
            `istiod has one trust domain (meshConfig.trustDomain) and this policy's callees are in "${other.name}": one Istio MeshPolicy per trust domain.`,
          );
        }
        trustDomains.set(td.name, td);
      },
      namespace: (ns, stage) => istioNamespaceBaseline(ns, stage),
      callee: (callee, stage, healthPaths, ports) => {
        inject(callee.identity);
        const health = istioCalleeHealth(callee, stage, healthPaths, ports);
        return health ? [health] : [];
      },
      allow: (callee, rule, index, stage) => {
        if (rule.caller.identity) inject(rule.caller.identity);
        return [istioAllow(callee, rule, index, stage, aliases)];
      },
      artifacts: (): Record<string, string> => {
        const [td] = trustDomains.values();
        if (!td) return {};
        const values = this.istiodValues(td);
        const operator = { apiVersion: 'install.istio.io/v1alpha1', kind: 'IstioOperator', metadata: { name: 'spire' }, spec: { meshConfig: values.meshConfig, values: omit(values, 'meshConfig') } };
        const header = (what: string) => `# ${what}: istiod with SPIRE as the certificate authority of the sidecars, generated by spire-constructs.\n`;
        return {
          'istiod-values.yaml': header('Helm values for the istiod chart') + yaml().stringify(values),
          'istio-operator.yaml': header('IstioOperator overlay (istioctl install -f)') + yaml().stringify(operator),
        };
      },
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

/**
 * The `spire` injection template (Istio's SPIRE integration): the SPIFFE CSI volume replaces the
 * sidecar template's `workload-socket` emptyDir, mounted read-only into istio-proxy where
 * istio-agent looks for an SDS socket.
 */
function spireTemplate(): string {
  // Written when rendered, not at import: YAML's first stringify costs about 3 ms of a process's start.
  return yaml().stringify({
    labels: { 'spiffe.io/spire-managed-identity': 'true' },
    spec: {
      containers: [{ name: 'istio-proxy', volumeMounts: [{ name: 'workload-socket', mountPath: ISTIO_WORKLOAD_SOCKET_DIR, readOnly: true }] }],
      volumes: [{ name: 'workload-socket', csi: { driver: 'csi.spiffe.io', readOnly: true } }],
    },
  });
}

function omit<T extends Record<string, unknown>>(o: T, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = o;
  return rest;
}

function refuseWithoutCni(ns: string): string {
  return `Invalid 'cni': received false. Namespace ${ns} enforces Pod Security that rejects istio-init (NET_ADMIN, NET_RAW), so no injected pod would start: install istio-cni and set Mesh.istio({ cni: true }), or relax the namespace's Pod Security.`;
}
