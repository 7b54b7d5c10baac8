import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, Chart } from 'cdk8s';
// From the package index, not the modules: the Pulumi bundle takes the library from lib/bundle/index.js (scripts/bundle.ts).
import { Checklist, formatFinding, KubeObject, Level } from '..';
import { componentInputs, RenderContext } from './context';

/** How {@link RenderedComponent} registers a chart. @internal */
export interface RegisterOptions {
  /** Run the production checklist (false only when the user turned it off). */
  readonly checklist?: boolean;
  /**
   * Register custom resources as direct children instead of through a ConfigGroup: given, where
   * each object was registered before (its aliases), so that a deployed stack moves it instead of
   * creating it anew and deleting the old one (the same object).
   */
  readonly direct?: (object: KubeObject) => pulumi.Input<pulumi.Alias>[];
}

/** Kinds registered first, so that everything else can depend on them. */
const FOUNDATION_KINDS = new Set(['Namespace', 'CustomResourceDefinition']);

/**
 * A Pulumi component whose Kubernetes objects are rendered by the cdk8s constructs: one
 * rendering model for both front ends. Objects are registered as Pulumi Kubernetes resources
 * through `k8s.yaml.ConfigGroup` (v1, client-side: every object stays a visible child), CRDs and
 * namespaces first; a WorkloadIdentity registers its one ClusterSPIFFEID directly.
 */
export abstract class RenderedComponent extends pulumi.ComponentResource {
  /** The objects registered, in order (what cdk8s would write to YAML). */
  public readonly objects: KubeObject[] = [];
  /**
   * The ConfigGroups the objects are registered through (foundation first). Empty for a
   * WorkloadIdentity: it registers its ClusterSPIFFEID as its own child.
   */
  public readonly configGroups: k8s.yaml.ConfigGroup[] = [];
  /** Checklist findings of the rendered objects. */
  public readonly findings: ReturnType<typeof Checklist.evaluate> = [];
  /**
   * CRDs the objects need that this tree does not create (prometheus-operator, CloudNativePG,
   * Istio, Linkerd, Cilium): installed first, or the objects fail to apply.
   */
  public readonly prerequisites: ReadonlyArray<string> = [];

  protected constructor(type: string, private readonly componentName: string, args: object, opts?: pulumi.ComponentResourceOptions) {
    super(type, componentName, componentInputs(args), opts);
    // Pulumi looks for unknown values in every output's value, walking the enumerable fields of
    // any resource in it, its parent's included: ConfigGroup resolves one output per object that
    // holds the object's resource, so each object would walk all of this component's objects
    // (quadratic in the objects of a component: minutes at 1,000 identities under mocks). The
    // fields stay public, out of that walk.
    this.keepOutOfWalk('objects', 'configGroups', 'findings', 'prerequisites');
  }

  /** Makes fields (set already) non-enumerable: public, but out of Pulumi's walk of outputs (see the constructor). */
  protected keepOutOfWalk(...fields: string[]): void {
    for (const field of fields) {
      Object.defineProperty(this, field, { enumerable: false });
    }
  }

  /** Runs the construct code, turning a construct error into a ResourceError of this component. */
  protected build<T>(create: () => T): T {
    try {
      return create();
    } catch (e) {
      throw new pulumi.ResourceError(e instanceof Error ? e.message : String(e), this);
    }
  }

