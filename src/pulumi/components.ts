import * as pulumi from '@pulumi/pulumi';
import { Chart } from 'cdk8s';
// From the package index, not the modules: the Pulumi bundle takes the library from lib/bundle/index.js (scripts/bundle.ts).
import {
  AllowOptions,
  FederatedTrustDomain as Cdk8sFederatedTrustDomain,
  FederatedTrustDomainProps,
  MeshCaller,
  MeshPolicy as Cdk8sMeshPolicy,
  MeshPolicyProps,
  SpiffeCsiDriver as Cdk8sSpiffeCsiDriver,
  SpiffeCsiDriverProps,
  SpireAgent as Cdk8sSpireAgent,
  SpireAgentProps,
  SpireServer as Cdk8sSpireServer,
  SpireServerProps,
  SpireStack as Cdk8sSpireStack,
  SpireStackProps,
  ValidationError,
  WorkloadIdentity as Cdk8sWorkloadIdentity,
  WorkloadIdentityProps,
} from '..';
import { BatchIdentity } from './batch-identity';
import { attach, constructOf, contextOf, RenderContext } from './context';
import { RenderedComponent } from './rendered-component';

/** A federation relationship declared with its server (the cdk8s `FederatedTrustDomainProps` without `server`). */
export interface FederationArgs extends Omit<FederatedTrustDomainProps, 'server'> {}

/** Arguments of {@link SpireStack}: the same as the cdk8s `SpireStackProps`, same defaults, plus its federations. */
export interface SpireStackArgs extends SpireStackProps {
  /**
   * Foreign trust domains the server federates with (ClusterFederatedTrustDomains, the bundle
   * endpoint, the egress to each partner's endpoint). Declared here because the server's objects
   * are registered when the component is created; identities list them by trust domain name.
   * @default - none
   */
  readonly federations?: FederationArgs[];
  /**
   * Read each CRD the objects need but the stack does not create (prometheus-operator,
   * CloudNativePG, Istio, Linkerd) before applying them, so a missing one fails at once, by name.
   * Turn off when the provider renders YAML to a directory (there is no cluster to read).
   * @default true
   */
  readonly checkPrerequisites?: boolean;
}

const FROZEN = "A Pulumi component registers its server's objects when it is created: declare federations in its 'federations' args and the agent's service account in 'agentServiceAccount'.";

/** The cdk8s FederatedTrustDomains declared with a server component. */
function declareFederations(context: RenderContext, chart: Chart, server: Cdk8sSpireServer, federations: ReadonlyArray<FederationArgs> | undefined): void {
  (federations ?? []).forEach((f, i) => {
    const ftd = new Cdk8sFederatedTrustDomain(chart, `federation-${i}`, { ...f, server });
    context.federations.set(ftd.trustDomain.name, ftd);
  });
}

/** SPIRE in one call (namespaces, CRDs, server, agent, CSI driver), as a Pulumi component. */
export class SpireStack extends RenderedComponent {
  /** The server's namespace. */
  public readonly namespace: string;
  /** The agent and CSI driver namespace. */
  public readonly systemNamespace: string;
  /** The server Service name. */
  public readonly serverServiceName: string;
  /** The address agents dial. */
  public readonly serverAddress: string;
  /** The trust domain. */
  public readonly trustDomain: string;
  /** The className identities need. */
  public readonly className: string;

  public constructor(name: string, args: SpireStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireStack', name, args, opts);
    const context = new RenderContext(args.checkPrerequisites ?? true, this, name);
    const chart = new Chart(context.app, name);
    // The component runs the checklist itself, with the user's choice (not the chart hook).
    const stack = this.build(() => {
      const st = new Cdk8sSpireStack(chart, 'spire', { ...args, checklist: false });
      declareFederations(context, chart, st.server, args.federations);
      return st;
    });
    attach(this, context, stack);
    this.registerChart(chart, context, opts, { checklist: args.checklist ?? true });
    stack.server._freeze(FROZEN);
    this.namespace = stack.server.namespace;
    this.systemNamespace = stack.agent.namespace;
    this.serverServiceName = stack.server.serviceName;
    this.serverAddress = stack.server.address;
    this.trustDomain = stack.trustDomain.name;
    this.className = stack.server.className;
    this.registerOutputs({
      namespace: this.namespace,
      systemNamespace: this.systemNamespace,
      serverServiceName: this.serverServiceName,
      serverAddress: this.serverAddress,
      trustDomain: this.trustDomain,
      className: this.className,
    });
  }
}

