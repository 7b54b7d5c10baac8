import { ConfigValue } from './json';
import { requireAbsolutePath, requireString } from './validate';

/** Options of {@link VaultAuth.kubernetes}. */
export interface VaultKubernetesAuthOptions {
  /** The Vault role bound to the server's service account (`k8s_auth_role_name`). */
  readonly role: string;
  /**
   * Mount point of the Kubernetes auth method.
   * @default 'kubernetes'
   */
  readonly mountPoint?: string;
  /**
   * Path of the projected service-account token presented to Vault.
   * @default '/var/run/secrets/vault/token'
   */
  readonly tokenPath?: string;
  /**
   * Audience of the projected token; Vault's role must accept it.
   * @default 'vault'
   */
  readonly audience?: string;
}

/** Options of {@link VaultAuth.cert}. */
export interface VaultCertAuthOptions {
  /**
   * Mount point of the cert auth method.
   * @default 'cert'
   */
  readonly mountPoint?: string;
  /**
   * The cert auth role to log in with.
   * @default - Vault tries every role
   */
  readonly roleName?: string;
  /**
   * Path of the client certificate.
   * @default '/run/spire/vault-client/tls.crt'
   */
  readonly clientCertPath?: string;
  /**
   * Path of the client key.
   * @default '/run/spire/vault-client/tls.key'
   */
  readonly clientKeyPath?: string;
}

/** Options of {@link VaultAuth.appRole}. */
export interface VaultAppRoleAuthOptions {
  /**
   * Mount point of the AppRole auth method.
   * @default 'approle'
   */
  readonly mountPoint?: string;
}

/** The kind of a Vault auth method. */
export enum VaultAuthMethod {
  /** Kubernetes service-account token. */
  KUBERNETES = 'kubernetes',
  /** TLS client certificate. */
  CERT = 'cert',
  /** AppRole role id and secret id. */
  APP_ROLE = 'approle',
  /** A Vault token. */
  TOKEN = 'token',
}

/**
 * How the SPIRE server logs in to Vault. Secrets (tokens, AppRole ids) are never written into
 * the config file: SPIRE reads them from `VAULT_TOKEN`, `VAULT_APPROLE_ID` and
 * `VAULT_APPROLE_SECRET_ID`, which the server construct fills from a Kubernetes Secret.
 */
export class VaultAuth {
  /** A projected Kubernetes service-account token (`k8s_auth`). Recommended. */
  public static kubernetes(options: VaultKubernetesAuthOptions): VaultAuth {
    requireString(options.role, 'kubernetes.role', 'Give the Vault Kubernetes auth role bound to the server service account.');
    const tokenPath = requireAbsolutePath(options.tokenPath ?? '/var/run/secrets/vault/token', 'kubernetes.tokenPath');
    return new VaultAuth(VaultAuthMethod.KUBERNETES, 'k8s_auth', {
      k8s_auth_mount_point: options.mountPoint ?? 'kubernetes',
      k8s_auth_role_name: options.role,
      token_path: tokenPath,
    }, {
      role: options.role,
      mountPoint: options.mountPoint ?? 'kubernetes',
      tokenPath,
      audience: options.audience ?? 'vault',
    });
  }

  /** A TLS client certificate (`cert_auth`). */
  public static cert(options: VaultCertAuthOptions = {}): VaultAuth {
    return new VaultAuth(VaultAuthMethod.CERT, 'cert_auth', {
      cert_auth_mount_point: options.mountPoint ?? 'cert',
      cert_auth_role_name: options.roleName,
      client_cert_path: requireAbsolutePath(options.clientCertPath ?? '/run/spire/vault-client/tls.crt', 'cert.clientCertPath'),
      client_key_path: requireAbsolutePath(options.clientKeyPath ?? '/run/spire/vault-client/tls.key', 'cert.clientKeyPath'),
    });
  }

  /** AppRole (`approle_auth`); role id and secret id come from the environment. */
  public static appRole(options: VaultAppRoleAuthOptions = {}): VaultAuth {
    return new VaultAuth(VaultAuthMethod.APP_ROLE, 'approle_auth', {
      approle_auth_mount_point: options.mountPoint ?? 'approle',
    });
  }

  /** A Vault token (`token_auth`), read from `VAULT_TOKEN`. Tokens expire: prefer Kubernetes auth. */
  public static token(): VaultAuth {
    return new VaultAuth(VaultAuthMethod.TOKEN, 'token_auth', {});
  }

  private constructor(
    /** The auth method. */
    public readonly method: VaultAuthMethod,
    /** The block name in the vault plugin data. @internal */
    public readonly blockName: string,
    /** The block contents. @internal */
    public readonly block: { [key: string]: ConfigValue | undefined },
    /** For Kubernetes auth: what the server pod must provide. */
    public readonly kubernetes?: {
      readonly role: string;
      readonly mountPoint: string;
      readonly tokenPath: string;
      readonly audience: string;
    },
  ) {}
}
