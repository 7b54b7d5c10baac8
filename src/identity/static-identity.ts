import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Checklist } from '../checklist/checklist';
import { invalidProp, withConstructPath } from '../validation';
import { checkDnsName, checkNoWildcard } from './dns-name';
import { IdentityOptions } from './identity-options';
import { isReason } from '../reason';
import { collectExceptions } from './exceptions';
import { conflictsOf, identitiesOf, RegisteredIdentity } from './registry';
import { EXCEPTIONS_ANNOTATION } from './workload-identity';
import { ClusterStaticEntry } from '../imports/spire.spiffe.io';
import { clusterScoped } from '../k8s/cluster-scoped';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { SpireServer } from '../server/spire-server';
import { renderGoDuration, wholeSeconds } from '../spiffe/duration';
import { Selector } from '../spiffe/selector';
import { SpiffeId } from '../spiffe/spiffe-id';

/** Properties of {@link StaticIdentity}. */
export interface StaticIdentityProps extends IdentityOptions {
  /** The SPIRE server that issues the identity. */
  readonly server: SpireServer;
  /** The SPIFFE ID (in the server's trust domain, with a path outside /spire). */
  readonly spiffeId: SpiffeId;
  /** The parent ID: the agent (or node alias) the workload runs under. */
  readonly parentId: SpiffeId;
  /** Selectors; at least two unless `allowBroadSelector` says why not. */
  readonly selectors: Selector[];
  /**
   * Why fewer than two selectors are acceptable (at least 10 characters).
   * @default - at least two selectors required
   */
  readonly allowBroadSelector?: string;
  /**
   * Hint for workloads that receive several SVIDs.
   * @default - none
   */
  readonly hint?: string;
  /**
   * Name of the ClusterStaticEntry.
   * @default - derived from the SPIFFE ID path
   */
  readonly name?: string;
}

/** One entry of `spire-server entry create -data` (legacy RegistrationEntries JSON). */
export interface EntryJson {
  readonly spiffe_id: string;
  readonly parent_id: string;
  readonly selectors: Array<{ readonly type: string; readonly value: string }>;
  readonly x509_svid_ttl: number;
  readonly jwt_svid_ttl: number;
  readonly federates_with?: string[];
  readonly dns_names?: string[];
  readonly admin?: boolean;
  readonly downstream?: boolean;
  readonly hint?: string;
}

/**
 * A static registration entry for workloads outside Kubernetes or with explicit parents:
 * rendered as a `ClusterStaticEntry`, and exportable as the JSON `spire-server entry create
 * -data` reads. The primary child (`Resource`) is the ClusterStaticEntry.
 */
export class StaticIdentity extends Construct {
  /**
   * The `spire-server entry create -data` file for several static identities.
   */
  public static entriesJson(identities: StaticIdentity[]): string {
    return JSON.stringify({ entries: identities.map((i) => i.toEntry()) }, undefined, 2) + '\n';
  }

  /** The SPIFFE ID. */
  public readonly spiffeId: SpiffeId;
  /** The parent ID. */
  public readonly parentId: SpiffeId;
  /** Selectors. */
  public readonly selectors: Selector[];
  /** X509-SVID lifetime. */
  public readonly x509SvidTtl: Duration;
  /** JWT-SVID lifetime. */
  public readonly jwtSvidTtl: Duration;
  /** Written exceptions. */
  public readonly exceptions: Record<string, string>;
  private readonly props: StaticIdentityProps;

