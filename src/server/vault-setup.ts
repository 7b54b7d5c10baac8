import { UpstreamAuthority, UpstreamAuthorityKind } from '../config/upstream-authority';
import { VaultAuthMethod } from '../config/vault-auth';

/** The Vault-side configuration a SPIRE server with a Vault upstream expects. */
export interface VaultSetup {
  /** Name of the Vault policy. */
  readonly policyName: string;
  /** The policy (HCL): `update` on `<pki>/root/sign-intermediate`, nothing else. */
  readonly policy: string;
  /** The auth method the server logs in with. */
  readonly authMethod: VaultAuthMethod;
  /** For Kubernetes auth: the role to create. */
  readonly kubernetesRole?: {
    readonly mountPoint: string;
    readonly name: string;
    readonly boundServiceAccountNames: string[];
    readonly boundServiceAccountNamespaces: string[];
    readonly audience: string;
    readonly tokenPolicies: string[];
  };
  /** The `vault` CLI commands that apply this setup (PKI mount and CA excluded). */
  readonly commands: string[];
}

/** @internal */
export function vaultSetupFor(ua: UpstreamAuthority | undefined, namespace: string, serviceAccount: string, caTtlHours: number): VaultSetup | undefined {
  if (!ua || ua.kind !== UpstreamAuthorityKind.VAULT || !ua.vaultOptions) {
    return undefined;
  }
  const pki = ua.vaultOptions.pkiMountPoint ?? 'pki';
  const policyName = 'spire-server';
  const policy = `path "${pki}/root/sign-intermediate" {\n  capabilities = ["update"]\n}\n`;
  const auth = ua.vaultOptions.auth;
  const commands = [
    `vault secrets tune -max-lease-ttl=${Math.max(caTtlHours, 1)}h ${pki}`,
    `vault policy write ${policyName} - <<'EOF'\n${policy}EOF`,
  ];
  let kubernetesRole: VaultSetup['kubernetesRole'];
  if (auth.kubernetes) {
    kubernetesRole = {
      mountPoint: auth.kubernetes.mountPoint,
      name: auth.kubernetes.role,
      boundServiceAccountNames: [serviceAccount],
      boundServiceAccountNamespaces: [namespace],
      audience: auth.kubernetes.audience,
      tokenPolicies: [policyName],
    };
    commands.push(
      `vault write auth/${auth.kubernetes.mountPoint}/role/${auth.kubernetes.role} bound_service_account_names=${serviceAccount} bound_service_account_namespaces=${namespace} audience=${auth.kubernetes.audience} token_policies=${policyName} ttl=1h`,
    );
  }
  return { policyName, policy, authMethod: auth.method, kubernetesRole, commands };
}