/** Arguments of {@link SpireServer}: the same as the cdk8s `SpireServerProps`, plus its federations. */
export interface SpireServerArgs extends SpireServerProps {
  /**
   * Foreign trust domains the server federates with (see {@link SpireStackArgs.federations}).
   * @default - none
   */
  readonly federations?: FederationArgs[];
  /**
   * Read each CRD the objects need but the tree does not create before applying them (see
   * {@link SpireStackArgs.checkPrerequisites}).
   * @default true
   */
  readonly checkPrerequisites?: boolean;
}

/** The HA SPIRE server as a Pulumi component. */
export class SpireServer extends RenderedComponent {
  /** The server's namespace. */
  public readonly namespace: string;
  /** The server Service name. */
  public readonly serviceName: string;
  /** The address agents dial. */
  public readonly address: string;
  /** The className identities need. */
  public readonly className: string;

  public constructor(name: string, args: SpireServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireServer', name, args, opts);
    const context = new RenderContext(args.checkPrerequisites ?? true, this, name);
    const chart = new Chart(context.app, name);
    const server = this.build(() => {
      const srv = new Cdk8sSpireServer(chart, 'server', args);
      declareFederations(context, chart, srv, args.federations);
      return srv;
    });
    attach(this, context, server);
    this.registerChart(chart, context, opts);
    server._freeze(FROZEN);
    this.namespace = server.namespace;
    this.serviceName = server.serviceName;
    this.address = server.address;
    this.className = server.className;
    this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName, address: this.address, className: this.className });
  }
}

/** Arguments of {@link SpireAgent}: the cdk8s `SpireAgentProps`, with the Pulumi server component. */
export interface SpireAgentArgs extends Omit<SpireAgentProps, 'server'> {
  /** The server component the agents attest to. */
  readonly server: SpireServer;
}

/** The SPIRE agent DaemonSet as a Pulumi component. */
export class SpireAgent extends RenderedComponent {
  /** The agent's namespace. */
  public readonly namespace: string;

  public constructor(name: string, args: SpireAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireAgent', name, args, opts);
    const context = contextOf(args.server);
    const chart = new Chart(context.app, name);
    // The server component is already registered: the agent must be one it allows (its
    // 'agentServiceAccount'); the agent's validation says so otherwise.
    const agent = this.build(() => new Cdk8sSpireAgent(chart, 'agent', { ...args, server: constructOf(args.server, Cdk8sSpireServer) }));
    attach(this, context, agent);
    this.registerChart(chart, context, opts);
    this.namespace = agent.namespace;
    this.registerOutputs({ namespace: this.namespace });
  }
}

/** Arguments of {@link SpiffeCsiDriver}. */
export interface SpiffeCsiDriverArgs extends Omit<SpiffeCsiDriverProps, 'agent'> {
  /** The agent component whose socket the driver exposes. */
  readonly agent: SpireAgent;
}

/** The SPIFFE CSI driver as a Pulumi component. */
export class SpiffeCsiDriver extends RenderedComponent {
  /** The CSI driver name. */
  public readonly driverName: string;

  public constructor(name: string, args: SpiffeCsiDriverArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpiffeCsiDriver', name, args, opts);
    const context = contextOf(args.agent);
    const chart = new Chart(context.app, name);
    const driver = this.build(() => new Cdk8sSpiffeCsiDriver(chart, 'csi', { ...args, agent: constructOf(args.agent, Cdk8sSpireAgent) }));
    attach(this, context, driver);
    this.registerChart(chart, context, opts);
    this.driverName = driver.driverName;
    this.registerOutputs({ driverName: this.driverName });
  }
}

/** Arguments of {@link WorkloadIdentity}: the cdk8s props, with the Pulumi server (or stack) component. */
export interface WorkloadIdentityArgs extends Omit<WorkloadIdentityProps, 'server' | 'federatesWith'> {
  /** The server (or stack) that issues the identity. */
  readonly server: SpireServer | SpireStack;
  /**
   * Foreign trust domains whose bundles the workload receives (names of the server component's
   * `federations`).
   * @default - none
   */
  readonly federatesWith?: string[];
}

/** The cdk8s server behind a server or stack component. @internal */
export function serverOf(server: SpireServer | SpireStack): Cdk8sSpireServer {
  return server instanceof SpireStack ? constructOf(server, Cdk8sSpireStack).server : constructOf(server, Cdk8sSpireServer);
}

