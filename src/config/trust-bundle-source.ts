import { BundleFormat } from './bundle-publisher';
import { ConfigValue } from './json';
import { invalidProp, requireAbsolutePath, requireHttpsUrl } from '../validation';

/**
 * Where an agent gets the trust bundle it bootstraps with (exactly one source).
 */
export class TrustBundleSource {
  /** A file, e.g. the `spire-bundle` ConfigMap mounted into the agent. */
  public static file(path: string, format: BundleFormat = BundleFormat.PEM): TrustBundleSource {
    if (format !== BundleFormat.PEM && format !== BundleFormat.SPIFFE) {
      throw invalidProp('trustBundle.format', format, "Agents read 'pem' or 'spiffe'.");
    }
    return new TrustBundleSource({
      trust_bundle_path: requireAbsolutePath(path, 'trustBundle.path'),
      trust_bundle_format: format,
    }, path);
  }

  /** An https URL. */
  public static url(url: string, format: BundleFormat = BundleFormat.PEM): TrustBundleSource {
    if (format !== BundleFormat.PEM && format !== BundleFormat.SPIFFE) {
      throw invalidProp('trustBundle.format', format, "Agents read 'pem' or 'spiffe'.");
    }
    return new TrustBundleSource({ trust_bundle_url: requireHttpsUrl(url, 'trustBundle.url'), trust_bundle_format: format });
  }

  private constructor(
    private readonly keys: { [key: string]: ConfigValue },
    /** The bundle file path, for file sources. */
    public readonly path?: string,
  ) {}

  /** @internal */
  public _render(): { [key: string]: ConfigValue } {
    return { ...this.keys };
  }
}
