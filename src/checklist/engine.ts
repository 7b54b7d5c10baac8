import { Level, KubeObject, madeBySpireConstructs, objectName, Rule } from './rule';
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
  /**
   * Who made the manifests, which decides the fix printed: `spire-constructs` prints the rules'
   * fixes in this library's props, `other` their neutral fixes (the Kubernetes or SPIRE field),
   * `auto` decides per object by the `app.kubernetes.io/managed-by` label.
   * @default 'auto'
   */
  readonly origin?: 'spire-constructs' | 'other' | 'auto';
}

/** Id of the finding reported when a rule itself fails. */
export const RULE_ERROR_ID = 'SPIRE-RuleError';

/**
 * Runs the production checklist over rendered manifests. Pure: the same objects give the same
 * findings, in rule order then object order.
 */
export function runChecklist(objects: ReadonlyArray<KubeObject>, options: RunChecklistOptions = {}): Finding[] {
  const findings: Finding[] = [];
  const origin = options.origin ?? 'auto';
  const byName = new Map<string, KubeObject>();
  if (origin === 'auto') for (const o of objects) if (o && typeof o === 'object') byName.set(objectName(o), o);
  const setIsOurs = origin === 'auto' ? madeBySpireConstructs(undefined, objects) : origin === 'spire-constructs';
  const fixFor = (rule: Rule, object: string) => {
    if (rule.neutralFix === undefined) return rule.fix;
    const o = byName.get(object);
    const ours = origin === 'auto' ? (o ? madeBySpireConstructs(o, objects) : setIsOurs) : setIsOurs;
    return ours ? rule.fix : rule.neutralFix;
  };
  // One frozen array for every rule: the readers they share (src/checklist/inspect.ts) scan it once.
  const shared = Object.isFrozen(objects) ? objects : Object.freeze([...objects]);
  for (const rule of options.rules ?? RULES) {
    let hits;
    try {
      hits = rule.check(shared);
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
        fix: fixFor(rule, hit.object),
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

/**
 * The findings as lines, blocking ones first: the blocking findings, then the other open ones
 * (under `Not blocking:`), then the acknowledged ones (under `Acknowledged (not blocking):`),
 * so an acknowledgement is never read as ignored. Each finding is indented by `indent`.
 */
export function formatFindings(findings: ReadonlyArray<Finding>, strict = false, indent = ''): string[] {
  const blocking = blockingFindings(findings, strict);
  const open = findings.filter((f) => f.acknowledged === undefined && !blocking.includes(f));
  const acked = findings.filter((f) => f.acknowledged !== undefined);
  const lines = blocking.map((f) => `${indent}${formatFinding(f)}`);
  if (open.length > 0) lines.push(`${blocking.length > 0 ? 'Not blocking' : 'Open, not blocking'}:`, ...open.map((f) => `${indent}${formatFinding(f)}`));
  if (acked.length > 0) lines.push('Acknowledged (not blocking):', ...acked.map((f) => `${indent}${formatFinding(f)}`));
  return lines;
}

/** One line per finding: `SPIRE-SRV1 ERROR StatefulSet ns/name: message`. */
export function formatFinding(f: Finding): string {
  return `${f.ruleId} ${f.level} ${f.object}: ${f.message}${f.acknowledged !== undefined ? ` (acknowledged: ${f.acknowledged})` : ` Fix: ${f.fix}`}`;
}
