import { ApiObject, Duration } from 'cdk8s';
import type * as plus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Checklist } from '../checklist/checklist';
import { checkDnsLabel, invalidProp, ValidationError, withConstructPath } from '../validation';
import { BoundWorkload } from './bound-workload';
import { checkDnsName, checkNoWildcard } from './dns-name';
import { FederatedTrustDomain } from './federated-trust-domain';
import { IdentityOptions } from './identity-options';
import { isReason } from '../reason';
import { collectExceptions } from './exceptions';
import { conflictsOf, identitiesOf, RegisteredIdentity } from './registry';
import { SpiffeIdScheme } from './spiffe-id-scheme';
import { ClusterSpiffeid } from '../imports/spire.spiffe.io';
import { clusterScoped } from '../k8s/cluster-scoped';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { compareStrings } from '../order';
import { SpireServer } from '../server/spire-server';
import { compareDurations, renderGoDuration } from '../spiffe/duration';
import { SpiffeId } from '../spiffe/spiffe-id';

/** Annotation carrying an identity's written exceptions (for reports built from manifests). */
export const EXCEPTIONS_ANNOTATION = 'spire-constructs.io/exceptions';

/** Matches any namespace or any service account: loose, needs `allowBroadSelector`. */
export const ANY = '*';

/** Properties of {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps extends IdentityOptions {
  /** The SPIRE server that issues the identity (its trust domain and controller-manager class). */
  readonly server: SpireServer;
  /** The workload's namespace (pinned by `kubernetes.io/metadata.name` and `k8s:ns`). `ANY` is loose. */
  readonly namespace: string;
  /** The workload's service account (pinned by `k8s:sa`). `ANY` is loose. */
  readonly serviceAccount: string;
  /**
   * Pod labels to pin in addition (podSelector and `k8s:pod-label` selectors).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Container name to pin (`k8s:container-name`).
   * @default - any container of the pod
   */
  readonly containerName?: string;
  /**
   * How the SPIFFE ID is named.
   * @default SpiffeIdScheme.namespaceServiceAccount() (`/ns/<ns>/sa/<sa>`)
   */
  readonly idScheme?: SpiffeIdScheme;
  /**
   * Why loose selection (`ANY` namespace or service account) is acceptable (at least 10
   * characters; shown in the report). Required for loose selection.
   * @default - loose selection refused
   */
  readonly allowBroadSelector?: string;
  /**
   * Name of the ClusterSPIFFEID.
   * @default '<namespace>-<serviceAccount>' (`all` for ANY)
   */
  readonly name?: string;
}

/**
 * A workload identity with tight selectors: a SPIFFE ID bound to one namespace **and** one
 * service account, rendered as a `ClusterSPIFFEID` for the server's controller manager. The
 * primary child (`Resource`) is the ClusterSPIFFEID.
 */
export class WorkloadIdentity extends Construct {
  /** The SPIFFE ID. */
  public readonly spiffeId: SpiffeId;
  /** Namespace pinned (or `ANY`). */
  public readonly namespace: string;
  /** Service account pinned (or `ANY`). */
  public readonly serviceAccount: string;
  /** Pod labels pinned. */
  public readonly podLabels: Record<string, string>;
  /** Container name pinned, if any. */
  public readonly containerName?: string;
  /** X509-SVID lifetime. */
  public readonly x509SvidTtl: Duration;
  /** JWT-SVID lifetime. */
  public readonly jwtSvidTtl: Duration;
  /** DNS names. */
  public readonly dnsNames: string[];
  /** Federated trust domains. */
  public readonly federatesWith: FederatedTrustDomain[];
  /** The server. */
  public readonly server: SpireServer;
  /** Written exceptions (shown in the identity report). */
  public readonly exceptions: Record<string, string>;
  /** The ClusterSPIFFEID (escape hatch: `resource.addJsonPatch(...)`). */
  public readonly resource: ApiObject;
  /** Workloads bound with {@link bind}, as given. */
  public readonly boundWorkloads: Array<plus.Deployment | plus.StatefulSet | plus.DaemonSet | ApiObject> = [];
  private readonly _bound: BoundWorkload[] = [];

