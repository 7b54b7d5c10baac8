import { ConfigValue } from './json';
import { PluginDefinition } from './plugin';
import { mergePodNeeds, NO_POD_NEEDS, PodNeeds, SecretKeyReference } from './secret-mount';
import { requireString } from './validate';
import { invalidProp } from '../errors';
import { VaultAuth } from './vault-auth';
import { checkDataKey, checkDnsSubdomain } from '../k8s/names';

/** Options of {@link UpstreamAuthority.vault}. */
export interface VaultUpstreamAuthorityOptions {
  /** Vault's address, e.g. `https://vault.vault.svc:8200`. */
  readonly vaultAddr: string;
  /** How the server logs in to Vault. */
  readonly auth: VaultAuth;
  /**
   * Mount point of the PKI secrets engine that signs SPIRE's intermediate CA.
   * @default 'pki'
   */
  readonly pkiMountPoint?: string;
  /**
   * Secret key holding the CA certificate (PEM) that signed Vault's TLS certificate; mounted
   * at `/run/spire/vault-ca/ca.crt`.
   * @default - the system roots
   */
  readonly caCert?: SecretKeyReference;
  /**
   * Vault Enterprise namespace.
   * @default - none
   */
  readonly namespace?: string;
  /**
   * Skip verification of Vault's TLS certificate: refused when `true` (anyone on the path could
   * sign SPIRE's CA); give `caCert` instead.
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/** Options of {@link UpstreamAuthority.certManager}. */
export interface CertManagerUpstreamAuthorityOptions {
  /** Namespace in which the server creates CertificateRequests. */
  readonly namespace: string;
  /** Name of the issuer that signs SPIRE's intermediate. */
  readonly issuerName: string;
  /**
   * Kind of the issuer. Always written, because `spire-server validate` fails without it.
   * @default 'Issuer'
   */
  readonly issuerKind?: string;
  /**
   * API group of the issuer.
   * @default 'cert-manager.io'
   */
  readonly issuerGroup?: string;
}

/** Options of {@link UpstreamAuthority.disk}. */
export interface DiskUpstreamAuthorityOptions {
  /** Secret with the upstream CA certificate and key (PEM), mounted at `/run/spire/upstream-ca`. */
  readonly secretName: string;
  /**
   * Key of the certificate in the Secret.
   * @default 'tls.crt'
   */
  readonly certKey?: string;
  /**
   * Key of the private key in the Secret.
   * @default 'tls.key'
   */
  readonly keyKey?: string;
  /**
   * Key of the root bundle, when the certificate is an intermediate of an existing PKI.
   * @default - the certificate is a self-signed root
   */
  readonly bundleKey?: string;
}

/** The kind of an upstream authority. */
export enum UpstreamAuthorityKind {
  /** HashiCorp Vault (or OpenBao) PKI secrets engine. */
  VAULT = 'vault',
  /** A cert-manager issuer. */
  CERT_MANAGER = 'cert-manager',
  /** A CA certificate and key on disk. */
  DISK = 'disk',
}

/**
 * The server's UpstreamAuthority plugin: the CA that signs SPIRE's intermediate signing
 * certificate, so SPIRE's trust chains up to an organisation's PKI.
 */
export class UpstreamAuthority {
  /**
   * Vault's PKI secrets engine signs SPIRE's intermediate via
   * `/<pkiMountPoint>/root/sign-intermediate`.
   */
  public static vault(options: VaultUpstreamAuthorityOptions): UpstreamAuthority {
    const addr = requireString(options.vaultAddr, 'vault.vaultAddr', 'Give Vault\'s address, e.g. "https://vault.vault.svc:8200".');
    if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(addr)) {
      throw invalidProp('vault.vaultAddr', addr, 'Use an https:// URL: SPIRE sends Vault its login token and receives its signing CA over this connection.');
    }
    if (options.insecureSkipVerify === true) {
      throw invalidProp('vault.insecureSkipVerify', true, "Give 'caCert' (the Secret with Vault's CA certificate) instead: without verification anyone on the path can sign SPIRE's CA.");
    }
    if (!(options.auth instanceof VaultAuth)) {
      throw new Error("Invalid 'vault.auth': received nothing. Use VaultAuth.kubernetes(), .cert(), .appRole() or .token().");
    }
    const pkiMountPoint = options.pkiMountPoint ?? 'pki';
    if (typeof pkiMountPoint !== 'string' || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(pkiMountPoint)) {
      throw invalidProp('vault.pkiMountPoint', pkiMountPoint, 'Use the mount path as Vault names it, without leading or trailing "/", e.g. "pki" or "pki_int".');
    }
    const data: { [key: string]: ConfigValue | undefined } = {
      vault_addr: addr,
      pki_mount_point: pkiMountPoint,
      ca_cert_path: options.caCert ? '/run/spire/vault-ca/ca.crt' : undefined,
      namespace: options.namespace,
      [options.auth.blockName]: { ...options.auth.block },
    };
    if (options.caCert) {
      requireString(options.caCert.name, 'vault.caCert.name', 'Give the Secret holding Vault\'s CA certificate.');
      requireString(options.caCert.key, 'vault.caCert.key', 'Give the key of Vault\'s CA certificate in the Secret.');
      checkDnsSubdomain(options.caCert.name, 'vault.caCert.name');
      checkDataKey(options.caCert.key, 'vault.caCert.key');
    }
    const caNeeds: PodNeeds = options.caCert
      ? { ...NO_POD_NEEDS, secretFiles: [{ volume: 'vault-ca', secretName: options.caCert.name, mountPath: '/run/spire/vault-ca', items: [{ key: options.caCert.key, path: 'ca.crt' }] }] }
      : NO_POD_NEEDS;
    return new UpstreamAuthority(
      UpstreamAuthorityKind.VAULT,
      { type: 'UpstreamAuthority', name: 'vault', data },
      mergePodNeeds(caNeeds, options.auth.podNeeds),
      options,
    );
  }

