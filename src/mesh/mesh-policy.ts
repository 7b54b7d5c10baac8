import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { invalidProp, withConstructPath } from '../validation';
import { renderAllowlist } from './allowlist';
import { AllowRule, CalleeView, ForeignCallerNetwork, MeshCaller } from './intent';
import { Mesh, MeshRenderer, RolloutStage } from './mesh';
import { allowIngress, defaultDenyIngress } from './network-policy';
import { WorkloadIdentity } from '../identity/workload-identity';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { SpiffeId } from '../spiffe/spiffe-id';

/** Options of {@link MeshPolicy.allow}. */
export interface AllowOptions {
  /**
   * HTTP methods allowed (uppercase).
   * @default - any method
   */
  readonly methods?: string[];
  /**
   * HTTP paths allowed: exact (`/api/payments/charge`) or prefix (`/api/*`).
   * @default - any path
   */
  readonly paths?: string[];
  /**
   * Callee ports.
   * @default - every container port of the callee's bound workload
   */
  readonly ports?: number[];
}

/** Options of {@link MeshPolicy.foreignCaller}. */
export interface ForeignCallerOptions {
  /**
   * Where its traffic enters the cluster: at ENFORCE the callee's default-deny NetworkPolicy
   * admits it only from there.
   * @default - not declared: refused at ENFORCE while NetworkPolicies are rendered
   */
  readonly network?: ForeignCallerNetwork;
}

/** Properties of {@link MeshPolicy}. */
export interface MeshPolicyProps {
  /** The mesh that enforces the policy. */
  readonly mesh: Mesh;
  /** The rollout stage of every callee namespace. */
  readonly stage: RolloutStage;
  /**
   * Per-namespace stages overriding `stage`.
   * @default - none
   */
  readonly namespaceStages?: Record<string, RolloutStage>;
  /**
   * Paths of every callee open without identity (kubelet probes carry none).
   * @default ['/health', '/ready']
   */
  readonly unauthenticatedPaths?: string[];
  /**
   * Render Kubernetes NetworkPolicies (at stage ENFORCE) as the L3/L4 backstop.
   * @default true
   */
  readonly networkPolicies?: boolean;
  /**
   * Render the in-app allowlist ConfigMap per callee (`<callee>-allowed-callers`).
   * @default true
   */
  readonly allowlistConfigMaps?: boolean;
}

/** The policy that renders each callee (one mesh per callee). */
const policiesOfCallee = new WeakMap<WorkloadIdentity, MeshPolicy>();
/** The policies of each app (its root), in the order they were declared. */
const policiesOfApp = new WeakMap<IConstruct, MeshPolicy[]>();

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/**
 * Who may call whom, by SPIFFE ID. Default deny per callee namespace: everything not allowed is
 * refused once the namespace reaches {@link RolloutStage.ENFORCE}. Rendered for Istio or
 * Linkerd, plus Kubernetes NetworkPolicy and an in-app allowlist.
 */
export class MeshPolicy extends Construct {
  /**
   * A caller from a federated trust domain (its workloads are not declared in this app).
   */
  public static foreignCaller(spiffeId: SpiffeId, options: ForeignCallerOptions = {}): MeshCaller {
    if (!(spiffeId instanceof SpiffeId) || !spiffeId.isWorkloadId) {
      throw invalidProp('foreignCaller', spiffeId instanceof SpiffeId ? spiffeId.uri : spiffeId, 'Use the exact SPIFFE ID of a workload in a federated trust domain.');
    }
    if (options.network !== undefined && !(options.network instanceof ForeignCallerNetwork)) {
      throw invalidProp('network', options.network, 'Use ForeignCallerNetwork.pods(namespace, labels) or ForeignCallerNetwork.cidrs([...]).');
    }
    return { spiffeId, network: options.network };
  }

  /**
   * The policies of the app `scope` belongs to, in the order they were declared (the reports'
   * mesh artifacts, without walking the app).
   *
   * @internal
   */
  public static _ofApp(scope: IConstruct): readonly MeshPolicy[] {
    return policiesOfApp.get(scope.node.root) ?? [];
  }

