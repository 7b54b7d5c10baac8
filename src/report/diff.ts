import { cidrContains, IdentityReport, normalizeIdentityReport, ReportedCall, ReportedDefault, ReportedIdentity, ReportedNetworkAllow, ReportedUnauthenticated } from './identity-report';
import { describeNamespaces, describePods, describeRequirement, lostRequirements, requirements } from './selectors';
import { goDurationSeconds } from '../checklist/inspect';

/** What kind of change an {@link IdentityChange} is. */
export type IdentityChangeKind =
  | 'identity'
  | 'selector'
  | 'ttl'
  | 'federation'
  | 'dns'
  | 'exception'
  | 'caller'
  | 'unauthenticated'
  | 'stage'
  | 'default'
  | 'network'
  | 'wide-cidr';

/** One change in identity terms. */
export interface IdentityChange {
  /** True when the change grants more (new identity or caller, broader selector, longer TTL, new open path, looser stage or default, new federation, new network peer). */
  readonly widening: boolean;
  /** What changed, in one line (before → after, and the written reason when there is one). */
  readonly text: string;
  /** What kind of change. */
  readonly kind: IdentityChangeKind;
}

const STAGES = ['OBSERVE', 'PERMISSIVE', 'STRICT', 'ENFORCE'];
const callKey = (c: ReportedCall) => `${c.caller} → ${c.callee} ${c.methods.join(',')} ${c.paths.join(',')} :${c.ports.join(',')}`;
const callText = (c: ReportedCall) => `${c.caller}${c.foreign ? ` (foreign trust domain ${c.callerTrustDomain})` : ''} → ${c.callee} ${c.methods.join(',')} ${c.paths.join(',')} :${c.ports.join(',') || '*'}`;

/**
 * What changed between two identity reports, widening changes first. Identities are matched by
 * their object (`ClusterSPIFFEID` name), else by SPIFFE ID (template): a changed selector, TTL,
 * federation or pod selector is one change with before and after, not an identity removed and
 * another added.
 */
export function diffIdentityReports(before: IdentityReport, after: IdentityReport): IdentityChange[] {
  const b = normalizeIdentityReport(before);
  const a = normalizeIdentityReport(after);
  const changes: IdentityChange[] = [];
  changes.push(...identityDiff(b.identities, a.identities));
  changes.push(...callDiff(b.calls, a.calls));
  changes.push(...unauthenticatedDiff(b.unauthenticated, a.unauthenticated));
  changes.push(...defaultsDiff(b.defaults, a.defaults));
  changes.push(...networkDiff(b.networkAllows, a.networkAllows));
  return [...changes.filter((c) => c.widening), ...changes.filter((c) => !c.widening)];
}

/** The widening changes alone. */
export function wideningChanges(changes: ReadonlyArray<IdentityChange>): IdentityChange[] {
  return changes.filter((c) => c.widening);
}

function identityDiff(before: ReportedIdentity[], after: ReportedIdentity[]): IdentityChange[] {
  const out: IdentityChange[] = [];
  const unmatched = [...before];
  const pairs: Array<[ReportedIdentity, ReportedIdentity]> = [];
  const added: ReportedIdentity[] = [];
  const take = (pred: (o: ReportedIdentity) => boolean) => {
    const i = unmatched.findIndex(pred);
    return i < 0 ? undefined : unmatched.splice(i, 1)[0];
  };
  const rest: ReportedIdentity[] = [];
  for (const n of after) {
    const o = take((x) => x.source === n.source);
    if (o) pairs.push([o, n]);
    else rest.push(n);
  }
  for (const n of rest) {
    const o = take((x) => x.spiffeId === n.spiffeId);
    if (o) pairs.push([o, n]);
    else added.push(n);
  }
  for (const n of added) {
    out.push({
      widening: true,
      kind: 'identity',
      text: `identity added: ${n.spiffeId} (${n.source}; namespace ${n.namespace}, service account ${n.serviceAccount}${n.pins.length > 0 ? `, ${n.pins.join('; ')}` : ''})${reasons(n, [])}`,
    });
  }
  for (const [o, n] of pairs) out.push(...identityChanges(o, n));
  for (const o of unmatched) out.push({ widening: false, kind: 'identity', text: `identity removed: ${o.spiffeId} (${o.source})` });
  return out;
}

