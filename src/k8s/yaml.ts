import { createRequire } from 'module';
import type * as Yaml from 'yaml';

let loaded: typeof Yaml | undefined;

/**
 * The `yaml` package cdk8s writes manifests with (cdk8s bundles its own copy): reading and
 * writing YAML with that same copy loads one YAML implementation per process instead of two.
 * When cdk8s's copy cannot be resolved, this package's own `yaml` dependency.
 *
 * @internal
 */
export function yaml(): typeof Yaml {
  if (!loaded) {
    try {
      loaded = createRequire(require.resolve('cdk8s'))('yaml') as typeof Yaml;
    } catch {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('yaml') as typeof Yaml;
    }
  }
  return loaded;
}
