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
