import { Duration } from 'cdk8s';
import { invalidProp, requireString } from '../validation';
import { PluginDefinition } from './plugin';
import { renderGoDuration } from '../spiffe/duration';

/** Formats a trust bundle can be published in. */
export enum BundleFormat {
  /** PEM certificates (what agents read with `trust_bundle_format = "pem"`). */
  PEM = 'pem',
  /** A SPIFFE bundle (JWKS with SPIFFE extensions). */
  SPIFFE = 'spiffe',
  /** Plain JWKS (not readable by agents). */
  JWKS = 'jwks',
}

/** Options of {@link BundlePublisher.k8sConfigMap}. */
export interface K8sConfigMapBundlePublisherOptions {
  /** Namespace of the ConfigMap (where agents run). */
  readonly namespace: string;
  /**
   * Name of the ConfigMap.
   * @default 'spire-bundle'
   */
  readonly configMapName?: string;
  /**
   * Key in the ConfigMap.
   * @default 'bundle.crt'
   */
  readonly configMapKey?: string;
  /**
   * Bundle format.
   * @default BundleFormat.PEM
   */
  readonly format?: BundleFormat;
  /**
   * Name of the cluster entry in the publisher config.
   * @default 'local'
   */
  readonly clusterId?: string;
  /**
   * Refresh hint published with the bundle (between 1m and 24h).
   * @default - SPIRE's default
   */
  readonly refreshHint?: Duration;
}

/**
 * The server's BundlePublisher plugins: where the trust bundle is published for agents and
 * workloads to bootstrap from.
 */
export class BundlePublisher {
  /** A Kubernetes ConfigMap in the local cluster (`k8s_configmap`). */
  public static k8sConfigMap(options: K8sConfigMapBundlePublisherOptions): BundlePublisher {
    requireString(options.namespace, 'k8sConfigMap.namespace', 'Give the namespace of the bundle ConfigMap.');
    const format = options.format ?? BundleFormat.PEM;
    if (options.refreshHint) {
      const ms = options.refreshHint.toMilliseconds();
      if (ms < 60_000 || ms >= 24 * 3_600_000) {
        throw invalidProp('k8sConfigMap.refreshHint', renderGoDuration(options.refreshHint), 'Use at least 1m and less than 24h (spire-server validate refuses others).');
      }
    }
    const configMapName = options.configMapName ?? 'spire-bundle';
    const configMapKey = options.configMapKey ?? 'bundle.crt';
    return new BundlePublisher(
      {
        type: 'BundlePublisher',
        name: 'k8s_configmap',
        data: {
          clusters: {
            [options.clusterId ?? 'local']: {
              configmap_name: configMapName,
              configmap_key: configMapKey,
              namespace: options.namespace,
              format,
              refresh_hint: options.refreshHint ? renderGoDuration(options.refreshHint) : undefined,
            },
          },
        },
      },
      { namespace: options.namespace, name: configMapName, key: configMapKey, format },
    );
  }

  private constructor(
    /** The plugin definition for the server config. */
    public readonly plugin: PluginDefinition,
    /** The ConfigMap the bundle is published to. */
    public readonly configMap: { readonly namespace: string; readonly name: string; readonly key: string; readonly format: BundleFormat },
  ) {}
}
