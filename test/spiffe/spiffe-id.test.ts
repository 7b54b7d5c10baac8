import { SpiffeId, TrustDomain } from '../../src';

const TD_CHARS = new Set('abcdefghijklmnopqrstuvwxyz0123456789.-_'.split(''));
const PATH_CHARS = new Set('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_'.split(''));

describe('TrustDomain', () => {
  test('accepts a bare name and the spiffe:// form, keeping the bare name', () => {
    expect(TrustDomain.of('example.org').name).toBe('example.org');
    expect(TrustDomain.of('spiffe://example.org').name).toBe('example.org');
    expect(TrustDomain.of('example.org').id).toBe('spiffe://example.org');
  });

  test('every one of the 256 byte values: allowed exactly when in [a-z0-9._-]', () => {
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const name = `a${c}b`;
      if (TD_CHARS.has(c)) {
        expect(TrustDomain.of(name).name).toBe(name);
      } else {
        expect(() => TrustDomain.of(name)).toThrow(/trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores/);
      }
    }
  });

  test('fails on an empty name', () => {
    expect(() => TrustDomain.of('')).toThrow('Invalid trust domain "": trust domain is missing (it must not be empty).');
  });

  test('fails on uppercase with a hint to use lowercase, showing the input', () => {
    expect(() => TrustDomain.of('Example.org')).toThrow(/Invalid trust domain "Example.org": uppercase letter 'E' \(trust domain names must be lowercase\)/);
  });

  test('fails on a port and on userinfo', () => {
    expect(() => TrustDomain.of('example.org:8443')).toThrow(/a port is not allowed/);
    expect(() => TrustDomain.of('user@example.org')).toThrow(/userinfo is not allowed/);
  });

  test('fails on a SPIFFE ID with a path', () => {
    expect(() => TrustDomain.of('spiffe://example.org/ns/x')).toThrow(/a SPIFFE ID with a path is not a trust domain/);
  });

  test('length limit: 255 bytes allowed, 256 refused', () => {
    expect(TrustDomain.of('a'.repeat(255)).name).toHaveLength(255);
    expect(() => TrustDomain.of('a'.repeat(256))).toThrow(/256 bytes long; at most 255 are allowed/);
  });
});

