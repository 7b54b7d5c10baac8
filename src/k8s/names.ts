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

/**
 * Checks a Kubernetes object name that may be a DNS subdomain (Secrets, ConfigMaps): lowercase
 * letters, digits, `-` and `.`, at most 253 characters.
 *
 * @internal
 */
export function checkDnsSubdomain(value: string, prop: string): string {
  if (typeof value !== 'string' || value.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(value)) {
    throw invalidProp(prop, value, 'Use a Kubernetes object name: lowercase letters, digits, "-" and ".", at most 253 characters.');
  }
  return value;
}

/**
 * Checks a key of a Secret or ConfigMap: letters, digits, `-`, `_` and `.`, at most 253 characters.
 *
 * @internal
 */
export function checkDataKey(value: string, prop: string): string {
  if (typeof value !== 'string' || value.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(value) || value === '.' || value === '..') {
    throw invalidProp(prop, value, 'Use a Secret key: letters, digits, "-", "_" and ".".');
  }
  return value;
}