  /** The mesh. */
  public readonly mesh: Mesh;
  private readonly props: MeshPolicyProps;
  private readonly rules: AllowRule[] = [];
  private readonly healthPaths: string[];
  private readonly calleeNames = new Map<string, WorkloadIdentity>();
  private readonly namespaces = new Set<string>();
  private readonly views = new Map<WorkloadIdentity, CalleeView>();
  private readonly rulesByCallee = new Map<WorkloadIdentity, AllowRule[]>();
  private readonly renderer: MeshRenderer;

  public constructor(scope: Construct, id: string, props: MeshPolicyProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.mesh instanceof Mesh)) {
        throw invalidProp('mesh', props.mesh, 'Use Mesh.istio() or Mesh.linkerd().');
      }
      checkStage(props.stage, 'stage');
      for (const [ns, st] of Object.entries(props.namespaceStages ?? {})) {
        checkStage(st, `namespaceStages.${ns}`);
      }
      this.props = props;
      this.mesh = props.mesh;
      this.renderer = props.mesh._bind(this);
      this.healthPaths = [...(props.unauthenticatedPaths ?? ['/health', '/ready'])];
      for (const p of this.healthPaths) {
        if (!/^\/[A-Za-z0-9._~\-/]*$/.test(p) || hasDotOrEmptySegment(p)) {
          throw invalidProp('unauthenticatedPaths', p, 'Use exact HTTP paths starting with "/" (no wildcards: an open prefix would expose the API; no "." or ".." segments, no "//").');
        }
        if (p === '/') {
          throw invalidProp('unauthenticatedPaths', p, 'The root path is the API of many services: list the health paths themselves (e.g. "/health", "/ready").');
        }
      }
      // A namespace stage for a namespace where this policy has no callee is a typo or a leftover.
      this.node.addValidation({
        validate: () => Object.keys(props.namespaceStages ?? {})
          .filter((ns) => !this.namespaces.has(ns))
          .map((ns) => `Invalid 'namespaceStages.${ns}': this policy allows no callee in namespace "${ns}" (callees are in ${[...this.namespaces].sort().join(', ') || 'no namespace yet'}); remove it or fix the name.`),
      });
      const inApp = policiesOfApp.get(this.node.root) ?? [];
      inApp.push(this);
      policiesOfApp.set(this.node.root, inApp);
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /** The stage of a namespace. */
  public stageOf(namespace: string): RolloutStage {
    return this.props.namespaceStages?.[namespace] ?? this.props.stage;
  }

  /** The declared allows (caller, callee, methods, paths, ports), in declaration order. */
  public get allows(): ReadonlyArray<AllowRule> {
    return this.rules;
  }

  /**
   * Allows `caller` to call `callee` (with the given methods, paths and ports). Everything not
   * allowed is refused once the callee's namespace is at {@link RolloutStage.ENFORCE}.
   */
  public allow(caller: WorkloadIdentity | MeshCaller, callee: WorkloadIdentity, options: AllowOptions = {}): void {
    try {
      if (!(callee instanceof WorkloadIdentity)) {
        throw invalidProp('callee', callee, 'The callee must be a declared WorkloadIdentity.');
      }
      const from: MeshCaller = caller instanceof WorkloadIdentity ? { spiffeId: caller.spiffeId, identity: caller } : caller;
      for (const [prop, id] of [['callee', callee], ['caller', from?.identity]] as const) {
        if (id && id.node.root !== this.node.root) {
          throw invalidProp(prop, id.spiffeId.uri, `'${id.node.path}' is declared in another cdk8s App than this policy: its pods, labels and NetworkPolicies are not rendered with it. Declare both in one App.`);
        }
      }
      const other = policiesOfCallee.get(callee);
      if (other && other !== this && other.mesh.kind !== this.mesh.kind) {
        throw invalidProp(
          'callee',
          callee.spiffeId.uri,
          `'${other.node.path}' already renders ${other.mesh.kind} policy for this callee: a pod runs one mesh's proxy, and the other mesh's objects would never apply. Keep it in one mesh.`,
        );
      }
      if (!from || !(from.spiffeId instanceof SpiffeId)) {
        throw invalidProp('caller', caller, 'The caller must be a declared WorkloadIdentity or MeshPolicy.foreignCaller(spiffeId).');
      }
      for (const id of [from.identity, callee]) {
        if (id?.isBroad) {
          throw invalidProp(id === callee ? 'callee' : 'caller', id.spiffeId.uri, 'Broad identities (ANY namespace or service account) cannot be pinned in a policy.');
        }
      }
      if (from.spiffeId.equals(callee.spiffeId)) {
        throw invalidProp('caller', from.spiffeId.uri, 'A workload calling itself needs no policy.');
      }
      if (!from.identity) {
        const td = from.spiffeId.trustDomain;
        if (td.equals(callee.server.trustDomain)) {
          throw invalidProp('caller', from.spiffeId.uri, 'A caller in the local trust domain must be a declared WorkloadIdentity.');
        }
        if (!callee.federatesWith.some((f) => f.trustDomain.equals(td))) {
          throw invalidProp(
            'caller',
            from.spiffeId.uri,
            `Callee '${callee.node.path}' does not federate with trust domain "${td.name}", so it cannot verify this caller; add the FederatedTrustDomain to its 'federatesWith'.`,
          );
        }
      }
      if (!from.identity && !from.network && (this.props.networkPolicies ?? true) && this.stageOf(callee.namespace) === RolloutStage.ENFORCE) {
        throw invalidProp(
          'caller',
          from.spiffeId.uri,
          `At ENFORCE the NetworkPolicy of namespace ${callee.namespace} admits only declared sources, and this foreign caller's traffic has none: ` +
            "say where it enters, MeshPolicy.foreignCaller(id, { network: ForeignCallerNetwork.pods('<gateway namespace>', { <gateway labels> }) }) or " +
            'ForeignCallerNetwork.cidrs([...]) (or networkPolicies: false).',
        );
      }
      const methods = checkList(options.methods, 'methods', (m) => METHODS.includes(m), `Use uppercase HTTP methods: ${METHODS.join(', ')}.`);
      const paths = checkList(
        options.paths,
        'paths',
        (p) => /^\/[A-Za-z0-9._~\-/{}]*\*?$/.test(p) && p !== '/*' && !hasDotOrEmptySegment(p.replace(/\*$/, '')),
        'Use HTTP paths starting with "/", exact or with one trailing "*" (not "/*": omit paths to allow any; no "." or ".." segments: proxies normalise them away; no "//": Istio keeps it by default, others merge it, so the rule would mean different paths).',
      );
      for (const p of paths ?? []) {
        const open = this.healthPaths.find((h) => h === p || (p.endsWith('*') && h.startsWith(p.slice(0, -1))));
        if (open !== undefined) {
          throw invalidProp('paths', p, `"${open}" is one of the policy's unauthenticatedPaths, open to every caller: an allow on it grants nothing. Remove it from one of the two.`);
        }
      }
      this.renderer.checkAllow(from, callee, { methods, paths }, this.healthPaths);
      const labels = callee.podSelectorLabels();
      if (Object.keys(labels).length === 0) {
        throw invalidProp('callee', callee.spiffeId.uri, `Callee '${callee.node.path}' has no pod selector: bind() exactly one workload to it or pin 'podLabels'.`);
      }
      const workloadPorts = callee.workloadPorts();
      const ports = options.ports ?? workloadPorts;
      if (ports.length === 0) {
        throw invalidProp('ports', ports, `Callee '${callee.node.path}' exposes no container port; give 'ports'.`);
      }
      for (const p of ports) {
        if (!Number.isInteger(p) || p < 1 || p > 65535) {
          throw invalidProp('ports', p, 'Use TCP ports between 1 and 65535.');
        }
        if (workloadPorts.length > 0 && !workloadPorts.includes(p)) {
          throw invalidProp('ports', p, `Callee '${callee.node.path}' exposes ${workloadPorts.join(', ')}.`);
        }
      }
      const name = callee.serviceAccount;
      const known = this.calleeNames.get(`${callee.namespace}/${name}`);
      if (known && known !== callee) {
        throw invalidProp('callee', callee.spiffeId.uri, `Two callees in namespace ${callee.namespace} share service account "${name}" ('${known.node.path}'); one policy name per service account.`);
      }
      this.calleeNames.set(`${callee.namespace}/${name}`, callee);
      const rule: AllowRule = { caller: from, callee, methods, paths, ports: [...new Set(ports)].sort((a, b) => a - b) };
      const same = (a?: string[], b?: string[]) => JSON.stringify(a ? [...a].sort() : null) === JSON.stringify(b ? [...b].sort() : null);
      const twice = (this.rulesByCallee.get(callee) ?? []).some(
        (r) => r.caller.spiffeId.uri === from.spiffeId.uri && same(r.methods, methods) && same(r.paths, paths)
          && same(r.ports.map(String), rule.ports.map(String)),
      );
      if (twice) {
        throw invalidProp('allow', `${from.spiffeId.uri} → ${callee.spiffeId.uri}`, 'This exact allow (caller, callee, methods, paths, ports) is already declared; declare it once.');
      }
      this.rules.push(rule);
      policiesOfCallee.set(callee, this);
      const forCallee = this.rulesByCallee.get(callee) ?? [];
      forCallee.push(rule);
      this.rulesByCallee.set(callee, forCallee);
      this.render(rule);

    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /**
   * Files the mesh's control plane must be installed with (file name → content), e.g. for Istio
   * the istiod Helm values and IstioOperator overlay that make SPIRE the sidecars' CA.
   * `synthWithReports` writes them beside the manifests.
   */
  public get artifacts(): Record<string, string> {
    return this.renderer.artifacts?.() ?? {};
  }

  /** The declared allows of one callee. */
  public allowsTo(callee: WorkloadIdentity): AllowRule[] {
    return this.rulesByCallee.get(callee) ?? [];
  }

  private emit(obj: Record<string, unknown>): void {
    const { apiVersion, kind, metadata, ...rest } = obj as { apiVersion: string; kind: string; metadata: { name: string; namespace: string } };
    new ApiObject(this, `${kind}.${metadata.namespace}.${metadata.name}`, { apiVersion, kind, metadata, ...rest });
  }

  /** Renders the objects a new allow needs: namespace baseline, callee objects, the rule itself. */
  private render(rule: AllowRule): void {
    const callee = rule.callee;
    const ns = callee.namespace;
    const stage = this.stageOf(ns);
    const enforce = stage === RolloutStage.ENFORCE;
    const networkPolicies = (this.props.networkPolicies ?? true) && enforce;
    if (!this.namespaces.has(ns)) {
      this.namespaces.add(ns);
      this.renderer.namespace(ns, stage).forEach((o) => this.emit(o));
      if (networkPolicies) {
        this.emit(defaultDenyIngress(ns));
      }
    }
    let view = this.views.get(callee);
    if (!view) {
      view = { identity: callee, name: callee.serviceAccount, namespace: ns, labels: callee.podSelectorLabels() };
      this.views.set(callee, view);
      this.renderer.callee(view, stage, this.healthPaths, callee.workloadPorts().length > 0 ? callee.workloadPorts() : rule.ports).forEach((o) => this.emit(o));
      if (this.props.allowlistConfigMaps ?? true) {
        const v = view;
        this.emit({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `${view.name}-allowed-callers`, namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'spire-constructs' } },
          data: {
            'allowed-callers.json': Lazy.any({ produce: () => JSON.stringify(renderAllowlist(v, this.allowsTo(callee), this.healthPaths, stage, this.mesh.kind), undefined, 2) + '\n' }),
          },
        });
      }
    }
    const index = this.allowsTo(callee).length - 1;
    this.renderer.allow(view, rule, index, stage, this.healthPaths).forEach((o) => this.emit(o));
    if (networkPolicies) {
      const np = allowIngress(view, rule, index, this.renderer.dataPlanePorts);
      if (np) this.emit(np);
    }
  }
}

function checkStage(stage: RolloutStage, prop: string): void {
  if (!Object.values(RolloutStage).includes(stage)) {
    throw invalidProp(prop, stage, `Use one of ${Object.values(RolloutStage).join(', ')}.`);
  }
}

function hasDotOrEmptySegment(path: string): boolean {
  return path.slice(1).split('/').some((s, i, all) => s === '.' || s === '..' || (s === '' && i < all.length - 1));
}

function checkList(values: string[] | undefined, prop: string, ok: (v: string) => boolean, allowed: string): string[] | undefined {
  if (values === undefined) return undefined;
  if (!Array.isArray(values) || values.length === 0) {
    throw invalidProp(prop, values, `An empty list would match nothing or, in some meshes, everything; omit '${prop}' to allow any, or list values. ${allowed}`);
  }
  for (const v of values) {
    if (typeof v !== 'string' || !ok(v) || v.includes('*') && v.indexOf('*') !== v.length - 1) {
      throw invalidProp(prop, v, allowed);
    }
  }
  return [...new Set(values)];
}
