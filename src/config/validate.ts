import { invalidProp } from '../errors';

/** @internal */
export function requireString(value: string | undefined, prop: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidProp(prop, value, what);
  }
  return value;
}

/** @internal */
export function requireAbsolutePath(value: string | undefined, prop: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw invalidProp(prop, value, 'Use an absolute path (starting with "/").');
  }
  return value;
}

/** @internal */
export function optionalAbsolutePath(value: string | undefined, prop: string): string | undefined {
  return value === undefined ? undefined : requireAbsolutePath(value, prop);
}

/** @internal */
export function requirePort(value: number | undefined, prop: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalidProp(prop, value, 'Use a TCP port between 1 and 65535.');
  }
  return value;
}

/** @internal */
export function requireHttpsUrl(value: string | undefined, prop: string): string {
  let ok = false;
  if (typeof value === 'string') {
    try {
      const u = new URL(value);
      ok = u.protocol === 'https:' && u.username === '' && u.password === '' && u.hostname !== '';
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw invalidProp(prop, value, 'Use an https:// URL with a host and no user info.');
  }
  return value as string;
}

/** @internal */
export function requireNonNegativeInt(value: number | undefined, prop: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw invalidProp(prop, value, 'Use a whole number of at least 0.');
  }
  return value;
}
