import { createHash } from 'crypto';

/**
 * Pod template annotation carrying a hash of the configuration the pods read from ConfigMaps: a
 * change of configuration changes the template, so the controller rolls the pods onto it (a
 * ConfigMap change alone restarts nothing).
 */
export const CONFIG_CHECKSUM_ANNOTATION = 'spire-constructs.io/config-checksum';

/** The annotation's value for `config` (SHA-256, hex). */
export function configChecksum(config: string): string {
  return createHash('sha256').update(config).digest('hex');
}
