import { Finding } from '../checklist/engine';
import { Level } from '../checklist/rule';

/** `checklist.md`: every finding, blocking ones first, acknowledgements with their reasons. */
export function renderChecklistMarkdown(findings: ReadonlyArray<Finding>, title = 'Production checklist'): string {
  const open = findings.filter((f) => f.acknowledged === undefined);
  const acked = findings.filter((f) => f.acknowledged !== undefined);
  const count = (level: Level) => open.filter((f) => f.level === level).length;
  const lines = [
    `# ${title}`,
    '',
    `${count(Level.ERROR)} ERROR, ${count(Level.WARN)} WARN, ${count(Level.INFO)} INFO open; ${acked.length} acknowledged.`,
    '',
  ];
  const order = { ERROR: 0, WARN: 1, INFO: 2 } as Record<string, number>;
  if (open.length > 0) {
    lines.push('## Open findings', '', '| rule | level | object | finding | fix |', '|---|---|---|---|---|');
    for (const f of [...open].sort((a, b) => order[a.level] - order[b.level])) {
      lines.push(`| ${f.ruleId} | ${f.level} | ${f.object} | ${f.message} | ${f.fix} |`);
    }
    lines.push('');
  }
  if (acked.length > 0) {
    lines.push('## Acknowledged findings', '', '| rule | level | object | finding | reason given |', '|---|---|---|---|---|');
    for (const f of acked) lines.push(`| ${f.ruleId} | ${f.level} | ${f.object} | ${f.message} | ${f.acknowledged} |`);
    lines.push('');
  }
  if (findings.length === 0) lines.push('Every rule passes.', '');
  return lines.join('\n');
}