/** The identity's written reasons for the given exception keys (all of them when none is given). */
function reasons(i: ReportedIdentity, keys: string[]): string {
  const entries = Object.entries(i.exceptions).filter(([k]) => keys.length === 0 || keys.includes(k));
  return entries.length > 0 ? ` (reason: ${entries.map(([k, v]) => `${k}: ${v}`).join('; ')})` : '';
}

const list = (v: string[]) => `[${v.join(', ')}]`;

function identityChanges(o: ReportedIdentity, n: ReportedIdentity): IdentityChange[] {
  const out: IdentityChange[] = [];
  const who = o.source === n.source ? `${n.source} (${n.spiffeId})` : `${n.spiffeId} (${o.source} → ${n.source})`;
  const push = (widening: boolean, kind: IdentityChangeKind, text: string, reasonKeys: string[] = []) =>
    out.push({ widening, kind, text: `${who}: ${text}${widening ? reasons(n, reasonKeys) : ''}` });
  if (o.spiffeId !== n.spiffeId) push(true, 'identity', `SPIFFE ID ${o.spiffeId} → ${n.spiffeId} (a new ID is issued)`);
  const os = o.selector;
  const ns = n.selector;
  const broad = ['broadSelector'];
  // Workload selectors: each one removed lets more workloads match.
  const lostSel = os.workloadSelectors.filter((x) => !ns.workloadSelectors.includes(x));
  const gainedSel = ns.workloadSelectors.filter((x) => !os.workloadSelectors.includes(x));
  if (lostSel.length > 0 || gainedSel.length > 0) {
    const widening = lostSel.length > 0;
    push(
      widening,
      'selector',
      `workload selectors ${list(os.workloadSelectors)} → ${list(ns.workloadSelectors)}${widening ? ` (widened: ${lostSel.join(', ')} no longer required)` : ' (narrowed)'}`,
      broad,
    );
  }
  for (const [what, describe, bs, as] of [
    ['namespaceSelector', describeNamespaces, os.namespaceSelector, ns.namespaceSelector],
    ['podSelector', describePods, os.podSelector, ns.podSelector],
  ] as const) {
    if (JSON.stringify(requirements(bs)) === JSON.stringify(requirements(as))) continue;
    const lost = lostRequirements(bs, as);
    const widening = lost.length > 0;
    push(
      widening,
      'selector',
      `${what} ${describe(bs)} → ${describe(as)}${widening ? ` (widened: ${lost.map(describeRequirement).join(', ')} no longer required)` : ' (narrowed)'}`,
      broad,
    );
  }
  if (os.fallback !== ns.fallback) push(!ns.fallback, 'selector', `fallback ${os.fallback} → ${ns.fallback}${!ns.fallback ? ' (now also issued to pods that match another ClusterSPIFFEID)' : ''}`, broad);
  if (os.parentId !== ns.parentId) push(true, 'selector', `parent ID ${os.parentId} → ${ns.parentId}`, broad);
  for (const flag of ['admin', 'downstream'] as const) {
    if (os[flag] !== ns[flag]) push(ns[flag], 'exception', `${flag} ${os[flag]} → ${ns[flag]}`, [flag]);
  }
  const sameSelectors = lostSel.length === 0 && gainedSel.length === 0 && JSON.stringify(os.namespaceSelector) === JSON.stringify(ns.namespaceSelector);
  if (o.namespace !== n.namespace && sameSelectors) {
    push(n.namespace === '*', 'selector', `namespace ${o.namespace} → ${n.namespace}`, broad);
  }
  for (const [what, a, b, key] of [
    ['X509-SVID TTL', o.x509SvidTtl, n.x509SvidTtl, 'longTtl'],
    ['JWT-SVID TTL', o.jwtSvidTtl, n.jwtSvidTtl, 'longTtl'],
  ] as const) {
    if (a === b) continue;
    // "server default" is not known here: a change to it may lengthen the TTL.
    const secs = (x: string) => (Number.isNaN(goDurationSeconds(x)) ? Infinity : goDurationSeconds(x));
    push(secs(b) > secs(a), 'ttl', `${what} ${a} → ${b}`, [key]);
  }
  for (const f of n.federatesWith.filter((x) => !o.federatesWith.includes(x))) push(true, 'federation', `now federates with ${f} (its workloads trust this identity and get its bundle)`);
  for (const f of o.federatesWith.filter((x) => !n.federatesWith.includes(x))) push(false, 'federation', `no longer federates with ${f}`);
  for (const d of n.dnsNames.filter((x) => !o.dnsNames.includes(x))) push(true, 'dns', `DNS name added (${d})`);
  for (const d of o.dnsNames.filter((x) => !n.dnsNames.includes(x))) push(false, 'dns', `DNS name removed (${d})`);
  for (const [k, v] of Object.entries(n.exceptions)) if (o.exceptions[k] !== v) push(true, 'exception', `exception ${k} written (${v})`, [k]);
  return out;
}

