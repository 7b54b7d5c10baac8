/**
 * Test certificates made with the openssl CLI: the control plane's CA and serving/client
 * certificates, PostgreSQL's server certificate (the names CloudNativePG puts in its own) and
 * OpenBao's listener certificate.
 */
import { X509Certificate } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { run } from './proc';

export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

export class TestCa implements KeyPair {
  public readonly cert: string;
  public readonly key: string;
  private serial = 1;

  public constructor(private readonly dir: string, name: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.key = path.join(dir, `${name}-ca.key`);
    this.cert = path.join(dir, `${name}-ca.crt`);
    run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', this.key]);
    run('openssl', ['req', '-x509', '-new', '-key', this.key, '-sha256', '-days', '2', '-subj', `/CN=${name} test CA`, '-out', this.cert,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }

  /**
   * Issues a leaf certificate. `names` become DNS, IP or (spiffe://) URI SANs; `client` adds clientAuth, `server`
   * serverAuth. `org` is the subject O (a Kubernetes group for client certificates).
   */
  public issue(name: string, opts: { cn: string; names?: string[]; org?: string; client?: boolean; server?: boolean }): KeyPair {
    const key = path.join(this.dir, `${name}.key`);
    const csr = path.join(this.dir, `${name}.csr`);
    const cert = path.join(this.dir, `${name}.crt`);
    const ext = path.join(this.dir, `${name}.ext`);
    run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${key}.ec`]);
    // PKCS#8: what every consumer here (Go, libpq, Node) reads.
    run('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', `${key}.ec`, '-out', key]);
    fs.rmSync(`${key}.ec`);
    const subj = `${opts.org ? `/O=${opts.org}` : ''}/CN=${opts.cn}`;
    run('openssl', ['req', '-new', '-key', key, '-subj', subj, '-out', csr]);
    const usages = [opts.server ? 'serverAuth' : '', opts.client ? 'clientAuth' : ''].filter(Boolean).join(',');
    const sans = (opts.names ?? []).map((n) => (n.startsWith('spiffe://') ? `URI:${n}` : /^[0-9.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
    fs.writeFileSync(ext, [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${usages || 'serverAuth'}`,
      sans ? `subjectAltName=${sans}` : '',
    ].filter(Boolean).join('\n'));
    run('openssl', ['x509', '-req', '-in', csr, '-CA', this.cert, '-CAkey', this.key, '-set_serial', String(++this.serial + 1000),
      '-days', '2', '-sha256', '-extfile', ext, '-out', cert]);
    return { cert, key };
  }
}

/** An EC key pair for signing service account tokens. */
export function serviceAccountKey(dir: string): { key: string; pub: string } {
  const key = path.join(dir, 'sa.key');
  const pub = path.join(dir, 'sa.pub');
  run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  run('openssl', ['ec', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}

/** Serial number (hex, upper case) and not-before/not-after of the first certificate in a PEM. */
export function certInfo(pem: string): { serial: string; notBefore: Date; notAfter: Date; uris: string[] } {
  const out = run('openssl', ['x509', '-noout', '-serial', '-startdate', '-enddate', '-ext', 'subjectAltName'], { input: pem }).stdout;
  const serial = /serial=([0-9A-F]+)/.exec(out)?.[1] ?? '';
  const notBefore = new Date(/notBefore=(.*)/.exec(out)?.[1] ?? '');
  const notAfter = new Date(/notAfter=(.*)/.exec(out)?.[1] ?? '');
  const uris = [...out.matchAll(/URI:([^,\s]+)/g)].map((m) => m[1]);
  return { serial, notBefore, notAfter, uris };
}

/** The serial of every certificate in a PEM bundle, sorted (X509Certificate parses each block). */
export function bundleSerials(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => new X509Certificate(b).serialNumber.toUpperCase()).sort();
}
