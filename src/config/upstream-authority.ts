import { ConfigValue } from './json';
import { PluginDefinition } from './plugin';
import { optionalAbsolutePath, requireAbsolutePath, requireString } from './validate';
import { VaultAuth } from './vault-auth';

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
   * Path of the CA certificate (PEM) that signed Vault's TLS certificate.
   * @default - the system roots
   */
  readonly caCertPath?: string;
  /**
   * Vault Enterprise namespace.
   * @default - none
   */
  readonly namespace?: string;
  /**
   * Skip verification of Vault's TLS certificate. Never in production.
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
  /** Path of the upstream CA certificate (PEM). */
  readonly certFilePath: string;
  /** Path of the upstream CA key (PEM). */
  readonly keyFilePath: string;
  /**
   * Path of the root bundle when the certificate is an intermediate of an existing PKI.
   * @default - the certificate is a self-signed root
   */
  readonly bundleFilePath?: string;
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
    if (!/^https?:\/\//.test(addr)) {
      throw new Error(`Invalid 'vault.vaultAddr': received ${JSON.stringify(addr)}. Use an http(s):// URL.`);
    }
    if (!(options.auth instanceof VaultAuth)) {
      throw new Error("Invalid 'vault.auth': received nothing. Use VaultAuth.kubernetes(), .cert(), .appRole() or .token().");
    }
    const pkiMountPoint = options.pkiMountPoint ?? 'pki';
    const data: { [key: string]: ConfigValue | undefined } = {
      vault_addr: addr,
      pki_mount_point: pkiMountPoint,
      ca_cert_path: optionalAbsolutePath(options.caCertPath, 'vault.caCertPath'),
      namespace: options.namespace,
      insecure_skip_verify: options.insecureSkipVerify === true ? true : undefined,
      [options.auth.blockName]: { ...options.auth.block },
    };
    return new UpstreamAuthority(UpstreamAuthorityKind.VAULT, { type: 'UpstreamAuthority', name: 'vault', data }, options);
  }

  /** A cert-manager issuer signs SPIRE's intermediate (the server needs RBAC on CertificateRequests). */
  public static certManager(options: CertManagerUpstreamAuthorityOptions): UpstreamAuthority {
    requireString(options.namespace, 'certManager.namespace', 'Give the namespace for CertificateRequests.');
    requireString(options.issuerName, 'certManager.issuerName', 'Give the name of the cert-manager issuer.');
    return new UpstreamAuthority(UpstreamAuthorityKind.CERT_MANAGER, {
      type: 'UpstreamAuthority',
      name: 'cert-manager',
      data: {
        namespace: options.namespace,
        issuer_name: options.issuerName,
        issuer_kind: options.issuerKind ?? 'Issuer',
        issuer_group: options.issuerGroup ?? 'cert-manager.io',
      },
    });
  }

  /** A CA certificate and key mounted into the server (e.g. from a Secret). */
  public static disk(options: DiskUpstreamAuthorityOptions): UpstreamAuthority {
    return new UpstreamAuthority(UpstreamAuthorityKind.DISK, {
      type: 'UpstreamAuthority',
      name: 'disk',
      data: {
        cert_file_path: requireAbsolutePath(options.certFilePath, 'disk.certFilePath'),
        key_file_path: requireAbsolutePath(options.keyFilePath, 'disk.keyFilePath'),
        bundle_file_path: optionalAbsolutePath(options.bundleFilePath, 'disk.bundleFilePath'),
      },
    });
  }

  private constructor(
    /** Which upstream this is. */
    public readonly kind: UpstreamAuthorityKind,
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** For Vault: the options given. */
    public readonly vaultOptions?: VaultUpstreamAuthorityOptions,
  ) {}
}