function callDiff(before: ReportedCall[], after: ReportedCall[]): IdentityChange[] {
  const out: IdentityChange[] = [];
  const oldCalls = new Map(before.map((c) => [callKey(c), c]));
  const newCalls = new Map(after.map((c) => [callKey(c), c]));
  for (const [k, c] of newCalls) if (!oldCalls.has(k)) out.push({ widening: true, kind: 'caller', text: `caller gained: ${callText(c)}` });
  for (const [k, c] of oldCalls) if (!newCalls.has(k)) out.push({ widening: false, kind: 'caller', text: `caller lost: ${callText(c)}` });
  const stageOf = (r: ReportedCall[]) => new Map(r.map((c) => [c.callee, c.stage]));
  const oldStages = stageOf(before);
  for (const [callee, stage] of stageOf(after)) {
    const was = oldStages.get(callee);
    if (was && was !== stage) {
      const loosened = rankStage(stage) < rankStage(was);
      out.push({ widening: loosened, kind: 'stage', text: `stage of ${callee}: ${was} → ${stage}${loosened ? ' (loosened)' : ''}` });
    }
  }
  return out;
}

function rankStage(stage: string): number {
  const i = STAGES.indexOf(stage);
  if (i >= 0) return i;
  return stage === 'enforced' ? STAGES.length - 1 : stage === 'dry-run' ? 0 : -1;
}

const grantKey = (u: ReportedUnauthenticated) => `${u.object} ${u.target}`;

/** True when `after`'s sources may reach what `before`'s did not (networks compared by containment). */
function sourceWidened(before: ReportedUnauthenticated, after: ReportedUnauthenticated): boolean {
  if (before.from === after.from) return false;
  if (before.networks && after.networks) return after.networks.some((n) => !before.networks!.some((o) => cidrContains(o, n)));
  return true;
}

