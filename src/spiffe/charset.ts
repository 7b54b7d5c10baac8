/**
 * Character rules of the SPIFFE ID specification, as go-spiffe (used by SPIRE and the
 * controller manager) enforces them.
 *
 * @internal
 */

/** Maximum length of a trust domain name in bytes. */
export const MAX_TRUST_DOMAIN_BYTES = 255;
/** Maximum length of a whole SPIFFE ID (URI) in bytes. */
export const MAX_SPIFFE_ID_BYTES = 2048;

/** True for a byte allowed in a trust domain name: lowercase letters, digits, `.`, `-`, `_`. */
export function isTrustDomainChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '.' || c === '-' || c === '_';
}

/** True for a character allowed in a path segment: letters, digits, `.`, `-`, `_`. */
export function isPathSegmentChar(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '.' || c === '-' || c === '_';
}

/** Explains why a character is refused in a trust domain name. */
export function trustDomainCharProblem(c: string): string {
  if (c >= 'A' && c <= 'Z') {
    return `uppercase letter '${c}' (trust domain names must be lowercase)`;
  }
  if (c === ':') {
    return "':' (a port is not allowed in a trust domain)";
  }
  if (c === '@') {
    return "'@' (userinfo is not allowed in a trust domain)";
  }
  if (c === '%') {
    return "'%' (percent-encoding is not allowed)";
  }
  if (c === '?') {
    return "'?' (a query is not allowed)";
  }
  if (c === '#') {
    return "'#' (a fragment is not allowed)";
  }
  return `character ${describeChar(c)}`;
}

/** Explains why a character is refused in a path segment. */
export function pathCharProblem(c: string): string {
  if (c === '%') {
    return "'%' (percent-encoding is not allowed)";
  }
  if (c === '?') {
    return "'?' (a query is not allowed)";
  }
  if (c === '#') {
    return "'#' (a fragment is not allowed)";
  }
  return `character ${describeChar(c)}`;
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0;
  if (code < 0x21 || code === 0x7f || code > 0x7e) {
    return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return `'${c}'`;
}

/** Byte length of a string in UTF-8. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
