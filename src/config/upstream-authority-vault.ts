import { Construct } from 'constructs';
import { ConfigValue } from './json';
import { mergePodNeeds, NO_POD_NEEDS, PodNeeds, SecretKeyReference } from './secret-mount';
import { UpstreamAuthority, UpstreamAuthorityBinding, UpstreamAuthorityContext, VaultSetup } from './upstream-authority';
import { VaultAuth } from './vault-auth';
import { inClusterNamespaceOf, NetworkDestination } from '../k8s/network-destination';
import { checkDataKey, checkDnsSubdomain, invalidProp, requireString } from '../validation';

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

const CA_DIR = '/run/spire/vault-ca';

/** Vault's (or OpenBao's) PKI secrets engine as the upstream authority. @internal */
export class VaultUpstreamAuthority extends UpstreamAuthority {
  private readonly options: VaultUpstreamAuthorityOptions;
  private readonly pkiMountPoint: string;

  public constructor(options: VaultUpstreamAuthorityOptions) {
    const addr = requireString(options.vaultAddr, 'vault.vaultAddr', 'Give Vault\'s address, e.g. "https://vault.vault.svc:8200".');
    if (!/^https:\/\/[^/\s]+(\/.*)?$/.test(addr)) {
      throw invalidProp('vault.vaultAddr', addr, 'Use an https:// URL: SPIRE sends Vault its login token and receives its signing CA over this connection.');
    }
    if (options.insecureSkipVerify === true) {
      throw invalidProp('vault.insecureSkipVerify', true, "Give 'caCert' (the Secret with Vault's CA certificate) instead: without verification anyone on the path can sign SPIRE's CA.");
    }
    if (!(options.auth instanceof VaultAuth)) {
      throw invalidProp('vault.auth', options.auth, 'Use VaultAuth.kubernetes(), .cert(), .appRole() or .token().');
    }
    const pkiMountPoint = options.pkiMountPoint ?? 'pki';
    if (typeof pkiMountPoint !== 'string' || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(pkiMountPoint)) {
      throw invalidProp('vault.pkiMountPoint', pkiMountPoint, 'Use the mount path as Vault names it, without leading or trailing "/", e.g. "pki" or "pki_int".');
    }
    const data: { [key: string]: ConfigValue | undefined } = {
      vault_addr: addr,
      pki_mount_point: pkiMountPoint,
      ca_cert_path: options.caCert ? `${CA_DIR}/ca.crt` : undefined,
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
      ? { ...NO_POD_NEEDS, secretFiles: [{ volume: 'vault-ca', secretName: options.caCert.name, mountPath: CA_DIR, items: [{ key: options.caCert.key, path: 'ca.crt' }] }] }
      : NO_POD_NEEDS;
    super({ type: 'UpstreamAuthority', name: 'vault', data }, mergePodNeeds(caNeeds, options.auth.podNeeds));
    this.options = options;
    this.pkiMountPoint = pkiMountPoint;
  }

  public bind(_scope: Construct, context: UpstreamAuthorityContext): UpstreamAuthorityBinding {
    const url = new URL(this.options.vaultAddr);
    const port = url.port ? Number(url.port) : 443;
    const namespace = inClusterNamespaceOf(url.hostname);
    // In the cluster by namespace (and labels): CNIs such as Cilium apply CIDR rules only to
    // traffic leaving the cluster. Outside it by CIDR.
    const egress: NetworkDestination = context.egressCidr === undefined && namespace
      ? { port, namespace, podLabels: context.egressPodLabels }
      : { port, cidr: context.egressCidr ?? '0.0.0.0/0' };
    return { podNeeds: this.podNeeds, egress: [egress], vaultSetup: this.setup(context) };
  }

  private setup(context: UpstreamAuthorityContext): VaultSetup {
    const pki = this.pkiMountPoint;
    const policyName = 'spire-server';
    const policy = `path "${pki}/root/sign-intermediate" {\n  capabilities = ["update"]\n}\n`;
    const auth = this.options.auth;
    const caTtlHours = context.caTtl.toHours({ integral: false });
    const commands = [
      `vault secrets tune -max-lease-ttl=${Math.max(caTtlHours, 1)}h ${pki}`,
      `vault policy write ${policyName} - <<'EOF'\n${policy}EOF`,
    ];
    let kubernetesRole: VaultSetup['kubernetesRole'];
    if (auth.kubernetes) {
      kubernetesRole = {
        mountPoint: auth.kubernetes.mountPoint,
        name: auth.kubernetes.role,
        boundServiceAccountNames: [context.serviceAccountName],
        boundServiceAccountNamespaces: [context.namespace],
        audience: auth.kubernetes.audience,
        tokenPolicies: [policyName],
      };
      commands.push(
        `vault write auth/${auth.kubernetes.mountPoint}/role/${auth.kubernetes.role} bound_service_account_names=${context.serviceAccountName} ` +
          `bound_service_account_namespaces=${context.namespace} audience=${auth.kubernetes.audience} token_policies=${policyName} ttl=1h`,
      );
    }
    return { policyName, policy, authMethod: auth.method, kubernetesRole, commands };
  }
}
