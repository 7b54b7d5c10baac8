import { Chart } from 'cdk8s';
import { Checklist } from './checklist';
import { blockingFindings, Finding, formatFinding } from './engine';

/** Options of {@link ChecklistExpectation.toPass}. */
export interface ToPassOptions {
  /**
   * Also fail on unacknowledged WARN findings.
   * @default false
   */
  readonly strict?: boolean;
}

/** Assertions on a chart's checklist findings, usable from any test framework. */
export interface ChecklistExpectation {
  /** The findings. */
  readonly findings: Finding[];
  /** Throws, listing every blocking finding with its rule and fix, unless the chart passes. */
  toPass(options?: ToPassOptions): void;
}

/**
 * For your own tests: `expectChecklist(chart).toPass()` fails when a change loosens a selector,
 * lengthens a TTL or otherwise breaks the production checklist, with the rule's message.
 */
export function expectChecklist(chart: Chart): ChecklistExpectation {
  const findings = Checklist.evaluate(chart);
  return {
    findings,
    toPass: (options = {}) => {
      const blocking = blockingFindings(findings, options.strict ?? false);
      if (blocking.length > 0) {
        throw new Error(`Production checklist failed for chart '${chart.node.path}':\n${blocking.map((f) => `  ${formatFinding(f)}`).join('\n')}`);
      }
    },
  };
}
