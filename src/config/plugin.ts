import { ConfigValue } from './json';

/**
 * What a plugin contributes to the `plugins` section of a SPIRE config file.
 */
export interface PluginDefinition {
  /** The plugin type, e.g. `DataStore`, `KeyManager`. */
  readonly type: string;
  /** The built-in plugin name, e.g. `sql`, `disk`, `k8s_psat`. */
  readonly name: string;
  /** The `plugin_data` block. */
  readonly data: { readonly [key: string]: ConfigValue | undefined };
}

/**
 * Renders plugins in the shape SPIRE's own tests and the official chart use:
 * `{"<Type>": [{"<name>": {"plugin_data": {...}}}]}`.
 *
 * @internal
 */
export function renderPlugins(plugins: PluginDefinition[]): { [type: string]: ConfigValue } {
  const seen = new Set<string>();
  const out: { [type: string]: ConfigValue[] } = {};
  for (const p of plugins) {
    const key = `${p.type} "${p.name}"`;
    if (seen.has(key)) {
      throw new Error(`Plugin ${key} is declared twice; SPIRE refuses a plugin type and name declared more than once.`);
    }
    seen.add(key);
    (out[p.type] ??= []).push({ [p.name]: { plugin_data: { ...p.data } } });
  }
  return out;
}
