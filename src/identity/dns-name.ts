import { invalidProp } from '../validation';

/**
 * Checks a DNS name the way SPIRE checks entry DNS names: ASCII, no trailing dot, labels of
 * letters, digits and hyphens (no leading or trailing hyphen, at most 63 characters), at most
 * 253 characters, a `*` only as a whole leading `*.` label.
 *
 * @internal
 */
export function checkDnsName(name: string, prop: string): string {
  const fail = (why: string) => invalidProp(prop, name, `A DNS name ${why}.`);
  if (typeof name !== 'string' || name === '') throw fail('must not be empty');
  if (name.length > 253) throw fail('is at most 253 characters');
  if (name.endsWith('.')) throw fail('has no trailing "."');
  const labels = name.split('.');
  labels.forEach((label, i) => {
    if (label === '*' && i === 0 && labels.length > 1) return;
    if (!/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(label)) {
      throw fail(`has labels of letters, digits and "-" (no leading or trailing "-", at most 63 characters); "${label}" is not one (a "*" only as a whole first label)`);
    }
  });
  return name;
}

/**
 * Refuses wildcard DNS names (`*.example.com`) without a written reason: such an SVID can serve
 * as every host under the domain.
 *
 * @internal
 */
export function checkNoWildcard(names: readonly string[], reason: string | undefined, prop: string): void {
  const wildcard = names.find((n) => n.startsWith('*.'));
  if (wildcard !== undefined && (typeof reason !== 'string' || reason.trim().length < 10)) {
    throw invalidProp(
      prop,
      wildcard,
      `A wildcard DNS name lets this workload's SVID serve as every host under ${wildcard.slice(2)}: list the names it serves, or say why in 'wildcardDnsNamesReason' (at least 10 characters).`,
    );
  }
}
