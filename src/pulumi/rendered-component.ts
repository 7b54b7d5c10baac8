import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { ApiObject, Chart } from 'cdk8s';
import { componentInputs } from './context';
import { Checklist } from '../checklist/checklist';
import { formatFinding } from '../checklist/engine';
import { KubeObject, Level } from '../checklist/rule';

/** Kinds registered first, so that everything else can depend on them. */
const FOUNDATION_KINDS = new Set(['Namespace', 'CustomResourceDefinition']);

/**
 * A Pulumi component whose Kubernetes objects are rendered by the cdk8s constructs: one
 * rendering model for both front ends. Objects are registered as Pulumi Kubernetes resources
 * through `k8s.yaml.ConfigGroup` (v1, client-side: every object stays a visible child), CRDs and
 * namespaces first.
 */
export abstract class RenderedComponent extends pulumi.ComponentResource {
  /** The objects registered, in order (what cdk8s would write to YAML). */
  public readonly objects: KubeObject[] = [];
  /** The ConfigGroups the objects are registered through (foundation first). */
  public readonly configGroups: k8s.yaml.ConfigGroup[] = [];
  /** Checklist findings of the rendered objects. */
  public readonly findings: ReturnType<typeof Checklist.evaluate> = [];

  protected constructor(type: string, private readonly componentName: string, args: object, opts?: pulumi.ComponentResourceOptions) {
    super(type, componentName, componentInputs(args), opts);
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
   */
  protected registerChart(chart: Chart, opts: pulumi.ComponentResourceOptions | undefined, checklist = true): void {
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
    const childOpts = { parent: this, ...(opts?.provider ? { provider: opts.provider } : {}) };
    const foundation = objects.filter((o) => FOUNDATION_KINDS.has(o.kind));
    const rest = objects.filter((o) => !FOUNDATION_KINDS.has(o.kind));
    const first = foundation.length > 0 ? new k8s.yaml.ConfigGroup(`${this.componentName}-foundation`, { objs: foundation }, childOpts) : undefined;
    if (first) this.configGroups.push(first);
    if (rest.length > 0) {
      this.configGroups.push(new k8s.yaml.ConfigGroup(`${this.componentName}-resources`, { objs: rest }, { ...childOpts, dependsOn: first ? [first] : [] }));
    }
  }
}
