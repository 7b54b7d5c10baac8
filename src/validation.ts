import { IConstruct } from 'constructs';

/**
 * The error thrown for invalid input. Its message names the prop the user set, shows the value
 * received (unless it may be a secret) and says what is allowed; once it leaves a construct, it
 * also names the construct path (`[at chart/stack/Server]`), like aws-cdk's `ValidationError`.
 */
export class ValidationError extends Error {
  /** The construct the error was raised in, once known. */
  public constructPath?: string;

  public constructor(message: string) {
    super(message);
    this.name = 'ValidationError';
    Object.setPrototypeOf(this, ValidationError.prototype);
  }
}

/** A received value described, not shown, in messages (it may be a secret). @internal */
export class NotShown {
  public constructor(public readonly description: string) {}
}

/**
 * Builds the error thrown for invalid input: it names the prop, shows the value received and
 * says what is allowed, so the user can fix the call without reading our code.
 *
 * @internal
 */
export function invalidProp(prop: string, received: unknown, allowed: string): ValidationError {
  const shown = received instanceof NotShown ? received.description : show(received);
  return new ValidationError(`Invalid '${prop}': received ${shown}. ${allowed}`);
}

/**
 * Runs construct code so that a {@link ValidationError} escaping it names the construct path.
 * Errors raised by a nested construct keep their own (deeper) path.
 *
 * @internal
 */
export function validating<T>(scope: IConstruct, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw withConstructPath(e, scope);
  }
}

/** Adds the construct path to a ValidationError that has none yet. @internal */
export function withConstructPath(e: unknown, scope: IConstruct): unknown {
  if (e instanceof ValidationError && e.constructPath === undefined) {
    e.constructPath = scope.node.path;
    e.message = `${e.message} [at ${scope.node.path || '<root>'}]`;
  }
  return e;
}

/**
 * Renders a received value for an error message.
 *
 * @internal
 */
export function show(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  if (typeof value === 'string') {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return JSON.stringify(value);
  }
  if (typeof value === 'object' && value !== null && 'toString' in value && typeof value.toString === 'function' && value.toString !== Object.prototype.toString) {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

// ---------------------------------------------------------------------------------------------
// Checks shared by every construct and config model. Each returns the checked value.
// ---------------------------------------------------------------------------------------------

/** A non-empty string. @internal */
export function requireString(value: string | undefined, prop: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalidProp(prop, value, what);
  }
  return value;
}

/** An absolute path. @internal */
export function requireAbsolutePath(value: string | undefined, prop: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw invalidProp(prop, value, 'Use an absolute path (starting with "/").');
  }
  return value;
}

/** A TCP port. @internal */
export function requirePort(value: number | undefined, prop: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw invalidProp(prop, value, 'Use a TCP port between 1 and 65535.');
  }
  return value;
}

/** An https URL with a host and no user info. @internal */
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

/** A whole number of at least 0, when given. @internal */
export function requireNonNegativeInt(value: number | undefined, prop: string): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
    throw invalidProp(prop, value, 'Use a whole number of at least 0.');
  }
  return value;
}

/**
 * A whole number of at least `min`; `advice` continues the sentence with its own full stop
 * (e.g. "(3 or more for HA).").
 *
 * @internal
 */
export function requireWholeNumber(value: number, prop: string, min: number, advice = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw invalidProp(prop, value, `Use a whole number of at least ${min}${advice ? ` ${advice}` : '.'}`);
  }
  return value;
}

/** A volume size in Mi, Gi or Ti (the sizes a database or SPIRE needs). @internal */
export function checkStorageSize(value: string, prop: string, example: string): string {
  if (typeof value !== 'string' || !/^[0-9]+(Mi|Gi|Ti)$/.test(value)) {
    throw invalidProp(prop, value, `Use a size such as "${example}".`);
  }
  return value;
}

/** A Kubernetes quantity (CPU or memory). @internal */
export function checkQuantity(value: string, prop: string): string {
  if (typeof value !== 'string' || !/^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.test(value)) {
    throw invalidProp(prop, value, 'Use a Kubernetes quantity such as "100m" or "256Mi".');
  }
  return value;
}

/** An exact HTTP path (health checks, unauthenticated paths). @internal */
export function checkHttpPath(value: string, prop: string): string {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(value)) {
    throw invalidProp(prop, value, 'Use an HTTP path starting with "/".');
  }
  return value;
}

/**
 * A Kubernetes name (DNS label): lowercase letters, digits and `-`, at most `maxLength`
 * characters (63; less where Kubernetes derives longer names from it).
 *
 * @internal
 */
export function checkDnsLabel(value: string, prop: string, maxLength = 63): string {
  if (typeof value !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) || value.length > maxLength) {
    throw invalidProp(prop, value, `Use a Kubernetes name: lowercase letters, digits and "-", at most ${maxLength} characters.`);
  }
  return value;
}

/**
 * A Kubernetes object name that may be a DNS subdomain (Secrets, ConfigMaps): lowercase
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
 * A key of a Secret or ConfigMap: letters, digits, `-`, `_` and `.`, at most 253 characters.
 *
 * @internal
 */
export function checkDataKey(value: string, prop: string): string {
  if (typeof value !== 'string' || value.length > 253 || !/^[-._a-zA-Z0-9]+$/.test(value) || value === '.' || value === '..') {
    throw invalidProp(prop, value, 'Use a Secret key: letters, digits, "-", "_" and ".".');
  }
  return value;
}

/** One of an enum's values. @internal */
export function checkEnum<T extends string>(value: T, prop: string, values: Record<string, T>): T {
  if (!Object.values(values).includes(value)) {
    throw invalidProp(prop, value, `Use one of ${Object.values(values).join(', ')}.`);
  }
  return value;
}
