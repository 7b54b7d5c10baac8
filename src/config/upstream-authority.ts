import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PluginDefinition } from './plugin';
import { PodNeeds } from './secret-mount';

/** What an upstream authority is told when it is bound to a server. */
export interface UpstreamAuthorityContext {
  /** The server's namespace. */
  readonly namespace: string;
  /** The server's ServiceAccount. */
  readonly serviceAccountName: string;
  /** The server's CA lifetime (`ca_ttl`): the upstream must sign for at least this long. */
  readonly caTtl: Duration;
  /**
   * CIDR the user gave for the upstream, for the server's NetworkPolicy egress.
   * @default - chosen by the upstream (pods by namespace when it is in the cluster)
   */
  readonly egressCidr?: string;
  /**
   * Pod labels the user gave for an in-cluster upstream, to narrow the egress rule.
   * @default - every pod of the upstream's namespace
   */
  readonly egressPodLabels?: Record<string, string>;
}

/** What the setup of the upstream side expects, as text and commands (Vault only today). */
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

/** What an upstream authority contributes to the server it is bound to. */
export interface UpstreamAuthorityBinding {
  /** Secrets and tokens the server pod must mount. */
  readonly podNeeds: PodNeeds;
  /** Where the server connects to (NetworkPolicy egress). */
  readonly egress: NetworkDestination[];
  /**
   * The Vault-side setup the server expects.
   * @default - none
   */
  readonly vaultSetup?: VaultSetup;
}

/**
 * The server's UpstreamAuthority plugin: the CA that signs SPIRE's intermediate signing
 * certificate, so SPIRE's trust chains up to an organisation's PKI. Each variant is a class of
 * its own (`upstream-authority-*.ts`) whose `bind()` returns what the server needs and creates
 * the objects the variant needs (RBAC, for cert-manager).
 */
export abstract class UpstreamAuthority {
  /**
   * Vault's PKI secrets engine signs SPIRE's intermediate via
   * `/<pkiMountPoint>/root/sign-intermediate`.
   */
  public static vault(options: VaultUpstreamAuthorityOptions): UpstreamAuthority {
    return new VaultUpstreamAuthority(options);
  }

  /** A cert-manager issuer signs SPIRE's intermediate (the server needs RBAC on CertificateRequests). */
  public static certManager(options: CertManagerUpstreamAuthorityOptions): UpstreamAuthority {
    return new CertManagerUpstreamAuthority(options);
  }

  /** A CA certificate and key mounted into the server (e.g. from a Secret). */
  public static disk(options: DiskUpstreamAuthorityOptions): UpstreamAuthority {
    return new DiskUpstreamAuthority(options);
  }

  protected constructor(
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** What the server pod must provide (Secrets, tokens). */
    public readonly podNeeds: PodNeeds,
  ) {}

  /** Creates what the upstream needs in `scope` (the server) and returns what the server pod needs. */
  public abstract bind(scope: Construct, context: UpstreamAuthorityContext): UpstreamAuthorityBinding;
}

// The variants extend UpstreamAuthority: imported after it is defined (aws-cdk's ContainerImage pattern).
import { CertManagerUpstreamAuthority, CertManagerUpstreamAuthorityOptions } from './upstream-authority-cert-manager';
import { DiskUpstreamAuthority, DiskUpstreamAuthorityOptions } from './upstream-authority-disk';
import { VaultUpstreamAuthority, VaultUpstreamAuthorityOptions } from './upstream-authority-vault';
import { VaultAuthMethod } from './vault-auth';
import { NetworkDestination } from '../k8s/network-destination';
