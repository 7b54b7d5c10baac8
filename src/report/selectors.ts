/** A Kubernetes label selector as rendered (`matchLabels`, `matchExpressions`). */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: string[] }>;
}

/** One requirement of a label selector, `matchLabels` entries as `In [value]`. @internal */
export interface Requirement {
  readonly key: string;
  readonly operator: string;
  readonly values: string[];
}

const NAME = 'kubernetes.io/metadata.name';

/** The requirements of a selector (none: it selects everything). @internal */
export function requirements(selector: unknown): Requirement[] {
  if (typeof selector !== 'object' || selector === null) return [];
  const s = selector as LabelSelector;
  const out: Requirement[] = [];
  for (const [key, value] of Object.entries(s.matchLabels ?? {})) out.push({ key, operator: 'In', values: [String(value)] });
  for (const e of Array.isArray(s.matchExpressions) ? s.matchExpressions : []) {
    out.push({ key: String(e?.key), operator: String(e?.operator), values: Array.isArray(e?.values) ? e.values.map(String) : [] });
  }
  return out;
}

/** True when a selector has no requirement (selects every object). @internal */
export function selectsAll(selector: unknown): boolean {
  return requirements(selector).length === 0;
}

const list = (v: string[]) => `[${v.join(', ')}]`;

/** One requirement in words: `x=y`, `x in [a, b]`, `x not in [a]`, `with label x`, `without label x`. @internal */
export function describeRequirement(r: Requirement): string {
  switch (r.operator) {
    case 'In':
      return r.values.length === 1 ? `${r.key}=${r.values[0]}` : `${r.key} in ${list(r.values)}`;
    case 'NotIn':
      return `${r.key} not in ${list(r.values)}`;
    case 'Exists':
      return `with label ${r.key}`;
    case 'DoesNotExist':
      return `without label ${r.key}`;
    default:
      return `${r.key} ${r.operator} ${list(r.values)}`;
  }
}

/**
 * A namespace selector in words: `payments`, `namespaces in [a, b]`, `namespaces not in [a]`,
 * `namespaces labelled env=prod`; `*` when it selects every namespace. Every requirement is kept.
 * @internal
 */
export function describeNamespaces(selector: unknown): string {
  const reqs = requirements(selector);
  if (reqs.length === 0) return '*';
  return reqs
    .map((r) => {
      if (r.key === NAME && r.operator === 'In') return r.values.length === 1 ? r.values[0] : `namespaces in ${list(r.values)}`;
      if (r.key === NAME && r.operator === 'NotIn') return `namespaces not in ${list(r.values)}`;
      return `namespaces ${r.operator === 'Exists' || r.operator === 'DoesNotExist' ? '' : 'labelled '}${describeRequirement(r)}`;
    })
    .join(' and ');
}

/** A pod selector in words: `pods labelled app=web`, `pods with tier in [a, b]`; `every pod` when empty. @internal */
export function describePods(selector: unknown): string {
  const reqs = requirements(selector);
  if (reqs.length === 0) return 'every pod';
  const labelled = reqs.filter((r) => r.operator === 'In' && r.values.length === 1).map(describeRequirement);
  const other = reqs.filter((r) => !(r.operator === 'In' && r.values.length === 1)).map(describeRequirement);
  return ['pods', ...(labelled.length > 0 ? [`labelled ${labelled.join(', ')}`] : []), ...(other.length > 0 ? [`${labelled.length > 0 ? 'and ' : ''}with ${other.join(', ')}`] : [])]
    .join(' ')
    .replace('with with label', 'with label')
    .replace('with without label', 'without label');
}

/** True when every object that satisfies `a` satisfies `b` (a implies b), as far as can be told statically. */
function implies(a: Requirement, b: Requirement): boolean {
  if (a.key !== b.key) return false;
  const sub = (x: string[], y: string[]) => x.every((v) => y.includes(v));
  switch (b.operator) {
    case 'In':
      return a.operator === 'In' && sub(a.values, b.values);
    case 'NotIn':
      return (a.operator === 'NotIn' && sub(b.values, a.values)) || (a.operator === 'In' && a.values.every((v) => !b.values.includes(v))) || a.operator === 'DoesNotExist';
    case 'Exists':
      return a.operator === 'In' || a.operator === 'Exists';
    case 'DoesNotExist':
      return a.operator === 'DoesNotExist';
    default:
      return a.operator === b.operator && a.values.join() === b.values.join();
  }
}

/**
 * The requirements of `before` that `after` no longer guarantees: empty when `after` selects at
 * most what `before` did (the same or narrower); otherwise `after` may select more.
 * @internal
 */
export function lostRequirements(before: unknown, after: unknown): Requirement[] {
  const a = requirements(after);
  return requirements(before).filter((b) => !a.some((x) => implies(x, b)));
}
