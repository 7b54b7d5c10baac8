import * as pulumi from '@pulumi/pulumi';
import { Chart } from 'cdk8s';
// From the package index, not the modules: the Pulumi bundle takes the library from lib/bundle/index.js (scripts/bundle.ts).
import { KubeObject } from '..';
import { BatchIdentity } from './batch-identity';
import { cdk8sIdentity, serverOf, SpireServer, SpireStack, WorkloadIdentityArgs } from './components';
import { attach, contextOf } from './context';
import { RenderedComponent } from './rendered-component';

/** One identity of a {@link WorkloadIdentities} component: the args of a {@link WorkloadIdentity} without `server`. */
export interface BatchIdentityArgs extends Omit<WorkloadIdentityArgs, 'server'> {}

/** Arguments of {@link WorkloadIdentities}. */
export interface WorkloadIdentitiesArgs {
  /** The server (or stack) that issues the identities. */
  readonly server: SpireServer | SpireStack;
  /**
   * The identities, by key (a construct id: no `/`). The key names the identity in error
   * messages and in {@link WorkloadIdentities.identities}.
   */
  readonly identities: Readonly<Record<string, BatchIdentityArgs>>;
}

/**
 * Many workload identities (ClusterSPIFFEIDs with tight selectors) as one Pulumi component: the
 * same objects, checks and messages as one {@link WorkloadIdentity} component per identity, with
 * one component resource in all instead of one per identity. Each ClusterSPIFFEID is a direct
 * child (`<name>-<ClusterSPIFFEID name>`, the caller's provider, after the tree's namespaces and
 * CRDs). `identities[key]` is a caller or callee of a {@link MeshPolicy}.
 *
 * A stack that declared an identity as a WorkloadIdentity component named like its key, under
 * the same parent, keeps its ClusterSPIFFEID when the identity moves here (an alias).
 */
export class WorkloadIdentities extends RenderedComponent {
  /** The identities, by key. */
  public readonly identities: Readonly<Record<string, BatchIdentity>>;
  /** The SPIFFE IDs, by key. */
  public readonly spiffeIds: Readonly<Record<string, string>>;

  public constructor(name: string, args: WorkloadIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:WorkloadIdentities', name, args, opts);
    const entries = Object.entries(args.identities ?? {});
    if (entries.length === 0) {
      throw new pulumi.ResourceError("Invalid 'identities': received {}. Give at least one identity (key → the args of a WorkloadIdentity without 'server').", this);
    }
    const context = contextOf(args.server);
    const server = serverOf(args.server);
    const chart = new Chart(context.app, name);
    const built = this.build(() => entries.map(([key, identityArgs]) => ({ key, identity: cdk8sIdentity(chart, key, context, server, identityArgs) })));
    attach(this, context, chart);
    const identities: Record<string, BatchIdentity> = {};
    const spiffeIds: Record<string, string> = {};
    const keyOf = new Map<string, string>();
    for (const { key, identity } of built) {
      identities[key] = new BatchIdentity(key, identity.spiffeId.uri);
      attach(identities[key], context, identity);
      spiffeIds[key] = identity.spiffeId.uri;
      keyOf.set(identity.resource.name, key);
    }
    // Where each ClusterSPIFFEID was when its identity was a WorkloadIdentity component named like its key.
    const formerComponent = (o: KubeObject) => {
      const key = keyOf.get(String(o.metadata?.name));
      return key === undefined ? [] : [{ name: `${key}-${o.metadata?.name}`, parent: pulumi.createUrn(key, 'spire-constructs:index:WorkloadIdentity', opts?.parent) }];
    };
    this.registerChart(chart, context, opts, { direct: formerComponent });
    this.identities = identities;
    this.spiffeIds = spiffeIds;
    this.keepOutOfWalk('identities', 'spiffeIds');
    this.registerOutputs({ spiffeIds });
  }
}
