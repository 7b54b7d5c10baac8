import { invalidProp } from '../validation';

/** The selector keys SPIRE's `k8s` workload attestor produces. */
const K8S_SELECTOR_KEYS = [
  'ns', 'sa', 'container-image', 'container-name', 'node-name', 'pod-label', 'pod-owner', 'pod-owner-uid', 'pod-uid',
  'pod-name', 'pod-image', 'pod-image-count', 'pod-init-image', 'pod-init-image-count',
];

/**
 * A SPIRE selector, `type:value` (e.g. `k8s:ns:payments`, `unix:uid:1000`).
 */
export class Selector {
  /** A selector of any type. */
  public static of(type: string, value: string): Selector {
    if (typeof type !== 'string' || type === '' || type.includes(':')) {
      throw invalidProp('selector type', type, 'A selector type is non-empty and has no ":".');
    }
    if (typeof value !== 'string' || value === '') {
      throw invalidProp('selector value', value, 'A selector value is non-empty.');
    }
    return new Selector(type, value);
  }

  /** A k8s workload attestor selector, e.g. `Selector.k8s('ns', 'payments')`. */
  public static k8s(key: string, value: string): Selector {
    if (!K8S_SELECTOR_KEYS.includes(key)) {
      throw invalidProp('k8s selector key', key, `The k8s workload attestor produces only ${K8S_SELECTOR_KEYS.join(', ')}; an entry with another key never matches (the namespace key is "ns").`);
    }
    return Selector.of('k8s', `${key}:${value}`);
  }

  /** A unix workload attestor selector, e.g. `Selector.unix('uid', '1000')`. */
  public static unix(key: string, value: string): Selector {
    return Selector.of('unix', `${key}:${value}`);
  }

  /** Parses `type:value`. */
  public static parse(s: string): Selector {
    const i = s.indexOf(':');
    if (i <= 0) {
      throw invalidProp('selector', s, 'Write a selector as "type:value", e.g. "k8s:ns:payments".');
    }
    return Selector.of(s.slice(0, i), s.slice(i + 1));
  }

  private constructor(
    /** Selector type (the attestor's name). */
    public readonly type: string,
    /** Selector value. */
    public readonly value: string,
  ) {}

  /** `type:value`. */
  public toString(): string {
    return `${this.type}:${this.value}`;
  }
}
