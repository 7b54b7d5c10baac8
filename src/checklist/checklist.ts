import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from '../errors';
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

const acks = new WeakMap<IConstruct, Acknowledgement[]>();
const enabled = new WeakMap<Chart, ChecklistOptions>();

/**
 * The production checklist at synth: unacknowledged ERROR findings fail `cdk8s synth` with every
 * finding listed; WARN and INFO findings go to the report.
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
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      throw invalidProp('reason', reason, 'Give a written reason of at least 10 characters.');
    }
    const list = acks.get(scope) ?? [];
    list.push({ ruleId, reason, path: scope.node.path });
    acks.set(scope, list);
  }

  /** Runs the checklist when the chart synthesizes (idempotent). */
  public static enable(chart: Chart, options: ChecklistOptions = {}): void {
    if (enabled.has(chart)) return;
    enabled.set(chart, options);
    chart.node.addValidation({
      validate: () => {
        const findings = Checklist.evaluate(chart);
        const blocking = blockingFindings(findings, options.strict ?? false);
        if (blocking.length === 0) return [];
        return [
          `Production checklist: ${blocking.length} finding(s) must be fixed or acknowledged (Checklist.acknowledge(construct, ruleId, reason)):\n` +
            findings.map((f) => `  ${formatFinding(f)}`).join('\n'),
        ];
      },
    });
  }

  /** True when the checklist runs for the chart. */
  public static isEnabled(chart: Chart): boolean {
    return enabled.has(chart);
  }

  /** The chart's rendered objects, each with the construct that renders it. */
  public static objectsOf(chart: Chart): Array<{ object: KubeObject; source: ApiObject }> {
    return chart.node
      .findAll()
      .filter((c): c is ApiObject => c instanceof ApiObject)
      .map((source) => ({ object: source.toJson() as KubeObject, source }));
  }

  /** Runs the checklist on a chart, with its acknowledgements. */
  public static evaluate(chart: Chart): Finding[] {
    const objects = Checklist.objectsOf(chart);
    const sources = new Map<string, ApiObject>();
    for (const { object, source } of objects) sources.set(objectName(object), source);
    return runChecklist(
      objects.map((o) => o.object),
      {
        acknowledgement: (ruleId, object) => {
          const scopes = sources.get(object)?.node.scopes ?? [chart];
          for (const scope of [...scopes].reverse()) {
            const found = (acks.get(scope) ?? []).find((a) => a.ruleId === ruleId);
            if (found) return found.reason;
          }
          return undefined;
        },
      },
    );
  }
}
