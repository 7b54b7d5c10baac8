/**
 * The generated configuration runs unchanged except for bind addresses: `0.0.0.0` (all of a pod's
 * interfaces) becomes the pod's loopback address, because all "pods" share this machine's one
 * network namespace. File paths stay as generated (the kubelet stand-in mounts volumes there).
 * Anything else the suite has to change is a named substitution, listed with its reason.
 */

export interface LeafChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Replaces `0.0.0.0` and `0.0.0.0:<port>` string values with the pod's address. */
export function bindToPodAddress<T>(value: T, podIp: string): T {
  const walk = (v: Json): Json => {
    if (typeof v === 'string') return v === '0.0.0.0' ? podIp : v.startsWith('0.0.0.0:') ? `${podIp}${v.slice(7)}` : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value as unknown as Json) as unknown as T;
}

/** Every leaf that differs between two JSON values (added and removed keys included). */
export function leafChanges(a: unknown, b: unknown, at = ''): LeafChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object';
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => leafChanges(a[k], b[k], `${at}${Array.isArray(a) ? `[${k}]` : `.${k}`}`));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ path: at || '.', from: a, to: b }];
}

const LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(:\d+)?$/;

/** The changes that are not `0.0.0.0[:port]` (or `:port`, every interface) → a loopback address with the same port. */
export function nonAddressChanges(changes: LeafChange[]): LeafChange[] {
  return changes.filter((c) => {
    if (typeof c.from !== 'string' || typeof c.to !== 'string') return true;
    const m = LOOPBACK.exec(c.to);
    if (!m) return true;
    const port = m[4] ?? '';
    return c.from !== `0.0.0.0${port}` && !(port !== '' && c.from === port);
  });
}

export const describeChange = (c: LeafChange): string => `\`${c.path}\`: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`;
