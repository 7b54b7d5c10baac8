/**
 * Builds the error thrown for invalid input: it names the prop, shows the value received and
 * says what is allowed, so the user can fix the call without reading our code.
 *
 * @internal
 */
export function invalidProp(prop: string, received: unknown, allowed: string): Error {
  return new Error(`Invalid '${prop}': received ${show(received)}. ${allowed}`);
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
