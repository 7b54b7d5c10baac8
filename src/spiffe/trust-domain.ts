import {
  isTrustDomainChar,
  MAX_TRUST_DOMAIN_BYTES,
  trustDomainCharProblem,
  utf8Length,
} from './charset';

const SCHEME = 'spiffe://';

/**
 * A SPIFFE trust domain: the name of the identity namespace one SPIRE server (or a group of
 * federated servers) is the root of trust for.
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md#21-trust-domain
 */
export class TrustDomain {
  /**
   * Parses a trust domain name.
   *
   * Accepts the bare name (`example.org`) or the trust domain's SPIFFE ID
   * (`spiffe://example.org`), like SPIRE does, and keeps the bare name.
   *
   * @param name the trust domain name: lowercase letters, digits, `.`, `-` and `_`, at most
   *   255 bytes.
   * @throws if the name breaks a rule of the SPIFFE ID specification; the message names the rule
   *   and shows the input.
   */
  public static of(name: string): TrustDomain {
    if (typeof name !== 'string') {
      throw new Error(`Invalid trust domain ${String(name)}: a trust domain name must be a string.`);
    }
    let bare = name;
    if (bare.startsWith(SCHEME)) {
      bare = bare.slice(SCHEME.length);
      if (bare.includes('/')) {
        throw new Error(
          `Invalid trust domain "${name}": a trust domain is a bare name; a SPIFFE ID with a path is not a trust domain.`,
        );
      }
    }
    const problem = TrustDomain.problemWith(bare);
    if (problem) {
      throw new Error(`Invalid trust domain "${name}": ${problem}.`);
    }
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bare)) {
      throw new Error(`Invalid trust domain "${name}": an IP address names a host, not a trust domain; use a DNS-style name you control, e.g. "prod.example.com".`);
    }
    return new TrustDomain(bare);
  }

  /**
   * The first rule a trust domain name breaks, or `undefined` when it is valid.
   *
   * @internal
   */
  public static problemWith(name: string): string | undefined {
    if (name.length === 0) {
      return 'trust domain is missing (it must not be empty)';
    }
    for (const c of name) {
      if (!isTrustDomainChar(c)) {
        return `${trustDomainCharProblem(c)} is not allowed; trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores`;
      }
    }
    if (utf8Length(name) > MAX_TRUST_DOMAIN_BYTES) {
      return `trust domain is ${utf8Length(name)} bytes long; at most ${MAX_TRUST_DOMAIN_BYTES} are allowed`;
    }
    return undefined;
  }

  /** The bare trust domain name, e.g. `example.org`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** The trust domain's own SPIFFE ID, `spiffe://<name>` (no path). */
  public get id(): string {
    return `${SCHEME}${this.name}`;
  }

  /** True when both name the same trust domain. */
  public equals(other: TrustDomain): boolean {
    return this.name === other.name;
  }

  /** The bare name. */
  public toString(): string {
    return this.name;
  }
}
