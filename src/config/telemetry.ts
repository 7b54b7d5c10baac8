import { ConfigValue } from './json';
import { requirePort } from '../validation';

/** Options of {@link Telemetry.prometheus}. */
export interface PrometheusTelemetryOptions {
  /**
   * Address the metrics listener binds to.
   * @default '0.0.0.0'
   */
  readonly host?: string;
  /**
   * Port of the metrics listener.
   * @default 9988
   */
  readonly port?: number;
}

/**
 * Telemetry sinks (`telemetry`).
 */
export class Telemetry {
  /** A Prometheus scrape endpoint at `http://<host>:<port>/metrics`. */
  public static prometheus(options: PrometheusTelemetryOptions = {}): Telemetry {
    const host = options.host ?? '0.0.0.0';
    const port = requirePort(options.port ?? 9988, 'prometheus.port');
    return new Telemetry(port, { Prometheus: { host, port } });
  }

  private constructor(
    /** The Prometheus port. */
    public readonly prometheusPort: number,
    private readonly block: { [key: string]: ConfigValue },
  ) {}

  /** @internal */
  public _render(): { [key: string]: ConfigValue } {
    return { ...this.block };
  }
}