  /**
   * Renders a chart and registers its objects. The chart's validations (identity conflicts, the
   * agent's server) and the production checklist over the chart's objects fail the program with
   * a ResourceError; WARN findings are logged. Every component runs the checklist (`checklist`:
   * false only when the user turned it off).
   *
   * `direct`: register each object as a child of this component (a `CustomResource`, named as the
   * ConfigGroup would name it, with the aliases `direct` gives) instead of through ConfigGroups:
   * for components that render custom resources only (identities' ClusterSPIFFEIDs), one wrapper
   * fewer per object. Same provider, same `dependsOn`, same checks.
   *
   * @internal
   */
  protected registerChart(chart: Chart, context: RenderContext, opts: pulumi.ComponentResourceOptions | undefined, options: RegisterOptions = {}): void {
    const { checklist = true, direct } = options;
    // Validate and render this chart only (its constructs may share an App with other
    // components, for cross-identity checks; re-validating the whole App per component would
    // make the cost quadratic).
    const constructs = chart.node.findAll();
    const problems = constructs.flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
    if (problems.length > 0) {
      throw new pulumi.ResourceError(`Validation failed with the following errors:\n  ${problems.join('\n  ')}`, this);
    }
    const objects = constructs.filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson() as KubeObject);
    if (checklist) {
      const findings = Checklist.findingsOf(chart, objects);
      (this.findings as unknown as unknown[]).push(...findings);
      const errors = findings.filter((f) => f.level === Level.ERROR && f.acknowledged === undefined);
      if (errors.length > 0) {
        throw new pulumi.ResourceError(`Production checklist: ${errors.length} finding(s) must be fixed or acknowledged:\n${errors.map(formatFinding).join('\n')}`, this);
      }
      for (const f of findings.filter((x) => x.level === Level.WARN && x.acknowledged === undefined)) {
        void pulumi.log.warn(formatFinding(f), this);
      }
    }
    this.objects.push(...objects);
    // The caller's provider on every child (a renderYamlToDirectory provider included); child
    // names carry the component's name, so two stacks (or charts) with the same objects in one
    // program get distinct URNs.
    const childOpts = { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) };
    const group = (role: string, objs: KubeObject[], dependsOn: pulumi.Resource[]) =>
      new k8s.yaml.ConfigGroup(`${this.componentName}-${role}`, { objs, resourcePrefix: this.componentName }, { ...childOpts, dependsOn });
    const foundation = objects.filter((o) => FOUNDATION_KINDS.has(o.kind));
    const rest = objects.filter((o) => !FOUNDATION_KINDS.has(o.kind));
    // Namespaces and CRDs of the tree first (this component's, then the stack's for identities and
    // policies), and the custom resources' CRDs from elsewhere checked to exist.
    const first = foundation.length > 0 ? group('foundation', foundation, [...context.foundation]) : undefined;
    if (first) {
      this.configGroups.push(first);
      context.foundation.push(first);
    }
    for (const o of foundation.filter((x) => x.kind === 'CustomResourceDefinition')) context.definedCrds.add(String(o.metadata?.name));
    if (rest.length > 0) {
      const prerequisites = requiredCrds(rest).filter((crd) => !context.definedCrds.has(crd));
      (this.prerequisites as string[]).push(...prerequisites);
      const checks = context.checkPrerequisites ? prerequisites.map((crd) => context.prerequisite(crd, childOpts.provider)) : [];
      const dependsOn = [...(first ? [first] : context.foundation), ...checks];
      if (direct && first === undefined && rest.every((o) => requiredCrds([o]).length > 0)) {
        for (const o of rest) {
          // The name ConfigGroup gives with `resourcePrefix`: <component>-[<namespace>/]<name>.
          const name = `${this.componentName}-${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;
          new k8s.apiextensions.CustomResource(name, o as unknown as k8s.apiextensions.CustomResourceArgs, { ...childOpts, dependsOn, aliases: direct(o) });
        }
      } else {
        this.configGroups.push(group('resources', rest, dependsOn));
      }
    }
  }
}

/** Core API groups: no CRD needed. */
const BUILT_IN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io']);

/** The CRD names (`<plural>.<group>`) custom resources need, sorted. @internal */
export function requiredCrds(objects: ReadonlyArray<KubeObject>): string[] {
  const crds = new Set<string>();
  for (const o of objects) {
    const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    if (BUILT_IN_GROUPS.has(group)) continue;
    const kind = o.kind.toLowerCase();
    const plural = kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`;
    crds.add(`${plural}.${group}`);
  }
  return [...crds].sort();
}
