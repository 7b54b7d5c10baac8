import { IdentityReport, ReportedCall, ReportedIdentity } from './identity-report';
import { goDurationSeconds } from '../checklist/inspect';

/** One change in identity terms. */
export interface IdentityChange {
  /** True when the change grants more (new identity, looser selector, longer TTL, new caller, weaker stage). */
  readonly widening: boolean;
  /** What changed, in one sentence. */
  readonly text: string;
}

const STAGES = ['OBSERVE', 'PERMISSIVE', 'STRICT', 'ENFORCE'];
const callKey = (c: ReportedCall) => `${c.caller} → ${c.callee} ${c.methods.join(',')} ${c.paths.join(',')} :${c.ports.join(',')}`;

/** What changed between two identity reports, widening changes first. */
export function diffIdentityReports(before: IdentityReport, after: IdentityReport): IdentityChange[] {
  const changes: IdentityChange[] = [];
  const oldIds = new Map(before.identities.map((i) => [i.spiffeId, i]));
  const newIds = new Map(after.identities.map((i) => [i.spiffeId, i]));
  for (const [id, n] of newIds) {
    const o = oldIds.get(id);
    if (!o) {
      changes.push({ widening: true, text: `identity added: ${id} (namespace ${n.namespace}, service account ${n.serviceAccount})` });
      continue;
    }
    changes.push(...identityChanges(o, n));
  }
  for (const id of oldIds.keys()) {
    if (!newIds.has(id)) changes.push({ widening: false, text: `identity removed: ${id}` });
  }
  const oldCalls = new Map(before.calls.map((c) => [callKey(c), c]));
  const newCalls = new Map(after.calls.map((c) => [callKey(c), c]));
  for (const [k] of newCalls) if (!oldCalls.has(k)) changes.push({ widening: true, text: `caller gained: ${k}` });
  for (const [k] of oldCalls) if (!newCalls.has(k)) changes.push({ widening: false, text: `caller lost: ${k}` });
  const stageOf = (r: IdentityReport) => new Map(r.calls.map((c) => [c.callee, c.stage]));
  const oldStages = stageOf(before);
  for (const [callee, stage] of stageOf(after)) {
    const was = oldStages.get(callee);
    if (was && was !== stage) {
      changes.push({ widening: STAGES.indexOf(stage) < STAGES.indexOf(was), text: `stage of ${callee}: ${was} → ${stage}` });
    }
  }
  return [...changes.filter((c) => c.widening), ...changes.filter((c) => !c.widening)];
}

function identityChanges(o: ReportedIdentity, n: ReportedIdentity): IdentityChange[] {
  const out: IdentityChange[] = [];
  const id = n.spiffeId;
  for (const [what, a, b] of [['namespace', o.namespace, n.namespace], ['service account', o.serviceAccount, n.serviceAccount]] as const) {
    if (a !== b) out.push({ widening: b === '*', text: `${id}: ${what} selector ${a} → ${b}${b === '*' ? ' (widened to any)' : ''}` });
  }
  for (const p of o.pins.filter((x) => !n.pins.includes(x))) out.push({ widening: true, text: `${id}: selector pin removed (${p})` });
  for (const p of n.pins.filter((x) => !o.pins.includes(x))) out.push({ widening: false, text: `${id}: selector pin added (${p})` });
  for (const [what, a, b] of [['X509-SVID TTL', o.x509SvidTtl, n.x509SvidTtl], ['JWT-SVID TTL', o.jwtSvidTtl, n.jwtSvidTtl]] as const) {
    if (a !== b) out.push({ widening: goDurationSeconds(b) > goDurationSeconds(a), text: `${id}: ${what} ${a} → ${b}` });
  }
  for (const f of n.federatesWith.filter((x) => !o.federatesWith.includes(x))) out.push({ widening: true, text: `${id}: now federates with ${f}` });
  for (const f of o.federatesWith.filter((x) => !n.federatesWith.includes(x))) out.push({ widening: false, text: `${id}: no longer federates with ${f}` });
  for (const d of n.dnsNames.filter((x) => !o.dnsNames.includes(x))) out.push({ widening: true, text: `${id}: DNS name added (${d})` });
  for (const [k, v] of Object.entries(n.exceptions)) if (o.exceptions[k] !== v) out.push({ widening: true, text: `${id}: exception ${k} (${v})` });
  return out;
}

/** The diff as Markdown for a pull request. */
export function renderDiffMarkdown(changes: ReadonlyArray<IdentityChange>): string {
  if (changes.length === 0) return '# Identity changes\n\nNo identity changes.\n';
  const widening = changes.filter((c) => c.widening);
  const other = changes.filter((c) => !c.widening);
  const lines = ['# Identity changes', ''];
  if (widening.length > 0) lines.push(`## ⚠ Widening (${widening.length}) — review first`, '', ...widening.map((c) => `- ⚠ ${c.text}`), '');
  if (other.length > 0) lines.push(`## Other (${other.length})`, '', ...other.map((c) => `- ${c.text}`), '');
  return lines.join('\n');
}
