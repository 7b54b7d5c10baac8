/** A key of a Kubernetes Secret. */
export interface SecretKeyReference {
  /** Secret name (in the SPIRE server's namespace). */
  readonly name: string;
  /** Key in the Secret. */
  readonly key: string;
}

/**
 * What a plugin needs from the pod it runs in: Secret keys as environment variables, Secret
 * files mounted at a directory, a projected service-account token. The server construct turns
 * these into env vars, volumes and mounts; the config file only ever holds paths and `${ENV}`
 * references, never a secret value.
 */
export interface PodNeeds {
  /** Environment variables filled from Secret keys. */
  readonly secretEnv: ReadonlyArray<{ readonly env: string; readonly secret: SecretKeyReference }>;
  /** Secret files: the Secret's keys mounted as files named `path` in `mountPath`. */
  readonly secretFiles: ReadonlyArray<{
    readonly volume: string;
    readonly secretName: string;
    readonly mountPath: string;
    readonly items: ReadonlyArray<{ readonly key: string; readonly path: string }>;
  }>;
  /** A projected service-account token. */
  readonly projectedTokens: ReadonlyArray<{
    readonly volume: string;
    readonly mountPath: string;
    readonly path: string;
    readonly audience: string;
    readonly expirationSeconds: number;
  }>;
}

/** @internal */
export const NO_POD_NEEDS: PodNeeds = { secretEnv: [], secretFiles: [], projectedTokens: [] };

/** @internal */
export function mergePodNeeds(...needs: PodNeeds[]): PodNeeds {
  return {
    secretEnv: needs.flatMap((n) => n.secretEnv),
    secretFiles: needs.flatMap((n) => n.secretFiles),
    projectedTokens: needs.flatMap((n) => n.projectedTokens),
  };
}
