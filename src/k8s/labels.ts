/**
 * Standard labels for the objects of one component.
 *
 * @internal
 */
export function componentLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'spire',
    'app.kubernetes.io/managed-by': 'spire-constructs',
  };
}

/**
 * The labels that select the pods of one component (a stable subset of {@link componentLabels}).
 *
 * @internal
 */
export function selectorLabels(name: string, component: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component };
}
