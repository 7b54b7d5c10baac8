import { SpiffeId } from '../spiffe/spiffe-id';
import { TrustDomain } from '../spiffe/trust-domain';
import { invalidProp } from '../validation';

/** What a naming scheme is given to build a workload's SPIFFE ID. */
export interface SpiffeIdSchemeContext {
  /** The trust domain. */
  readonly trustDomain: TrustDomain;
  /** The workload's namespace. */
  readonly namespace: string;
  /** The workload's service account. */
  readonly serviceAccount: string;
  /** The cluster name. */
  readonly clusterName: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * How a workload's SPIFFE ID is named. IDs name *what* a workload is (namespace, service
 * account, environment, cluster), never *where* it runs: pod names, IP addresses and node names
 * change on every reschedule and are refused.
 */
export class SpiffeIdScheme {
  /** `spiffe://<td>/ns/<namespace>/sa/<serviceAccount>`: the default, and what Istio with SPIRE requires. */
  public static namespaceServiceAccount(): SpiffeIdScheme {
    return new SpiffeIdScheme('ns-sa', (c) => SpiffeId.fromSegments(c.trustDomain, 'ns', c.namespace, 'sa', c.serviceAccount));
  }

  /** `spiffe://<td>/env/<environment>/ns/<namespace>/sa/<serviceAccount>`. */
  public static environment(environment: string): SpiffeIdScheme {
    checkSegment(environment, 'environment');
    return new SpiffeIdScheme('env', (c) => SpiffeId.fromSegments(c.trustDomain, 'env', environment, 'ns', c.namespace, 'sa', c.serviceAccount));
  }

  /** `spiffe://<td>/cluster/<clusterName>/ns/<namespace>/sa/<serviceAccount>`, for several clusters in one trust domain. */
  public static cluster(): SpiffeIdScheme {
    return new SpiffeIdScheme('cluster', (c) => SpiffeId.fromSegments(c.trustDomain, 'cluster', c.clusterName, 'ns', c.namespace, 'sa', c.serviceAccount));
  }

  /**
   * A fixed path in the server's trust domain, e.g. `/payments/order-service`.
   *
   * @throws on a path that is not a valid SPIFFE ID path, is reserved for SPIRE (`/spire`), or
   *   contains an IP address.
   */
  public static fixedPath(path: string): SpiffeIdScheme {
    const problem = SpiffeId.pathProblem(path);
    if (problem || path === '') {
      throw invalidProp('fixedPath', path, problem ? `A SPIFFE ID path: ${problem}.` : 'A workload ID needs a path.');
    }
    for (const segment of path.slice(1).split('/')) {
      checkNotLocation(segment, 'fixedPath', path);
    }
    return new SpiffeIdScheme('fixed', (c) => SpiffeId.of(c.trustDomain, path));
  }

  private constructor(
    /** The scheme's name. */
    public readonly kind: string,
    private readonly build: (context: SpiffeIdSchemeContext) => SpiffeId,
  ) {}

  /** The SPIFFE ID of a workload. */
  public idFor(context: SpiffeIdSchemeContext): SpiffeId {
    const id = this.build(context);
    if (!id.isWorkloadId) {
      throw invalidProp('spiffeId', id.uri, 'Workload IDs need a path outside /spire (reserved for SPIRE).');
    }
    return id;
  }
}

function checkSegment(value: string, prop: string): void {
  if (typeof value !== 'string' || value === '' || value.includes('/') || SpiffeId.pathProblem(`/${value}`)) {
    throw invalidProp(prop, value, 'Use one path segment: letters, digits, ".", "-", "_".');
  }
  checkNotLocation(value, prop, value);
}

function checkNotLocation(segment: string, prop: string, value: string): void {
  const m = IPV4.exec(segment);
  if (m && m.slice(1).every((o) => Number(o) <= 255)) {
    throw invalidProp(prop, value, `"${segment}" is an IP address; a SPIFFE ID names what a workload is, never where it runs (no pod names, IPs or node names).`);
  }
  // A Deployment's pod name: <name>-<pod-template-hash>-<5 random>, both from Kubernetes' random
  // alphabet (no vowels, no 0, 1, 3): it changes with every rollout and every pod.
  if (POD_NAME.test(segment)) {
    throw invalidProp(prop, value, `"${segment}" looks like a pod name (<deployment>-<hash>-<suffix>); a SPIFFE ID names what a workload is, never one of its pods: use the service account or workload name.`);
  }
}

const POD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?-[bcdfghjklmnpqrstvwxz2456789]{5,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;
