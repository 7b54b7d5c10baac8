import { ApiObject, Chart, ChartProps, DependencyGraph } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { isReason } from '../reason';
import { invalidProp } from '../validation';
import { blockingFindings, Finding, formatFindings, runChecklist } from './engine';
import { KubeObject, objectName } from './rule';
import { RULES } from './rules';

/** An acknowledgement of a checklist rule on a construct and its children. */
export interface Acknowledgement {
  /** The rule id. */
  readonly ruleId: string;
  /** Why the finding is acceptable (at least 10 characters; shown in the report). */
  readonly reason: string;
  /** The construct path it was given on. */
  readonly path: string;
}

/** Options of {@link Checklist.enable}. */
export interface ChecklistOptions {
  /**
   * Fail synth on unacknowledged WARN findings too.
   * @default false
   */
  readonly strict?: boolean;
}

/** What the checklist saw the last time a chart was rendered. */
export interface ChecklistRun {
  /** The rendered objects, in output order. */
  readonly objects: KubeObject[];
  /** The findings. */
  readonly findings: Finding[];
}

const acks = new WeakMap<IConstruct, Acknowledgement[]>();
const enabled = new WeakMap<Chart, ChecklistOptions>();
const checkedCharts = new WeakSet<Chart>();
const lastRuns = new WeakMap<Chart, ChecklistRun>();

/**
 * The production checklist at synth: the rules run over exactly the objects cdk8s renders for
 * the chart (rendered once); unacknowledged ERROR findings fail `cdk8s synth` with every finding
 * listed; WARN and INFO findings go to the report.
 */
export class Checklist {
  /**
   * Acknowledges a rule on a construct and everything below it. The reason is shown in the
   * report; acknowledgements are never silent.
   */
  public static acknowledge(scope: IConstruct, ruleId: string, reason: string): void {
    if (!RULES.some((r) => r.id === ruleId)) {
      throw invalidProp('ruleId', ruleId, `Use a rule id of the checklist (${RULES.map((r) => r.id).join(', ')}).`);
    }
    if (!isReason(reason)) {
      throw invalidProp('reason', reason, 'Give a written reason of at least 10 characters.');
    }
    const list = acks.get(scope) ?? [];
    list.push({ ruleId, reason, path: scope.node.path });
    acks.set(scope, list);
  }

  /**
   * Runs the checklist whenever the app is synthesized (`app.synth()`, `Testing.synth`),
   * through cdk8s's documented synth hook: a validation on the chart, which renders the chart's
   * objects and fails synth on blocking findings. Idempotent. A {@link ChecklistChart} runs it
   * on the objects its own rendering returns instead (one rendering, no hook).
   */
  public static enable(chart: Chart, options: ChecklistOptions = {}): void {
    const known = enabled.has(chart);
    enabled.set(chart, { ...enabled.get(chart), ...options });
    // (Not `instanceof`: cdk8s answers it for any Chart.)
    if (known || checkedCharts.has(chart)) return;
    chart.node.addValidation({ validate: () => Checklist.check(chart, renderChart(chart)) });
  }

  /**
   * Runs the checklist over the objects rendered from the chart: records the run
   * ({@link Checklist.lastRun}) and returns the message that fails synth, if any finding blocks.
   *
   * @internal
   */
  public static check(chart: Chart, objects: KubeObject[]): string[] {
    const run = { objects, findings: Checklist.findingsOf(chart, objects) };
    lastRuns.set(chart, run);
    const blocking = blockingFindings(run.findings, enabled.get(chart)?.strict ?? false);
    if (blocking.length === 0) return [];
    return [
      `Production checklist: ${blocking.length} finding(s) must be fixed or acknowledged (Checklist.acknowledge(construct, ruleId, reason)):\n` +
        formatFindings(run.findings, enabled.get(chart)?.strict ?? false, '  ').join('\n'),
    ];
  }

  /** True when the checklist runs for the chart. */
  public static isEnabled(chart: Chart): boolean {
    return enabled.has(chart);
  }

  /**
   * What the checklist saw when the chart was last rendered (by `app.synth()`, for example),
   * or undefined before the first rendering.
   */
  public static lastRun(chart: Chart): ChecklistRun | undefined {
    return lastRuns.get(chart);
  }

  /** Renders the chart and runs the checklist on it, with its acknowledgements (never throws on findings). */
  public static evaluate(chart: Chart): Finding[] {
    return Checklist.findingsOf(chart, renderChart(chart));
  }

  /** Runs the checklist on objects already rendered from the chart, with its acknowledgements. */
  public static findingsOf(chart: Chart, objects: KubeObject[]): Finding[] {
    // Which construct renders which object, without rendering again.
    const sources = new Map<string, ApiObject>();
    for (const c of chart.node.findAll()) {
      if (c instanceof ApiObject) {
        sources.set(objectName({ apiVersion: c.apiVersion, kind: c.kind, metadata: { name: c.name, namespace: c.metadata.namespace } }), c);
      }
    }
    return runChecklist(objects, {
      origin: 'spire-constructs',
      acknowledgement: (ruleId, object) => {
        const scopes = sources.get(object)?.node.scopes ?? [chart];
        for (const scope of [...scopes].reverse()) {
          const found = (acks.get(scope) ?? []).find((a) => a.ruleId === ruleId);
          if (found) return found.reason;
        }
        return undefined;
      },
    });
  }
}

/** Properties of {@link ChecklistChart}. */
export interface ChecklistChartProps extends ChartProps {
  /**
   * Fail synth on unacknowledged WARN findings too.
   * @default false
   */
  readonly strict?: boolean;
}

/**
 * A Chart whose rendering is checked: `toJson()` renders the objects once and runs the
 * production checklist over exactly those objects, failing synth on blocking findings. Use it as
 * the base of your chart (the examples do); on any other chart, {@link Checklist.enable} (and
 * `SpireStack`'s `checklist`, on by default) runs the checklist through a validation instead.
 */
export class ChecklistChart extends Chart {
  public constructor(scope: Construct, id: string, props: ChecklistChartProps = {}) {
    super(scope, id, props);
    checkedCharts.add(this);
    Checklist.enable(this, { strict: props.strict });
  }

  /** Renders the chart and checks what it rendered: the checklist as an explicit synth step. */
  public toJson(): any[] {
    const objects = super.toJson() as KubeObject[];
    const problems = Checklist.check(this, objects);
    if (problems.length > 0) {
      throw new Error(problems[0]);
    }
    return objects;
  }
}

/** The chart's objects as cdk8s renders them (dependency order, the chart's own objects). */
function renderChart(chart: Chart): KubeObject[] {
  return new DependencyGraph(chart.node)
    .topology()
    .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
    .map((o) => o.toJson() as KubeObject);
}
