import { ApiObject } from 'cdk8s';

/**
 * Marks an object as cluster-scoped: it never carries a namespace, even inside a Chart that
 * has one (cdk8s would otherwise copy the chart's namespace onto it).
 *
 * @internal
 */
export function clusterScoped<T extends ApiObject>(obj: T): T {
  (obj.metadata as unknown as { namespace?: string }).namespace = undefined;
  return obj;
}
