import { Lazy } from 'cdk8s';

/**
 * A value rendered at synth, from state that methods may still change until then (ports added by
 * federation, agents allowed later). The one place where a placeholder stands in for a typed
 * value: cdk8s resolves it when the object is rendered.
 *
 * @internal
 */
export function late<T>(produce: () => T): T {
  return Lazy.any({ produce }) as unknown as T;
}
