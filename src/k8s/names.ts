import { invalidProp } from '../errors';

/**
 * Checks a Kubernetes name (DNS label): lowercase letters, digits and `-`, at most 63 characters.
 *
 * @internal
 */
export function checkDnsLabel(value: string, prop: string): string {
  if (typeof value !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > 63) {
    throw invalidProp(prop, value, 'Use a Kubernetes name: lowercase letters, digits and "-", at most 63 characters.');
  }
  return value;
}
