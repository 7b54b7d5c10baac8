// Rendering of SPIRE configuration values to JSON that SPIRE's HCL1 parser reads exactly as
// written.
//
// HCL1 (the parser behind SPIRE's config files) converts JSON `null` to an empty string, drops
// booleans inside arrays and mis-parses nested arrays. The renderer refuses all three, sorts
// object keys so the output is deterministic, and, for files read with `-expandEnv`, escapes
// every literal `$` as `$$` while keeping environment references as `${NAME}`.

/** A reference to an environment variable, expanded by SPIRE's `-expandEnv`. */
export class EnvRef {
  public constructor(public readonly name: string) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new Error(
        `Invalid environment variable name ${JSON.stringify(name)}: use letters, digits and '_', not starting with a digit.`,
      );
    }
  }
}

/** A string made of literal parts and environment references. */
export class Interpolated {
  public constructor(public readonly parts: ReadonlyArray<string | EnvRef>) {}

  /** The environment variables this string reads. */
  public get envNames(): string[] {
    return this.parts.filter((p): p is EnvRef => p instanceof EnvRef).map((p) => p.name);
  }
}

/** A value of the configuration tree. */
export type ConfigValue =
  | string
  | number
  | boolean
  | Interpolated
  | ConfigValue[]
  | { [key: string]: ConfigValue | undefined };

/** Options of {@link renderConfig}. */
export interface RenderOptions {
  /** The file is read with `-expandEnv`: escape `$` and allow environment references. */
  readonly expandEnv: boolean;
}

/**
 * Renders a configuration tree as pretty JSON with sorted keys.
 *
 * @throws on `null`, nested arrays, booleans inside arrays, non-finite numbers, and environment
 *   references in a file that is not read with `-expandEnv`.
 */
export function renderConfig(value: ConfigValue, options: RenderOptions): string {
  return JSON.stringify(normalise(value, options, '$'), undefined, 2) + '\n';
}

/**
 * The plain JSON value of a configuration tree, as SPIRE will read it after `-expandEnv`
 * (environment references shown as `${NAME}`, no `$$` escaping).
 */
export function plainConfig(value: ConfigValue): unknown {
  return normalise(value, { expandEnv: true }, '$', false);
}

function normalise(value: ConfigValue | undefined | null, options: RenderOptions, path: string, escape = true): unknown {
  if (value === null) {
    throw new Error(`SPIRE configuration at ${path} is null; SPIRE reads JSON null as an empty string. Omit the key instead.`);
  }
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'string') {
    return options.expandEnv && escape ? value.replace(/\$/g, '$$$$') : value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new Error(`SPIRE configuration at ${path} is ${value}; numbers must be finite.`);
    }
    return value;
  }
  if (typeof value === 'boolean') {
    return value;
  }
  if (value instanceof Interpolated) {
    if (!options.expandEnv && value.envNames.length > 0) {
      throw new Error(
        `SPIRE configuration at ${path} reads environment variable(s) ${value.envNames.join(', ')}, but the file is not read with -expandEnv.`,
      );
    }
    return value.parts
      .map((p) => (p instanceof EnvRef ? `\${${p.name}}` : options.expandEnv && escape ? p.replace(/\$/g, '$$$$') : p))
      .join('');
  }
  if (Array.isArray(value)) {
    return value.map((item, i) => {
      if (Array.isArray(item)) {
        throw new Error(`SPIRE configuration at ${path}[${i}] is an array inside an array; SPIRE's HCL1 parser mis-reads nested arrays.`);
      }
      if (typeof item === 'boolean') {
        throw new Error(`SPIRE configuration at ${path}[${i}] is a boolean inside an array; SPIRE's HCL1 parser drops those.`);
      }
      return normalise(item, options, `${path}[${i}]`, escape);
    });
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = normalise(value[key], options, `${path}.${key}`, escape);
    if (v !== undefined) {
      out[key] = v;
    }
  }
  return out;
}