function unauthenticatedDiff(before: ReportedUnauthenticated[], after: ReportedUnauthenticated[]): IdentityChange[] {
  const out: IdentityChange[] = [];
  // Per grant object and target, atom by atom (method × path × port), so a path added is one line;
  // the source (from) compared on its own when the object has one.
  const group = (l: ReportedUnauthenticated[]) => {
    const m = new Map<string, ReportedUnauthenticated[]>();
    for (const u of l) m.set(grantKey(u), [...(m.get(grantKey(u)) ?? []), u]);
    return m;
  };
  const atomsOf = (us: ReportedUnauthenticated[], withFrom: boolean) =>
    new Set(us.flatMap((u) => u.methods.flatMap((m) => u.paths.flatMap((p) => u.ports.map((port) => `${withFrom ? `from ${u.from}: ` : ''}${m} ${p} :${port}`)))));
  const old = group(before);
  const now = group(after);
  const where = (u: ReportedUnauthenticated) => `${u.target} from ${u.from} (${u.object}, ${u.mesh})`;
  for (const [k, us] of now) {
    const was = old.get(k);
    const u = us[0];
    if (!was) {
      for (const x of us) {
        out.push({ widening: true, kind: 'unauthenticated', text: `unauthenticated access added: ${x.methods.join(',')} ${x.paths.join(', ')} :${x.ports.join(',')} to ${where(x)}` });
      }
      continue;
    }
    const single = us.length === 1 && was.length === 1;
    if (single && was[0].from !== u.from) {
      const widened = sourceWidened(was[0], u);
      out.push({ widening: widened, kind: 'unauthenticated', text: `unauthenticated access to ${u.target} (${u.object}): from ${was[0].from} → ${u.from}${widened ? ' (widened)' : ''}` });
    }
    const a = atomsOf(us, !single);
    const b = atomsOf(was, !single);
    const gained = [...a].filter((x) => !b.has(x));
    const lost = [...b].filter((x) => !a.has(x));
    if (gained.length > 0) out.push({ widening: true, kind: 'unauthenticated', text: `unauthenticated access widened on ${where(u)}: + ${gained.join(', + ')}` });
    if (lost.length > 0) out.push({ widening: false, kind: 'unauthenticated', text: `unauthenticated access narrowed on ${where(u)}: - ${lost.join(', - ')}` });
    if (single && was[0].enforced !== u.enforced) {
      out.push({ widening: false, kind: 'unauthenticated', text: `${where(u)}: ${u.enforced ? 'now enforced' : 'now dry-run only'}` });
    }
  }
  for (const [k, us] of old) {
    if (now.has(k)) continue;
    for (const x of us) out.push({ widening: false, kind: 'unauthenticated', text: `unauthenticated access removed: ${x.methods.join(',')} ${x.paths.join(', ')} to ${where(x)}` });
  }
  return out;
}

function defaultsDiff(before: ReportedDefault[], after: ReportedDefault[]): IdentityChange[] {
  const out: IdentityChange[] = [];
  const key = (d: ReportedDefault) => `${d.scope} | ${d.setting}`;
  const old = new Map(before.map((d) => [key(d), d]));
  const now = new Map(after.map((d) => [key(d), d]));
  for (const [k, d] of now) {
    const was = old.get(k);
    if (!was) {
      out.push({ widening: false, kind: 'default', text: `${d.setting} of ${d.scope}: set to ${d.value} (${d.object})` });
    } else if (was.value !== d.value) {
      const loosened = d.rank < was.rank;
      out.push({ widening: loosened, kind: 'default', text: `${d.setting} of ${d.scope}: ${was.value} → ${d.value}${loosened ? ' (loosened)' : ''} (${d.object})` });
    }
  }
  for (const [k, d] of old) {
    if (!now.has(k)) out.push({ widening: true, kind: 'default', text: `${d.setting} of ${d.scope}: ${d.value} removed (${d.object}); the looser default applies` });
  }
  return out;
}

function networkDiff(before: ReportedNetworkAllow[], after: ReportedNetworkAllow[]): IdentityChange[] {
  const out: IdentityChange[] = [];
  const key = (n: ReportedNetworkAllow) => `${n.object} ${n.direction} ${n.pods} ${n.peer} ${n.ports}`;
  const text = (n: ReportedNetworkAllow) => `${n.direction} ${n.direction === 'ingress' ? 'to' : 'from'} ${n.pods} ${n.direction === 'ingress' ? 'from' : 'to'} ${n.peer} on ${n.ports} (${n.object})`;
  const old = new Map(before.map((n) => [key(n), n]));
  const now = new Map(after.map((n) => [key(n), n]));
  for (const [k, n] of now) {
    if (old.has(k)) continue;
    if (n.wide) {
      out.push({ widening: true, kind: 'wide-cidr', text: `wide network allow added: ${text(n)}; ${n.reason ? `reason: ${n.reason}` : 'no reason given'}` });
    } else {
      out.push({ widening: true, kind: 'network', text: `network allow added: ${text(n)}` });
    }
  }
  for (const [k, n] of old) if (!now.has(k)) out.push({ widening: false, kind: 'network', text: `network allow removed: ${text(n)}` });
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
