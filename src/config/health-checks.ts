import { ConfigValue } from './json';
import { checkHttpPath, requirePort } from '../validation';

/** Options of {@link HealthChecks}. */
export interface HealthChecksOptions {
  /**
   * Address the health listener binds to (kubelet probes come from outside the pod).
   * @default '0.0.0.0'
   */
  readonly bindAddress?: string;
  /**
   * Port of the health listener.
   * @default 8080
   */
  readonly bindPort?: number;
  /**
   * Liveness path.
   * @default '/live'
   */
  readonly livePath?: string;
  /**
   * Readiness path.
   * @default '/ready'
   */
  readonly readyPath?: string;
}

/**
 * The HTTP health listener (`health_checks`) that liveness and readiness probes call.
 */
export class HealthChecks {
  /** Address. */
  public readonly bindAddress: string;
  /** Port. */
  public readonly bindPort: number;
  /** Liveness path. */
  public readonly livePath: string;
  /** Readiness path. */
  public readonly readyPath: string;

  public constructor(options: HealthChecksOptions = {}) {
    this.bindAddress = options.bindAddress ?? '0.0.0.0';
    this.bindPort = requirePort(options.bindPort ?? 8080, 'healthChecks.bindPort');
    this.livePath = checkHttpPath(options.livePath ?? '/live', 'healthChecks.livePath');
    this.readyPath = checkHttpPath(options.readyPath ?? '/ready', 'healthChecks.readyPath');
  }

  /** @internal */
  public _render(): { [key: string]: ConfigValue } {
    return {
      listener_enabled: true,
      bind_address: this.bindAddress,
      // SPIRE declares bind_port as a string.
      bind_port: String(this.bindPort),
      live_path: this.livePath,
      ready_path: this.readyPath,
    };
  }
}