describe('SpiffeId.parse', () => {
  test('parses trust domain and path', () => {
    const id = SpiffeId.parse('spiffe://prod.example.com/ns/payments/sa/order-service');
    expect(id.trustDomain.name).toBe('prod.example.com');
    expect(id.path).toBe('/ns/payments/sa/order-service');
    expect(id.segments).toEqual(['ns', 'payments', 'sa', 'order-service']);
    expect(id.uri).toBe('spiffe://prod.example.com/ns/payments/sa/order-service');
    expect(id.isWorkloadId).toBe(true);
  });

  test('an ID without a path is valid (the trust domain ID) but not a workload ID', () => {
    const id = SpiffeId.parse('spiffe://example.org');
    expect(id.path).toBe('');
    expect(id.isWorkloadId).toBe(false);
  });

  test('IDs under /spire are reserved for SPIRE', () => {
    expect(SpiffeId.parse('spiffe://example.org/spire').isWorkloadId).toBe(false);
    expect(SpiffeId.parse('spiffe://example.org/spire/agent/k8s_psat/c/n').isWorkloadId).toBe(false);
    expect(SpiffeId.parse('spiffe://example.org/spire-x').isWorkloadId).toBe(true);
  });

  test('every one of the 256 byte values in a path segment: allowed exactly when in [A-Za-z0-9._-]', () => {
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const uri = `spiffe://example.org/a${c}b`;
      if (PATH_CHARS.has(c)) {
        expect(SpiffeId.parse(uri).path).toBe(`/a${c}b`);
      } else if (c === '/') {
        expect(SpiffeId.parse(uri).segments).toEqual(['a', 'b']);
      } else {
        expect(() => SpiffeId.parse(uri)).toThrow(/path segment characters are limited to letters, numbers, dots, dashes, and underscores/);
      }
    }
  });

  test('every one of the 256 byte values in the trust domain of an ID', () => {
    for (let b = 0; b < 256; b++) {
      const c = String.fromCharCode(b);
      const uri = `spiffe://a${c}b/x`;
      if (TD_CHARS.has(c)) {
        expect(SpiffeId.parse(uri).trustDomain.name).toBe(`a${c}b`);
      } else if (c === '/') {
        // "spiffe://a/b/x": trust domain "a", path "/b/x"
        expect(SpiffeId.parse(uri).trustDomain.name).toBe('a');
      } else {
        expect(() => SpiffeId.parse(uri)).toThrow(/Invalid SPIFFE ID/);
      }
    }
  });

  test.each([
    ['http://example.org/x', 'scheme is missing or invalid: a SPIFFE ID starts with "spiffe://"'],
    ['example.org/x', 'scheme is missing or invalid'],
    ['SPIFFE://example.org/x', 'scheme is missing or invalid: the scheme must be lowercase "spiffe://"'],
    ['spiffe:/example.org/x', 'scheme is missing or invalid'],
    ['spiffe://', 'trust domain is missing'],
    ['spiffe:///x', 'trust domain is missing'],
    ['spiffe://example.org/', 'path cannot have a trailing slash'],
    ['spiffe://example.org/a/', 'path cannot have a trailing slash'],
    ['spiffe://example.org//a', 'path cannot contain empty segments'],
    ['spiffe://example.org/a//b', 'path cannot contain empty segments'],
    ['spiffe://example.org/.', 'path cannot contain dot segments (".")'],
    ['spiffe://example.org/a/..', 'path cannot contain dot segments ("..")'],
    ['spiffe://example.org/a/%41', "'%' (percent-encoding is not allowed)"],
    ['spiffe://example.org/a?x=1', "'?' (a query is not allowed)"],
    ['spiffe://example.org/a#frag', "'#' (a fragment is not allowed)"],
    ['spiffe://example.org:443/a', "':' (a port is not allowed in a trust domain)"],
    ['spiffe://user@example.org/a', "'@' (userinfo is not allowed in a trust domain)"],
    ['spiffe://[::1]/a', "character '['"],
    ['spiffe://example.org/a b', 'character U+0020'],
    ['spiffe://Example.org/a', "uppercase letter 'E'"],
  ])('fails on %s naming the rule', (uri, rule) => {
    expect(() => SpiffeId.parse(uri)).toThrow(`Invalid SPIFFE ID "${uri}": `);
    expect(() => SpiffeId.parse(uri)).toThrow(rule);
  });

  test('dots inside a segment are fine', () => {
    expect(SpiffeId.parse('spiffe://example.org/a.b/..c/.d').segments).toEqual(['a.b', '..c', '.d']);
  });

  test('path is case-sensitive', () => {
    expect(SpiffeId.parse('spiffe://example.org/A').equals(SpiffeId.parse('spiffe://example.org/a'))).toBe(false);
  });

  test('length limit: 2048 bytes allowed, 2049 refused', () => {
    const prefix = 'spiffe://example.org/';
    const ok = prefix + 'a'.repeat(2048 - prefix.length);
    expect(SpiffeId.parse(ok).uri).toHaveLength(2048);
    expect(() => SpiffeId.parse(ok + 'a')).toThrow(/2049 bytes long; at most 2048 are allowed/);
  });
});

describe('SpiffeId.of', () => {
  test('builds from trust domain and path', () => {
    expect(SpiffeId.of(TrustDomain.of('example.org'), '/ns/a/sa/b').uri).toBe('spiffe://example.org/ns/a/sa/b');
    expect(SpiffeId.of('example.org', '').uri).toBe('spiffe://example.org');
  });

  test('fromSegments checks each segment', () => {
    expect(SpiffeId.fromSegments('example.org', 'ns', 'a').uri).toBe('spiffe://example.org/ns/a');
    // A "/" inside a segment would add segments the caller did not intend.
    expect(() => SpiffeId.fromSegments('example.org', 'ns', 'a/b')).toThrow('Invalid SPIFFE ID segment 2: received "a/b". Each segment is one path segment (no "/", not empty)');
    expect(() => SpiffeId.fromSegments('example.org', 'ns', '')).toThrow('Invalid SPIFFE ID segment 2: received "".');
  });

  test('a trust domain that is an IP address is refused when declared (parsing IDs still follows the spec)', () => {
    expect(() => TrustDomain.of('10.0.0.1')).toThrow('Invalid trust domain "10.0.0.1": an IP address names a host, not a trust domain');
    expect(TrustDomain.of('10.0.0.1.example.com').name).toBe('10.0.0.1.example.com');
  });

  test('fails on a path without a leading slash', () => {
    expect(() => SpiffeId.of('example.org', 'ns/a')).toThrow(
      'Invalid SPIFFE ID path "ns/a" (trust domain "example.org"): path must be empty or start with "/".',
    );
  });

  test('fails on a bad trust domain', () => {
    expect(() => SpiffeId.of('EXAMPLE', '/a')).toThrow(/Invalid trust domain "EXAMPLE"/);
  });

  test('memberOf compares trust domains', () => {
    const id = SpiffeId.of('a.org', '/x');
    expect(id.memberOf(TrustDomain.of('a.org'))).toBe(true);
    expect(id.memberOf(TrustDomain.of('b.org'))).toBe(false);
  });
});
