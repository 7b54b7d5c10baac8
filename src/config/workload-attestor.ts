import { isReason } from '../reason';
import { invalidProp, requireAbsolutePath } from '../validation';
import { ConfigValue } from './json';
import { PluginDefinition } from './plugin';

/** The kind of kubelet verification. */
export enum KubeletVerificationMode {
  /** Verify the kubelet's serving certificate with the API server CA. */
  API_SERVER_CA = 'apiServerCA',
  /** Verify it with a CA file from the host. */
  HOST_CERT = 'hostCert',
  /** Do not verify (insecure). */
  SKIP = 'skip',
}

/**
 * How the k8s workload attestor verifies the kubelet it asks about pods. The official chart
 * skips verification by default; here verification is on unless the user says otherwise.
 */
export class KubeletVerification {
  /** Verify with the API server CA (the service account's `ca.crt`). The default. */
  public static apiServerCa(): KubeletVerification {
    return new KubeletVerification(KubeletVerificationMode.API_SERVER_CA, '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
  }

  /** Verify with a CA certificate file mounted from the host. */
  public static hostCert(caPath: string): KubeletVerification {
    return new KubeletVerification(KubeletVerificationMode.HOST_CERT, requireAbsolutePath(caPath, 'hostCert.caPath'));
  }

  /**
   * Skip verification. Only with a written reason; the production checklist flags it unless
   * the finding is acknowledged.
   */
  public static skip(reason: string): KubeletVerification {
    if (!isReason(reason)) {
      throw invalidProp('skip.reason', reason, 'Skipping kubelet verification needs a reason of at least 10 characters.');
    }
    return new KubeletVerification(KubeletVerificationMode.SKIP, undefined, reason);
  }

  private constructor(
    /** The mode. */
    public readonly mode: KubeletVerificationMode,
    /** The CA path, when verifying. */
    public readonly caPath?: string,
    /** Why verification is skipped. */
    public readonly reason?: string,
  ) {}
}

/** Options of {@link WorkloadAttestor.k8s}. */
export interface K8sWorkloadAttestorOptions {
  /**
   * How the kubelet's certificate is verified.
   * @default KubeletVerification.apiServerCa()
   */
  readonly kubeletVerification?: KubeletVerification;
  /**
   * Environment variable holding the node name (set from `spec.nodeName`).
   * @default 'MY_NODE_NAME'
   */
  readonly nodeNameEnv?: string;
  /**
   * Kubelet secure port.
   * @default 10250
   */
  readonly kubeletSecurePort?: number;
  /**
   * Do not produce container selectors (image, name).
   * @default false
   */
  readonly disableContainerSelectors?: boolean;
  /**
   * Use the cgroups-v2-aware container locator.
   * @default true
   */
  readonly useNewContainerLocator?: boolean;
}

/** Options of {@link WorkloadAttestor.unix}. */
export interface UnixWorkloadAttestorOptions {
  /**
   * Produce `unix:path` and `unix:sha256` selectors from the workload binary.
   * @default false
   */
  readonly discoverWorkloadPath?: boolean;
}

/**
 * The agent's WorkloadAttestor plugins: how it learns which workload calls the Workload API.
 */
export class WorkloadAttestor {
  /** Kubernetes pods, through the kubelet: `k8s:ns`, `k8s:sa`, `k8s:pod-label` … selectors. */
  public static k8s(options: K8sWorkloadAttestorOptions = {}): WorkloadAttestor {
    const v = options.kubeletVerification ?? KubeletVerification.apiServerCa();
    const nodeNameEnv = options.nodeNameEnv ?? 'MY_NODE_NAME';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(nodeNameEnv)) {
      throw invalidProp('k8s.nodeNameEnv', nodeNameEnv, 'Use an environment variable name.');
    }
    const port = options.kubeletSecurePort;
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw invalidProp('k8s.kubeletSecurePort', port, 'Use a TCP port between 1 and 65535.');
    }
    // The k8s attestor rejects unknown keys, so only SPIRE's own key names appear here.
    const data: { [key: string]: ConfigValue | undefined } = {
      skip_kubelet_verification: v.mode === KubeletVerificationMode.SKIP,
      kubelet_ca_path: v.caPath,
      node_name_env: nodeNameEnv,
      kubelet_secure_port: port,
      disable_container_selectors: options.disableContainerSelectors ?? false,
      use_new_container_locator: options.useNewContainerLocator ?? true,
    };
    return new WorkloadAttestor({ type: 'WorkloadAttestor', name: 'k8s', data }, v, nodeNameEnv);
  }

  /** Unix processes: `unix:uid`, `unix:gid`, `unix:path` … selectors. */
  public static unix(options: UnixWorkloadAttestorOptions = {}): WorkloadAttestor {
    return new WorkloadAttestor({
      type: 'WorkloadAttestor',
      name: 'unix',
      data: { discover_workload_path: options.discoverWorkloadPath ?? false },
    });
  }

  private constructor(
    /** The plugin definition for the agent config. */
    public readonly plugin: PluginDefinition,
    /** For k8s: the kubelet verification. */
    public readonly kubeletVerification?: KubeletVerification,
    /** For k8s: the node name environment variable. */
    public readonly nodeNameEnv?: string,
  ) {}
}
