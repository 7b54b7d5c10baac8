import { ConfigValue } from './json';
import { NO_POD_NEEDS, PodNeeds } from './secret-mount';
import { requireAbsolutePath, requireString } from '../validation';

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
   * @default '/var/run/secrets/tokens/vault/token'
   */
  readonly tokenPath?: string;
  /**
   * Audience of the projected token; the Vault role must list it.
   * @default 'vault'
   */
  readonly audience?: string;
}

/** Options of {@link VaultAuth.cert}. */
export interface VaultCertAuthOptions {
  /** A `kubernetes.io/tls` Secret with the client certificate and key. */
  readonly secretName: string;
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
}

/** Options of {@link VaultAuth.appRole}. */
export interface VaultAppRoleAuthOptions {
  /** Secret holding the role id and secret id. */
  readonly secretName: string;
  /**
   * Key of the role id in the Secret.
   * @default 'role-id'
   */
  readonly roleIdKey?: string;
  /**
   * Key of the secret id in the Secret.
   * @default 'secret-id'
   */
  readonly secretIdKey?: string;
  /**
   * Mount point of the AppRole auth method.
   * @default 'approle'
   */
  readonly mountPoint?: string;
}

/** Options of {@link VaultAuth.token}. */
export interface VaultTokenAuthOptions {
  /** Secret holding the token. */
  readonly secretName: string;
  /**
   * Key of the token in the Secret.
   * @default 'token'
   */
  readonly key?: string;
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

const CLIENT_DIR = '/run/spire/vault-client';

/**
 * How the SPIRE server logs in to Vault. Secrets (tokens, AppRole ids) are never written into
 * the config file: SPIRE reads them from `VAULT_TOKEN`, `VAULT_APPROLE_ID` and
 * `VAULT_APPROLE_SECRET_ID`, which the server pod fills from a Kubernetes Secret.
 */
export class VaultAuth {
  /** A projected Kubernetes service-account token (`k8s_auth`). Recommended: nothing to rotate. */
  public static kubernetes(options: VaultKubernetesAuthOptions): VaultAuth {
    requireString(options.role, 'kubernetes.role', 'Give the Vault Kubernetes auth role bound to the server service account.');
    const tokenPath = requireAbsolutePath(options.tokenPath ?? '/var/run/secrets/tokens/vault/token', 'kubernetes.tokenPath');
    const audience = options.audience ?? 'vault';
    requireString(audience, 'kubernetes.audience', 'Give the token audience the Vault role accepts.');
    const slash = tokenPath.lastIndexOf('/');
    return new VaultAuth(
      VaultAuthMethod.KUBERNETES,
      'k8s_auth',
      {
        k8s_auth_mount_point: options.mountPoint ?? 'kubernetes',
        k8s_auth_role_name: options.role,
        token_path: tokenPath,
      },
      {
        ...NO_POD_NEEDS,
        projectedTokens: [
          { volume: 'vault-token', mountPath: tokenPath.slice(0, slash) || '/', path: tokenPath.slice(slash + 1), audience, expirationSeconds: 3600 },
        ],
      },
      { role: options.role, mountPoint: options.mountPoint ?? 'kubernetes', audience },
    );
  }

  /** A TLS client certificate (`cert_auth`) from a `kubernetes.io/tls` Secret. */
  public static cert(options: VaultCertAuthOptions): VaultAuth {
    requireString(options.secretName, 'cert.secretName', 'Give the Secret with the client certificate (tls.crt, tls.key).');
    return new VaultAuth(
      VaultAuthMethod.CERT,
      'cert_auth',
      {
        cert_auth_mount_point: options.mountPoint ?? 'cert',
        cert_auth_role_name: options.roleName,
        client_cert_path: `${CLIENT_DIR}/tls.crt`,
        client_key_path: `${CLIENT_DIR}/tls.key`,
      },
      {
        ...NO_POD_NEEDS,
        secretFiles: [
          {
            volume: 'vault-client-cert',
            secretName: options.secretName,
            mountPath: CLIENT_DIR,
            items: [
              { key: 'tls.crt', path: 'tls.crt' },
              { key: 'tls.key', path: 'tls.key' },
            ],
          },
        ],
      },
    );
  }

  /** AppRole (`approle_auth`); the role id and secret id come from a Secret through the environment. */
  public static appRole(options: VaultAppRoleAuthOptions): VaultAuth {
    requireString(options.secretName, 'appRole.secretName', 'Give the Secret with the role id and secret id.');
    return new VaultAuth(
      VaultAuthMethod.APP_ROLE,
      'approle_auth',
      { approle_auth_mount_point: options.mountPoint ?? 'approle' },
      {
        ...NO_POD_NEEDS,
        secretEnv: [
          { env: 'VAULT_APPROLE_ID', secret: { name: options.secretName, key: options.roleIdKey ?? 'role-id' } },
          { env: 'VAULT_APPROLE_SECRET_ID', secret: { name: options.secretName, key: options.secretIdKey ?? 'secret-id' } },
        ],
      },
    );
  }

  /** A Vault token (`token_auth`) from a Secret through `VAULT_TOKEN`. Tokens expire: prefer Kubernetes auth. */
  public static token(options: VaultTokenAuthOptions): VaultAuth {
    requireString(options.secretName, 'token.secretName', 'Give the Secret with the Vault token.');
    return new VaultAuth(VaultAuthMethod.TOKEN, 'token_auth', {}, {
      ...NO_POD_NEEDS,
      secretEnv: [{ env: 'VAULT_TOKEN', secret: { name: options.secretName, key: options.key ?? 'token' } }],
    });
  }

  private constructor(
    /** The auth method. */
    public readonly method: VaultAuthMethod,
    /** The block name in the vault plugin data. @internal */
    public readonly blockName: string,
    /** The block contents. @internal */
    public readonly block: { [key: string]: ConfigValue | undefined },
    /** What the server pod must provide. */
    public readonly podNeeds: PodNeeds,
    /** For Kubernetes auth: the role, mount and audience Vault must be configured with. */
    public readonly kubernetes?: { readonly role: string; readonly mountPoint: string; readonly audience: string },
  ) {}
}
