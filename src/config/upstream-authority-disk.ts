import { Construct } from 'constructs';
import { NO_POD_NEEDS } from './secret-mount';
import { UpstreamAuthority, UpstreamAuthorityBinding } from './upstream-authority';
import { requireString } from '../validation';

/** Options of {@link UpstreamAuthority.disk}. */
export interface DiskUpstreamAuthorityOptions {
  /** Secret with the upstream CA certificate and key (PEM), mounted at `/run/spire/upstream-ca`. */
  readonly secretName: string;
  /**
   * Key of the certificate in the Secret.
   * @default 'tls.crt'
   */
  readonly certKey?: string;
  /**
   * Key of the private key in the Secret.
   * @default 'tls.key'
   */
  readonly keyKey?: string;
  /**
   * Key of the root bundle, when the certificate is an intermediate of an existing PKI.
   * @default - the certificate is a self-signed root
   */
  readonly bundleKey?: string;
}

const DIR = '/run/spire/upstream-ca';

/** A CA certificate and key from a Secret as the upstream authority. @internal */
export class DiskUpstreamAuthority extends UpstreamAuthority {
  public constructor(options: DiskUpstreamAuthorityOptions) {
    requireString(options.secretName, 'disk.secretName', 'Give the Secret with the upstream CA certificate and key.');
    const items = [
      { key: options.certKey ?? 'tls.crt', path: 'ca.crt' },
      { key: options.keyKey ?? 'tls.key', path: 'ca.key' },
      ...(options.bundleKey ? [{ key: options.bundleKey, path: 'bundle.crt' }] : []),
    ];
    super({
      type: 'UpstreamAuthority',
      name: 'disk',
      data: {
        cert_file_path: `${DIR}/ca.crt`,
        key_file_path: `${DIR}/ca.key`,
        bundle_file_path: options.bundleKey ? `${DIR}/bundle.crt` : undefined,
      },
    }, { ...NO_POD_NEEDS, secretFiles: [{ volume: 'upstream-ca', secretName: options.secretName, mountPath: DIR, items }] });
  }

  public bind(_scope: Construct): UpstreamAuthorityBinding {
    return { podNeeds: this.podNeeds, egress: [] };
  }
}
