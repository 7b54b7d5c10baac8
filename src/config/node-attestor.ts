import { invalidProp, requireAbsolutePath, requireString } from '../validation';
import { PluginDefinition } from './plugin';

/** Options of {@link NodeAttestor.k8sPsat}. */
export interface K8sPsatNodeAttestorOptions {
  /** The cluster name; agents present it and the controller manager's parent IDs contain it. */
  readonly cluster: string;
  /** Agent service accounts allowed to attest, as `namespace:serviceaccount`. At least one. */
  readonly serviceAccountAllowList: string[];
  /**
   * Audiences the projected token must carry.
   * @default ['spire-server']
   */
  readonly audience?: string[];
  /**
   * Node label keys exposed as `k8s_psat:agent_node_label` selectors.
   * @default - none
   */
  readonly allowedNodeLabelKeys?: string[];
  /**
   * Pod label keys exposed as `k8s_psat:agent_pod_label` selectors.
   * @default - none
   */
  readonly allowedPodLabelKeys?: string[];
}

/**
 * The server's NodeAttestor plugins: how agents prove which node they run on.
 */
export class NodeAttestor {
  /**
   * Kubernetes projected service-account tokens, verified with the TokenReview API.
   */
  public static k8sPsat(options: K8sPsatNodeAttestorOptions): NodeAttestor {
    const cluster = requireClusterName(options.cluster, 'k8sPsat.cluster');
    const allow = options.serviceAccountAllowList;
    if (!Array.isArray(allow) || allow.length === 0) {
      throw invalidProp('k8sPsat.serviceAccountAllowList', allow, 'List at least one agent service account as "namespace:serviceaccount".');
    }
    for (const entry of allow) {
      if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(entry)) {
        throw invalidProp('k8sPsat.serviceAccountAllowList', entry, 'Each entry is "namespace:serviceaccount" with Kubernetes names.');
      }
    }
    const audience = options.audience ?? ['spire-server'];
    if (audience.length === 0 || audience.some((a) => a.trim() === '')) {
      throw invalidProp('k8sPsat.audience', audience, 'List at least one non-empty audience.');
    }
    return new NodeAttestor(
      {
        type: 'NodeAttestor',
        name: 'k8s_psat',
        data: {
          clusters: {
            [cluster]: {
              service_account_allow_list: [...allow].sort(),
              audience: [...audience],
              allowed_node_label_keys: options.allowedNodeLabelKeys ? [...options.allowedNodeLabelKeys] : undefined,
              allowed_pod_label_keys: options.allowedPodLabelKeys ? [...options.allowedPodLabelKeys] : undefined,
            },
          },
        },
      },
      cluster,
      audience,
    );
  }

  /** One-time join tokens (tests and bootstrapping only). */
  public static joinToken(): NodeAttestor {
    return new NodeAttestor({ type: 'NodeAttestor', name: 'join_token', data: {} });
  }

  private constructor(
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** For k8s_psat: the cluster name. */
    public readonly cluster?: string,
    /** For k8s_psat: the accepted audiences. */
    public readonly audience?: string[],
  ) {}
}

/** Options of {@link AgentNodeAttestor.k8sPsat}. */
export interface AgentK8sPsatOptions {
  /** The cluster name; must equal the server's k8s_psat cluster. */
  readonly cluster: string;
  /**
   * Path of the projected service-account token.
   * @default '/var/run/secrets/tokens/spire-agent'
   */
  readonly tokenPath?: string;
}

/**
 * The agent's NodeAttestor plugin (exactly one per agent).
 */
export class AgentNodeAttestor {
  /** Kubernetes projected service-account token. */
  public static k8sPsat(options: AgentK8sPsatOptions): AgentNodeAttestor {
    const cluster = requireClusterName(options.cluster, 'k8sPsat.cluster');
    const tokenPath = requireAbsolutePath(options.tokenPath ?? '/var/run/secrets/tokens/spire-agent', 'k8sPsat.tokenPath');
    return new AgentNodeAttestor({ type: 'NodeAttestor', name: 'k8s_psat', data: { cluster, token_path: tokenPath } }, cluster, tokenPath);
  }

  private constructor(
    /** The plugin definition for the agent config. */
    public readonly plugin: PluginDefinition,
    /** The cluster name. */
    public readonly cluster: string,
    /** The token path. */
    public readonly tokenPath: string,
  ) {}
}

/** Checks a cluster name (a segment of every agent's SPIFFE ID). @internal */
export function requireClusterName(value: string, prop: string): string {
  requireString(value, prop, 'Give the cluster name.');
  if (!/^[A-Za-z0-9._-]+$/.test(value)) {
    throw invalidProp(prop, value, 'A cluster name is letters, digits, ".", "-" and "_" (it becomes a SPIFFE ID path segment).');
  }
  return value;
}
