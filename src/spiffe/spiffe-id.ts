import {
  isPathSegmentChar,
  MAX_SPIFFE_ID_BYTES,
  pathCharProblem,
  utf8Length,
} from './charset';
import { TrustDomain } from './trust-domain';

const SCHEME = 'spiffe://';

/**
 * A SPIFFE ID: `spiffe://<trust domain><path>`, the identity an SVID carries.
 *
 * Follows the SPIFFE ID specification exactly, as go-spiffe enforces it. A SPIFFE ID without a
 * path (the trust domain's own ID) is valid; registration entries need a path, which is a
 * separate, entry-level rule ({@link SpiffeId.isWorkloadId}).
 *
 * @see https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md
 */
export class SpiffeId {
  /**
   * Parses a SPIFFE ID URI.
   *
   * @param uri e.g. `spiffe://example.org/ns/payments/sa/order-service`
   * @throws if the URI breaks a rule of the specification; the message names the rule and shows
   *   the input.
   */
  public static parse(uri: string): SpiffeId {
    if (typeof uri !== 'string') {
      throw new Error(`Invalid SPIFFE ID ${String(uri)}: a SPIFFE ID must be a string.`);
    }
    const fail = (rule: string): Error => new Error(`Invalid SPIFFE ID "${uri}": ${rule}.`);
    if (!uri.startsWith(SCHEME)) {
      if (uri.toLowerCase().startsWith(SCHEME)) {
        return failWith(fail('scheme is missing or invalid: the scheme must be lowercase "spiffe://"'));
      }
      return failWith(fail('scheme is missing or invalid: a SPIFFE ID starts with "spiffe://"'));
    }
    const rest = uri.slice(SCHEME.length);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const path = slash === -1 ? '' : rest.slice(slash);
    const tdProblem = TrustDomain.problemWith(authority);
    if (tdProblem) {
      throw fail(tdProblem);
    }
    const pathProblem = SpiffeId.pathProblem(path);
    if (pathProblem) {
      throw fail(pathProblem);
    }
    if (utf8Length(uri) > MAX_SPIFFE_ID_BYTES) {
      throw fail(`the ID is ${utf8Length(uri)} bytes long; at most ${MAX_SPIFFE_ID_BYTES} are allowed`);
    }
    return new SpiffeId(TrustDomain.of(authority), path);
  }

  /**
   * Builds a SPIFFE ID from a trust domain and a path.
   *
   * @param trustDomain the trust domain (a {@link TrustDomain} or its name)
   * @param path empty, or `/` followed by segments of letters, digits, `.`, `-` and `_`
   *   separated by `/`, e.g. `/ns/payments/sa/order-service`
   * @throws if the path breaks a rule of the specification.
   */
  public static of(trustDomain: TrustDomain | string, path: string): SpiffeId {
    const td = typeof trustDomain === 'string' ? TrustDomain.of(trustDomain) : trustDomain;
    if (typeof path !== 'string') {
      throw new Error(`Invalid SPIFFE ID path ${String(path)}: a path must be a string.`);
    }
    const problem = SpiffeId.pathProblem(path);
    if (problem) {
      throw new Error(`Invalid SPIFFE ID path "${path}" (trust domain "${td.name}"): ${problem}.`);
    }
    const id = new SpiffeId(td, path);
    if (utf8Length(id.uri) > MAX_SPIFFE_ID_BYTES) {
      throw new Error(
        `Invalid SPIFFE ID "${id.uri}": the ID is ${utf8Length(id.uri)} bytes long; at most ${MAX_SPIFFE_ID_BYTES} are allowed.`,
      );
    }
    return id;
  }

  /**
   * Builds a SPIFFE ID from path segments, each checked on its own.
   *
   * @example SpiffeId.fromSegments(td, 'ns', 'payments', 'sa', 'order-service')
   */
  public static fromSegments(trustDomain: TrustDomain | string, ...segments: string[]): SpiffeId {
    segments.forEach((s, i) => {
      if (typeof s !== 'string' || s === '' || s.includes('/')) {
        throw new Error(`Invalid SPIFFE ID segment ${i + 1}: received ${JSON.stringify(s)}. Each segment is one path segment (no "/", not empty); a "/" would add segments the caller did not intend.`);
      }
    });
    return SpiffeId.of(trustDomain, segments.map((s) => `/${s}`).join(''));
  }

  /**
   * The first rule a path breaks, or `undefined` when it is valid.
   *
   * @internal
   */
  public static pathProblem(path: string): string | undefined {
    if (path === '') {
      return undefined;
    }
    if (!path.startsWith('/')) {
      return 'path must be empty or start with "/"';
    }
    const segments = path.slice(1).split('/');
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      if (segment === '') {
        return i === segments.length - 1
          ? 'path cannot have a trailing slash'
          : 'path cannot contain empty segments ("//")';
      }
      if (segment === '.' || segment === '..') {
        return `path cannot contain dot segments ("${segment}")`;
      }
      for (const c of segment) {
        if (!isPathSegmentChar(c)) {
          return `${pathCharProblem(c)} is not allowed; path segment characters are limited to letters, numbers, dots, dashes, and underscores`;
        }
      }
    }
    return undefined;
  }

  /** The trust domain this ID belongs to. */
  public readonly trustDomain: TrustDomain;
  /** The path, empty or starting with `/`. */
  public readonly path: string;

  private constructor(trustDomain: TrustDomain, path: string) {
    this.trustDomain = trustDomain;
    this.path = path;
  }

  /** The full URI, `spiffe://<trust domain><path>`. */
  public get uri(): string {
    return `${SCHEME}${this.trustDomain.name}${this.path}`;
  }

  /** The path segments (empty for the trust domain's own ID). */
  public get segments(): string[] {
    return this.path === '' ? [] : this.path.slice(1).split('/');
  }

  /**
   * True when SPIRE accepts this ID for a workload registration entry: it has a path and the
   * path is not reserved for SPIRE itself (`/spire` and below).
   */
  public get isWorkloadId(): boolean {
    return this.path !== '' && this.path !== '/spire' && !this.path.startsWith('/spire/');
  }

  /** True when both are the same ID. */
  public equals(other: SpiffeId): boolean {
    return this.uri === other.uri;
  }

  /** True when this ID is in the given trust domain. */
  public memberOf(trustDomain: TrustDomain): boolean {
    return this.trustDomain.equals(trustDomain);
  }

  /** The URI. */
  public toString(): string {
    return this.uri;
  }
}

function failWith(e: Error): never {
  throw e;
}
