import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { isReason } from '../reason';
import { invalidProp } from '../validation';
import { blockingFindings, Finding, formatFinding, runChecklist } from './engine';
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
const renderers = new WeakMap<Chart, () => KubeObject[]>();
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

  /** Runs the checklist whenever the chart renders (synth, `Testing.synth`); idempotent. */
  public static enable(chart: Chart, options: ChecklistOptions = {}): void {
    if (renderers.has(chart)) return;
    const render = chart.toJson.bind(chart) as () => KubeObject[];
    renderers.set(chart, render);
    Object.defineProperty(chart, 'toJson', {
      configurable: true,
      writable: true,
      value: () => {
        const objects = render();
        const run = { objects, findings: Checklist.findingsOf(chart, objects) };
        lastRuns.set(chart, run);
        const blocking = blockingFindings(run.findings, options.strict ?? false);
        if (blocking.length > 0) {
          throw new Error(
            `Production checklist: ${blocking.length} finding(s) must be fixed or acknowledged (Checklist.acknowledge(construct, ruleId, reason)):\n` +
              run.findings.map((f) => `  ${formatFinding(f)}`).join('\n'),
          );
        }
        return objects;
      },
    });
  }

  /** True when the checklist runs for the chart. */
  public static isEnabled(chart: Chart): boolean {
    return renderers.has(chart);
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
    const render = renderers.get(chart) ?? (chart.toJson.bind(chart) as () => KubeObject[]);
    return Checklist.findingsOf(chart, render());
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