  public constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.server instanceof SpireServer)) {
        throw invalidProp('server', props.server, 'Give the SpireServer that issues this identity.');
      }
      this.server = props.server;
      this.namespace = checkName(props.namespace, 'namespace');
      this.serviceAccount = checkName(props.serviceAccount, 'serviceAccount');
      this.podLabels = { ...(props.podLabels ?? {}) };
      for (const [k, v] of Object.entries(this.podLabels)) {
        if (!/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(k) || !/^([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?$/.test(v)) {
          throw invalidProp('podLabels', `${k}=${v}`, 'Use Kubernetes label keys and values.');
        }
      }
      this.containerName = props.containerName === undefined ? undefined : checkName(props.containerName, 'containerName');
      this.exceptions = {};

      const loose = this.namespace === ANY || this.serviceAccount === ANY;
      if (loose) {
        const which = this.namespace === ANY ? (this.serviceAccount === ANY ? 'every namespace and service account' : 'every namespace') : 'a whole namespace';
        if (props.allowBroadSelector !== undefined && !isReason(props.allowBroadSelector)) {
          throw invalidProp('allowBroadSelector', props.allowBroadSelector, `This identity selects ${which}; the exception needs a written reason of at least 10 characters.`);
        }
        if (!isReason(props.allowBroadSelector)) {
          throw invalidProp(
            this.namespace === ANY ? 'namespace' : 'serviceAccount',
            ANY,
            `This selects ${which}: the wrong workload could pick up this identity. Pin a namespace and a service account, or give 'allowBroadSelector' a written reason (at least 10 characters).`,
          );
        }
        this.exceptions.broadSelector = props.allowBroadSelector!;
      } else if (props.allowBroadSelector !== undefined) {
        throw invalidProp('allowBroadSelector', props.allowBroadSelector, 'The selector is already tight (namespace and service account pinned); remove the exception.');
      }

      const scheme = props.idScheme ?? SpiffeIdScheme.namespaceServiceAccount();
      if (loose && !(props.idScheme && props.idScheme.kind === 'fixed')) {
        throw invalidProp('idScheme', scheme.kind, "Loose selection needs SpiffeIdScheme.fixedPath('/...'): the ID cannot name a namespace or service account that is not pinned.");
      }
      this.spiffeId = scheme.idFor({
        trustDomain: this.server.trustDomain,
        namespace: this.namespace,
        serviceAccount: this.serviceAccount,
        clusterName: this.server.clusterName,
      });

      this.x509SvidTtl = props.x509SvidTtl ?? Duration.hours(1);
      if (!Number.isInteger(this.x509SvidTtl.toMilliseconds() / 1000) || this.x509SvidTtl.toSeconds() < 60) {
        throw invalidProp('x509SvidTtl', renderGoDuration(this.x509SvidTtl), 'Use whole seconds, at least 1m.');
      }
      collectExceptions(props, this.x509SvidTtl, this.exceptions);
      const maxTtl = this.server.caTtl.toSeconds() / 6;
      if (this.x509SvidTtl.toSeconds() > maxTtl) {
        throw invalidProp(
          'x509SvidTtl',
          renderGoDuration(this.x509SvidTtl),
          `The server's signing CA lives ${renderGoDuration(this.server.caTtl)} and SPIRE would silently shorten this SVID; use at most caTtl/6 (${renderGoDuration(Duration.seconds(maxTtl))}), or raise the server's caTtl.`,
        );
      }
      const ignoredBy = this.namespace === ANY ? undefined : this.server.ignoredNamespaces.find((p) => new RegExp(p).test(this.namespace));
      if (ignoredBy !== undefined) {
        throw invalidProp(
          'namespace',
          this.namespace,
          `The controller manager ignores this namespace (ignoreNamespaces "${ignoredBy}"), so this identity would never be issued. Run the workload in an application namespace.`,
        );
      }
      this.jwtSvidTtl = props.jwtSvidTtl ?? Duration.minutes(5);
      if (this.jwtSvidTtl.toSeconds() < 1 || compareDurations(this.jwtSvidTtl, Duration.hours(1)) > 0) {
        throw invalidProp('jwtSvidTtl', renderGoDuration(this.jwtSvidTtl), 'Use between 1s and 1h (JWT-SVIDs are bearer tokens: keep them short).');
      }
      this.dnsNames = (props.dnsNames ?? []).map((d) => checkDnsName(d, 'dnsNames'));
      checkNoWildcard(this.dnsNames, props.wildcardDnsNamesReason, 'dnsNames');
      this.federatesWith = [...(props.federatesWith ?? [])];
      for (const f of this.federatesWith) {
        if (!(f instanceof FederatedTrustDomain) || f.server !== this.server) {
          throw invalidProp('federatesWith', f instanceof FederatedTrustDomain ? f.trustDomain.name : f, 'List FederatedTrustDomains of the same server.');
        }
      }

      const name = props.name ?? `${this.namespace === ANY ? 'all' : this.namespace}-${this.serviceAccount === ANY ? 'all' : this.serviceAccount}`;
      const selectors = [
        ...(this.namespace !== ANY ? [`k8s:ns:${this.namespace}`] : []),
        ...(this.serviceAccount !== ANY ? [`k8s:sa:${this.serviceAccount}`] : []),
        ...Object.entries(this.podLabels)
          .sort(([a], [b]) => compareStrings(a, b))
          .map(([k, v]) => `k8s:pod-label:${k}:${v}`),
        ...(this.containerName ? [`k8s:container-name:${this.containerName}`] : []),
      ];
      this.resource = clusterScoped(
        new ClusterSpiffeid(this, 'Resource', {
          metadata: {
            name: checkName(name, 'name'),
            ...(Object.keys(this.exceptions).length > 0 ? { annotations: { [EXCEPTIONS_ANNOTATION]: JSON.stringify(this.exceptions) } } : {}),
          },
          spec: {
            className: this.server.className,
            spiffeIdTemplate: this.spiffeId.uri,
            namespaceSelector: this.namespace !== ANY ? { matchLabels: { 'kubernetes.io/metadata.name': this.namespace } } : undefined,
            podSelector: Object.keys(this.entryPodLabels).length > 0 ? { matchLabels: { ...this.entryPodLabels } } : undefined,
            workloadSelectorTemplates: selectors.length > 0 ? selectors : undefined,
            ttl: renderGoDuration(this.x509SvidTtl),
            jwtTtl: renderGoDuration(this.jwtSvidTtl),
            dnsNameTemplates: this.dnsNames.length > 0 ? [...this.dnsNames] : undefined,
            federatesWith: this.federatesWith.length > 0 ? this.federatesWith.map((f) => f.trustDomain.name) : undefined,
            admin: props.adminReason !== undefined ? true : undefined,
            downstream: props.downstreamReason !== undefined ? true : undefined,
            hint: name,
          },
        }),
      );

      // A written exception is an acknowledgement of the matching checklist rule, shown in the reports.
      if (this.exceptions.broadSelector) Checklist.acknowledge(this, 'SPIRE-ID1', this.exceptions.broadSelector);
      if (this.exceptions.longTtl) Checklist.acknowledge(this, 'SPIRE-ID2', this.exceptions.longTtl);

      const registered: RegisteredIdentity = {
        construct: this,
        spiffeId: this.spiffeId.uri,
        namespace: this.namespace,
        serviceAccount: this.serviceAccount,
        podLabels: this.podLabels,
        containerName: this.containerName,
        className: this.server.className,
        kind: 'workload',
      };
      const registry = identitiesOf(this);
      registry.push(registered);
      this.node.addValidation({ validate: () => conflictsOf(registry).get(registered) ?? [] });
      if (!this.server.controllerManagerEnabled) {
        this.node.addValidation({
          validate: () => [`WorkloadIdentity '${this.node.path}' is a ClusterSPIFFEID, but server '${this.server.node.path}' runs no controller manager to register it.`],
        });
      }
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /**
   * The pod labels the ClusterSPIFFEID's podSelector requires: the pinned pod labels plus, when the
   * service account is pinned, `spire-constructs.io/service-account: <sa>` (set by `bind()`).
   * The controller manager renders an entry for every pod its selectors match and adds the
   * `k8s:sa` selector as is: without this label, every pod of the namespace would get an entry
   * for every identity of the namespace (unusable ones, but one per pod and identity).
   */
  public get entryPodLabels(): Record<string, string> {
    return {
      ...this.podLabels,
      ...(this.serviceAccount !== ANY ? { [SERVICE_ACCOUNT_LABEL]: this.serviceAccount } : {}),
    };
  }

  /** True when selection is loose (`ANY` namespace or service account). */
  public get isBroad(): boolean {
    return this.namespace === ANY || this.serviceAccount === ANY;
  }

  /**
   * Binds a workload to this identity: a cdk8s-plus Deployment, StatefulSet or DaemonSet, or an
   * ApiObject of apps/v1 Deployment, StatefulSet or DaemonSet (from `Include`, a generated L1
   * class, or written as an ApiObject; edited by JSON patches on what it renders). The workload
   * runs as the identity's service account (set if it has none, refused if it has another), in
   * the identity's namespace, with the pinned pod labels and `spire-constructs.io/service-account`
   * (which scopes the ClusterSPIFFEID to its pods), and gets the Workload API (CSI volume, mount,
   * `SPIFFE_ENDPOINT_SOCKET`). The running pod gets exactly the declared identity.
   */
  public bind(workload: plus.Deployment | plus.StatefulSet | plus.DaemonSet | ApiObject): void {
    try {
      if (this.isBroad) {
        throw new ValidationError(`WorkloadIdentity '${this.node.path}' selects broadly (ANY); bind workloads only to identities that pin a namespace and a service account.`);
      }
      const bound = BoundWorkload.of(workload);
      const ns = bound.namespace;
      if (ns !== this.namespace) {
        throw invalidProp(
          'workload namespace',
          ns,
          `Workload '${bound.path}' must run in namespace "${this.namespace}" (the identity's); set metadata.namespace on it or its Chart.`,
        );
      }
      const sa = bound.serviceAccountName();
      if (sa !== undefined && sa !== this.serviceAccount) {
        throw invalidProp(
          'workload serviceAccount',
          sa,
          `Workload '${bound.path}' runs as service account "${sa}", but identity '${this.node.path}' is for "${this.serviceAccount}".`,
        );
      }
      const labels = bound.podLabels();
      for (const [k, v] of Object.entries(this.entryPodLabels)) {
        if (labels[k] !== undefined && labels[k] !== v) {
          throw invalidProp('workload pod label', `${k}=${labels[k]}`, `Identity '${this.node.path}' pins ${k}=${v}.`);
        }
      }
      const containers = bound.containerNames();
      if (this.containerName && !containers.includes(this.containerName)) {
        throw invalidProp('workload containers', containers, `Identity '${this.node.path}' pins container "${this.containerName}".`);
      }
      if (containers.length === 0) {
        throw invalidProp('workload containers', [], `Workload '${bound.path}' has no containers yet; add them before binding it.`);
      }
      const mounted = this.containerName ? [this.containerName] : undefined;
      bound.checkWorkloadApi(mounted);
      // Checked first, then changed: a refused bind leaves the workload as it was.
      if (sa === undefined) bound.setServiceAccountName(this.serviceAccount);
      for (const [k, v] of Object.entries(this.entryPodLabels)) {
        if (labels[k] === undefined) bound.addPodLabel(k, v);
      }
      bound.mountWorkloadApi(mounted);
      this.boundWorkloads.push(workload);
      this._bound.push(bound);
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /**
   * Labels that select this identity's pods: the pinned pod labels, or else the pod labels of
   * the bound workloads (all must share them). Empty when neither is known.
   */
  public podSelectorLabels(): Record<string, string> {
    if (Object.keys(this.podLabels).length > 0) {
      return { ...this.podLabels };
    }
    if (this._bound.length !== 1) {
      return {};
    }
    return this._bound[0].podLabels();
  }

  /** Container ports of the bound workloads (sorted, unique). */
  public workloadPorts(): number[] {
    return [...new Set(this._bound.flatMap((w) => w.containerPorts()))].sort((a, b) => a - b);
  }

  /**
   * The bound workloads, as the meshes edit them (labels and annotations on their pods).
   * @internal
   */
  public _boundWorkloads(): readonly BoundWorkload[] {
    return this._bound;
  }
}

/**
 * The pod label that scopes a ClusterSPIFFEID to the pods of its service account (the
 * controller manager selects pods by labels only). `WorkloadIdentity.bind()` sets it; pods
 * deployed otherwise must carry it to be registered.
 */
export const SERVICE_ACCOUNT_LABEL = 'spire-constructs.io/service-account';

function checkName(value: string, prop: string): string {
  if (value === ANY && (prop === 'namespace' || prop === 'serviceAccount')) {
    return value;
  }
  return checkDnsLabel(value, prop);
}