/**
 * The cdk8s WorkloadIdentity of a Pulumi identity's args, in `chart`: its `federatesWith` names
 * resolved to the federations declared with the server component.
 *
 * @internal
 */
export function cdk8sIdentity(chart: Chart, id: string, context: RenderContext, server: Cdk8sSpireServer, args: Omit<WorkloadIdentityArgs, 'server'>): Cdk8sWorkloadIdentity {
  const federatesWith = (args.federatesWith ?? []).map((td) => {
    const found = context.federations.get(td);
    if (!found) {
      const known = [...context.federations.keys()].map((k) => `"${k}"`).join(', ') || 'no trust domain';
      throw new ValidationError(`Invalid 'federatesWith': received ${JSON.stringify(td)}. The server federates with ${known}: declare it in the server component's 'federations'.`);
    }
    return found;
  });
  return new Cdk8sWorkloadIdentity(chart, id, { ...args, server, federatesWith });
}

/** A workload identity (ClusterSPIFFEID with tight selectors) as a Pulumi component. */
export class WorkloadIdentity extends RenderedComponent {
  /** The SPIFFE ID. */
  public readonly spiffeId: string;

  public constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:WorkloadIdentity', name, args, opts);
    const context = contextOf(args.server);
    const server = serverOf(args.server);
    const chart = new Chart(context.app, name);
    const identity = this.build(() => cdk8sIdentity(chart, 'identity', context, server, args));
    attach(this, context, identity);
    // One ClusterSPIFFEID: registered as this component's own child, no ConfigGroup around it;
    // where it was before (a child of the `<name>-resources` ConfigGroup): a stack deployed then
    // moves it instead of creating it anew and deleting the old one (the same object).
    this.registerChart(chart, context, opts, { direct: () => [{ parent: pulumi.createUrn(`${name}-resources`, 'kubernetes:yaml:ConfigGroup', this) }] });
    this.spiffeId = identity.spiffeId.uri;
    this.registerOutputs({ spiffeId: this.spiffeId });
  }
}

/** One allowed call of a {@link MeshPolicy}. */
export interface MeshPolicyAllow extends AllowOptions {
  /**
   * The caller: an identity component, an identity of a WorkloadIdentities component, or
   * `MeshPolicy.foreignCaller(spiffeId, { network })` of the cdk8s API for a federated caller.
   */
  readonly caller: WorkloadIdentity | BatchIdentity | MeshCaller;
  /** The callee (its args must pin `podLabels`: Pulumi workloads are not bound). */
  readonly callee: WorkloadIdentity | BatchIdentity;
}

/** An identity declared with this library's Pulumi components (not a foreign caller). */
function declared(x: WorkloadIdentity | BatchIdentity | MeshCaller): x is WorkloadIdentity | BatchIdentity {
  return x instanceof WorkloadIdentity || x instanceof BatchIdentity;
}

/** Arguments of {@link MeshPolicy}: the cdk8s props plus the allows. */
export interface MeshPolicyArgs extends MeshPolicyProps {
  /** Who may call whom. */
  readonly allows: MeshPolicyAllow[];
}

/** A mesh policy (who may call whom, by SPIFFE ID) as a Pulumi component. */
export class MeshPolicy extends RenderedComponent {
  public constructor(name: string, args: MeshPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:MeshPolicy', name, args, opts);
    if (args.allows.length === 0) {
      throw new pulumi.ResourceError("Invalid 'allows': received []. List at least one allowed call.", this);
    }
    const context = contextOf(args.allows[0].callee);
    for (const a of args.allows) {
      if ((declared(a.caller) && contextOf(a.caller) !== context) || contextOf(a.callee) !== context) {
        throw new pulumi.ResourceError(
          `Invalid 'allows': ${declared(a.caller) ? a.caller.spiffeId : a.caller.spiffeId.uri} → ${a.callee.spiffeId} joins identities of two different SpireStack/SpireServer components; one policy covers the identities of one server.`,
          this,
        );
      }
    }
    const chart = new Chart(context.app, name);
    const policy = this.build(() => {
      const p = new Cdk8sMeshPolicy(chart, 'policy', args);
      for (const a of args.allows) {
        const caller = declared(a.caller) ? constructOf(a.caller, Cdk8sWorkloadIdentity) : a.caller;
        p.allow(caller, constructOf(a.callee, Cdk8sWorkloadIdentity), a);
      }
      return p;
    });
    attach(this, context, policy);
    this.registerChart(chart, context, opts);
    this.registerOutputs({});
  }
}
