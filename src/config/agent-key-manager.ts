import { PluginDefinition } from './plugin';
import { requireAbsolutePath, requireString } from '../validation';

/** Options of {@link AgentKeyManager.disk}. */
export interface AgentDiskKeyManagerOptions {
  /** Directory for `keys.json`. */
  readonly directory: string;
}

/**
 * The agent's KeyManager plugin (exactly one per agent).
 */
export class AgentKeyManager {
  /** Keys in memory: the agent re-attests after a restart (fine with k8s_psat). */
  public static memory(): AgentKeyManager {
    return new AgentKeyManager({ type: 'KeyManager', name: 'memory', data: {} });
  }

  /** Keys on disk. */
  public static disk(options: AgentDiskKeyManagerOptions): AgentKeyManager {
    requireString(options.directory, 'disk.directory', 'Give the key directory.');
    return new AgentKeyManager({
      type: 'KeyManager',
      name: 'disk',
      data: { directory: requireAbsolutePath(options.directory, 'disk.directory') },
    });
  }

  private constructor(
    /** The plugin definition for the agent config. */
    public readonly plugin: PluginDefinition,
  ) {}
}
