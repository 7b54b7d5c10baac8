/**
 * The OIDC discovery provider's side of the suite: a JWT-SVID from the real agent, and checks of
 * it against the discovery document and JWKS the real `oidc-discovery-provider` serves.
 */
import { createPublicKey, createVerify, JsonWebKey, KeyObject } from 'crypto';
import * as http from 'http';
import { BIN } from './components';
import { run } from './proc';

/** `spire-agent api fetch jwt` as `uid`: the JWT-SVID for `audience`. */
export function fetchJwtSvid(agentSocket: string, uid: number, audience: string): { ok: boolean; token?: string; output: string } {
  const r = run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', BIN.spireAgent, 'api', 'fetch', 'jwt',
    '-audience', audience, '-socketPath', agentSocket, '-timeout', '10s'], { allowFail: true });
  const out = `${r.stdout}${r.stderr}`;
  // The token is the one line of three base64url parts.
  const token = out.split(/\s+/).find((w) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(w));
  return { ok: r.code === 0 && !!token, token, output: out.trim() };
}

/** An HTTP GET with an explicit Host header (the provider serves only its `domains`). */
export function httpGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Host: host }, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

const b64url = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

export interface DecodedJwt {
  readonly header: { alg: string; kid?: string };
  readonly claims: { iss?: string; sub?: string; aud?: string | string[]; exp?: number };
}

export function decodeJwt(token: string): DecodedJwt {
  const [h, c] = token.split('.');
  return { header: JSON.parse(b64url(h).toString('utf8')), claims: JSON.parse(b64url(c).toString('utf8')) };
}

/**
 * Verifies a JWT's signature with the key of the JWKS whose `kid` the token names, as a relying
 * party (cloud IAM) does: ES256/ES384 (JOSE r||s signatures) and RS256.
 */
export function verifyJwt(token: string, jwks: { keys: Array<JsonWebKey & { kid?: string }> }): { verified: boolean; kid?: string; why?: string } {
  const { header } = decodeJwt(token);
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) return { verified: false, kid: header.kid, why: `no key with kid ${header.kid} in the JWKS` };
  const key: KeyObject = createPublicKey({ key: jwk, format: 'jwk' });
  const [h, c, s] = token.split('.');
  const hash = { ES256: 'sha256', ES384: 'sha384', RS256: 'sha256', PS256: 'sha256' }[header.alg];
  if (!hash) return { verified: false, kid: header.kid, why: `alg ${header.alg} not handled here` };
  const verifier = createVerify(hash);
  verifier.update(`${h}.${c}`);
  const signature = b64url(s);
  const verified = header.alg.startsWith('ES')
    ? verifier.verify({ key, dsaEncoding: 'ieee-p1363' }, signature)
    : verifier.verify(key, signature);
  return { verified, kid: header.kid };
}
