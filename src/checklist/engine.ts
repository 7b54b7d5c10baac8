import { Level, KubeObject, Rule } from './rule';
import { RULES } from './rules';

/** One finding of the checklist. */
export interface Finding {
  /** The rule's stable id. */
  readonly ruleId: string;
  /** The rule's level. */
  readonly level: Level;
  /** The object, `kind namespace/name`. */
  readonly object: string;
  /** What is wrong. */
  readonly message: string;
  /** The rule in one line. */
  readonly title: string;
  /** Why the rule exists. */
  readonly reason: string;
  /** How to fix it. */
  readonly fix: string;
  /** The acknowledgement's reason, when the finding is acknowledged. */
  readonly acknowledged?: string;
}

/** Options of {@link runChecklist}. */
export interface RunChecklistOptions {
  /**
   * Returns the acknowledgement reason of a finding, if it is acknowledged.
   * @default - nothing is acknowledged
   */
  readonly acknowledgement?: (ruleId: string, object: string) => string | undefined;
  /**
   * The rules to run.
   * @default RULES (all)
   */
  readonly rules?: ReadonlyArray<Rule>;
}

/** Id of the finding reported when a rule itself fails. */
export const RULE_ERROR_ID = 'SPIRE-RuleError';

/**
 * Runs the production checklist over rendered manifests. Pure: the same objects give the same
 * findings, in rule order then object order.
 */
export function runChecklist(objects: ReadonlyArray<KubeObject>, options: RunChecklistOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of options.rules ?? RULES) {
    let hits;
    try {
      hits = rule.check(objects);
    } catch (e) {
      findings.push({
        ruleId: RULE_ERROR_ID,
        level: Level.ERROR,
        object: rule.id,
        message: `rule ${rule.id} failed: ${e instanceof Error ? e.message : String(e)}`,
        title: 'A checklist rule failed to run.',
        reason: 'A rule that cannot run checks nothing.',
        fix: 'Report the manifests that make the rule fail.',
      });
      continue;
    }
    for (const hit of hits) {
      const acknowledged = options.acknowledgement?.(rule.id, hit.object);
      findings.push({
        ruleId: rule.id,
        level: rule.level,
        object: hit.object,
        message: hit.message,
        title: rule.title,
        reason: rule.reason,
        fix: rule.fix,
        ...(acknowledged !== undefined ? { acknowledged } : {}),
      });
    }
  }
  return findings;
}

/** Findings that fail synth: unacknowledged ERRORs (and, when strict, unacknowledged WARNs). */
export function blockingFindings(findings: ReadonlyArray<Finding>, strict = false): Finding[] {
  return findings.filter((f) => f.acknowledged === undefined && (f.level === Level.ERROR || (strict && f.level === Level.WARN)));
}

/** One line per finding: `SPIRE-SRV1 ERROR StatefulSet ns/name: message`. */
export function formatFinding(f: Finding): string {
  return `${f.ruleId} ${f.level} ${f.object}: ${f.message}${f.acknowledged !== undefined ? ` (acknowledged: ${f.acknowledged})` : ` Fix: ${f.fix}`}`;
}
