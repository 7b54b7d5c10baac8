/**
 * The one order of strings in everything this library writes: by UTF-16 code unit, as
 * `Array.prototype.sort` orders strings without a comparator. Unlike `localeCompare`, it does
 * not depend on the machine's locale (`LANG`, `LC_ALL`: under `tr_TR` `localeCompare` orders
 * `i`, `I` and `ı` otherwise than under `en_US`), so the same program writes the same bytes
 * everywhere; and it does not load ICU's collation data (about 5 ms on its first use).
 *
 * @internal
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