  public constructor(scope: Construct, id: string, props: StaticIdentityProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.server instanceof SpireServer)) {
        throw invalidProp('server', props.server, 'Give the SpireServer that issues this identity.');
      }
      const td = props.server.trustDomain;
      if (!(props.spiffeId instanceof SpiffeId) || !props.spiffeId.memberOf(td) || !props.spiffeId.isWorkloadId) {
        throw invalidProp('spiffeId', props.spiffeId instanceof SpiffeId ? props.spiffeId.uri : props.spiffeId, `Use an ID in trust domain "${td.name}" with a path outside /spire.`);
      }
      if (!(props.parentId instanceof SpiffeId) || !props.parentId.memberOf(td) || props.parentId.path === '') {
        throw invalidProp('parentId', props.parentId instanceof SpiffeId ? props.parentId.uri : props.parentId, `Use an ID in trust domain "${td.name}" with a path (an agent ID or node alias).`);
      }
      this.props = props;
      this.spiffeId = props.spiffeId;
      this.parentId = props.parentId;
      this.selectors = [...(props.selectors ?? [])];
      this.exceptions = {};
      if (this.selectors.length === 0) {
        throw invalidProp('selectors', [], 'An entry needs at least one selector (two for a tight one).');
      }
      if (this.selectors.length < 2) {
        if (!isReason(props.allowBroadSelector)) {
          throw invalidProp(
            'selectors',
            this.selectors.map(String),
            "One selector is loose: the wrong workload could pick up this identity. Add a second (e.g. unix:uid and unix:path), or give 'allowBroadSelector' a written reason (at least 10 characters).",
          );
        }
        this.exceptions.broadSelector = props.allowBroadSelector!;
      }
      this.x509SvidTtl = props.x509SvidTtl ?? Duration.hours(1);
      wholeSeconds(this.x509SvidTtl, 'x509SvidTtl');
      collectExceptions(props, this.x509SvidTtl, this.exceptions);
      this.jwtSvidTtl = props.jwtSvidTtl ?? Duration.minutes(5);
      wholeSeconds(this.jwtSvidTtl, 'jwtSvidTtl');
      const dnsNames = (props.dnsNames ?? []).map((d) => checkDnsName(d, 'dnsNames'));
      checkNoWildcard(dnsNames, props.wildcardDnsNamesReason, 'dnsNames');
      if (props.hint !== undefined && props.hint.length > 1024) {
        throw invalidProp('hint', `${props.hint.slice(0, 20)}…`, 'A hint is at most 1024 characters.');
      }
      const name = props.name ?? this.spiffeId.segments.join('-').toLowerCase().replace(/[^a-z0-9-]/g, '-');
      clusterScoped(
        new ClusterStaticEntry(this, 'Resource', {
          metadata: { name, ...(Object.keys(this.exceptions).length > 0 ? { annotations: { [EXCEPTIONS_ANNOTATION]: JSON.stringify(this.exceptions) } } : {}) },
          spec: {
            className: props.server.className,
            spiffeId: this.spiffeId.uri,
            parentId: this.parentId.uri,
            selectors: this.selectors.map(String),
            x509Svidttl: renderGoDuration(this.x509SvidTtl),
            jwtSvidttl: renderGoDuration(this.jwtSvidTtl),
            dnsNames: dnsNames.length > 0 ? dnsNames : undefined,
            federatesWith: props.federatesWith && props.federatesWith.length > 0 ? props.federatesWith.map((f) => f.trustDomain.name) : undefined,
            admin: props.adminReason !== undefined ? true : undefined,
            downstream: props.downstreamReason !== undefined ? true : undefined,
            hint: props.hint,
          },
        }),
      );
      if (this.exceptions.broadSelector) Checklist.acknowledge(this, 'SPIRE-ID1', this.exceptions.broadSelector);
      if (this.exceptions.longTtl) Checklist.acknowledge(this, 'SPIRE-ID2', this.exceptions.longTtl);
      const registered: RegisteredIdentity = {
        construct: this,
        spiffeId: this.spiffeId.uri,
        namespace: '',
        serviceAccount: '',
        podLabels: {},
        className: props.server.className,
        kind: 'static',
      };
      const registry = identitiesOf(this);
      registry.push(registered);
      this.node.addValidation({ validate: () => conflictsOf(registry).get(registered) ?? [] });
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }

  /** This entry in the `spire-server entry create -data` format (IDs as strings, TTLs in seconds). */
  public toEntry(): EntryJson {
    const p = this.props;
    return {
      spiffe_id: this.spiffeId.uri,
      parent_id: this.parentId.uri,
      selectors: this.selectors.map((s) => ({ type: s.type, value: s.value })),
      x509_svid_ttl: wholeSeconds(this.x509SvidTtl, 'x509SvidTtl'),
      jwt_svid_ttl: wholeSeconds(this.jwtSvidTtl, 'jwtSvidTtl'),
      ...(p.federatesWith && p.federatesWith.length > 0 ? { federates_with: p.federatesWith.map((f) => f.trustDomain.name) } : {}),
      ...(p.dnsNames && p.dnsNames.length > 0 ? { dns_names: [...p.dnsNames] } : {}),
      ...(p.adminReason !== undefined ? { admin: true } : {}),
      ...(p.downstreamReason !== undefined ? { downstream: true } : {}),
      ...(p.hint !== undefined ? { hint: p.hint } : {}),
    };
  }
}