  /** A cert-manager issuer signs SPIRE's intermediate (the server needs RBAC on CertificateRequests). */
  public static certManager(options: CertManagerUpstreamAuthorityOptions): UpstreamAuthority {
    requireString(options.namespace, 'certManager.namespace', 'Give the namespace for CertificateRequests.');
    requireString(options.issuerName, 'certManager.issuerName', 'Give the name of the cert-manager issuer.');
    return new UpstreamAuthority(
      UpstreamAuthorityKind.CERT_MANAGER,
      {
        type: 'UpstreamAuthority',
        name: 'cert-manager',
        data: {
          namespace: options.namespace,
          issuer_name: options.issuerName,
          issuer_kind: options.issuerKind ?? 'Issuer',
          issuer_group: options.issuerGroup ?? 'cert-manager.io',
        },
      },
      NO_POD_NEEDS,
      undefined,
      options.namespace,
    );
  }

  /** A CA certificate and key mounted into the server (e.g. from a Secret). */
  public static disk(options: DiskUpstreamAuthorityOptions): UpstreamAuthority {
    requireString(options.secretName, 'disk.secretName', 'Give the Secret with the upstream CA certificate and key.');
    const dir = '/run/spire/upstream-ca';
    const items = [
      { key: options.certKey ?? 'tls.crt', path: 'ca.crt' },
      { key: options.keyKey ?? 'tls.key', path: 'ca.key' },
      ...(options.bundleKey ? [{ key: options.bundleKey, path: 'bundle.crt' }] : []),
    ];
    return new UpstreamAuthority(
      UpstreamAuthorityKind.DISK,
      {
        type: 'UpstreamAuthority',
        name: 'disk',
        data: {
          cert_file_path: `${dir}/ca.crt`,
          key_file_path: `${dir}/ca.key`,
          bundle_file_path: options.bundleKey ? `${dir}/bundle.crt` : undefined,
        },
      },
      { ...NO_POD_NEEDS, secretFiles: [{ volume: 'upstream-ca', secretName: options.secretName, mountPath: dir, items }] },
    );
  }

  private constructor(
    /** Which upstream this is. */
    public readonly kind: UpstreamAuthorityKind,
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** What the server pod must provide (Secrets, tokens). */
    public readonly podNeeds: PodNeeds,
    /** For Vault: the options given. */
    public readonly vaultOptions?: VaultUpstreamAuthorityOptions,
    /** For cert-manager: the namespace CertificateRequests are created in. */
    public readonly certificateRequestNamespace?: string,
  ) {}
}
