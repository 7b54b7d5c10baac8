import * as pulumi from '@pulumi/pulumi';
import { App, Chart } from 'cdk8s';
import { RenderedComponent } from './rendered-component';
import { SpireAgent as Cdk8sSpireAgent, SpireAgentProps } from '../agent/spire-agent';
import { Checklist } from '../checklist/checklist';
import { SpiffeCsiDriver as Cdk8sSpiffeCsiDriver, SpiffeCsiDriverProps } from '../csi/spiffe-csi-driver';
import { WorkloadIdentity as Cdk8sWorkloadIdentity, WorkloadIdentityProps } from '../identity/workload-identity';
import { AllowOptions, MeshPolicy as Cdk8sMeshPolicy, MeshPolicyProps } from '../mesh/mesh-policy';
import { SpireServer as Cdk8sSpireServer, SpireServerProps } from '../server/spire-server';
import { SpireStack as Cdk8sSpireStack, SpireStackProps } from '../stack/spire-stack';

/** Arguments of {@link SpireStack}: the same as the cdk8s `SpireStackProps`, same defaults. */
export interface SpireStackArgs extends SpireStackProps {}

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
  /** The cdk8s construct behind the component (for identities and policies). */
  public readonly construct: Cdk8sSpireStack;

  public constructor(name: string, args: SpireStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireStack', name, opts);
    const chart = new Chart(new App(), name);
    this.construct = this.build(() => new Cdk8sSpireStack(chart, 'spire', args));
    this.registerChart(chart, opts, args.checklist ?? true);
    this.namespace = this.construct.server.namespace;
    this.systemNamespace = this.construct.agent.namespace;
    this.serverServiceName = this.construct.server.serviceName;
    this.serverAddress = this.construct.server.address;
    this.trustDomain = this.construct.trustDomain.name;
    this.className = this.construct.server.className;
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

/** Arguments of {@link SpireServer}: the same as the cdk8s `SpireServerProps`. */
export interface SpireServerArgs extends SpireServerProps {}

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
  /** The cdk8s construct behind the component. */
  public readonly construct: Cdk8sSpireServer;
  /** @internal */
  public readonly _app: App;

  public constructor(name: string, args: SpireServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireServer', name, opts);
    this._app = new App();
    const chart = new Chart(this._app, name);
    this.construct = this.build(() => new Cdk8sSpireServer(chart, 'server', args));
    this.registerChart(chart, opts, false);
    this.namespace = this.construct.namespace;
    this.serviceName = this.construct.serviceName;
    this.address = this.construct.address;
    this.className = this.construct.className;
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
  /** The cdk8s construct behind the component. */
  public readonly construct: Cdk8sSpireAgent;

  public constructor(name: string, args: SpireAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:SpireAgent', name, opts);
    const chart = new Chart(args.server._app, name);
    const before = args.server.construct.config.toJson();
    this.construct = this.build(() => new Cdk8sSpireAgent(chart, 'agent', { ...args, server: args.server.construct }));
    if (args.server.construct.config.toJson() !== before) {
      throw new pulumi.ResourceError(
        `Invalid 'name': received ${JSON.stringify(this.construct.name)}. The server was registered allowing "${args.server.construct.bundleConfigMap.namespace}:spire-agent"; create the server with agentServiceAccount "${this.construct.name}" or use the SpireStack component.`,
        this,
      );
    }
    this.registerChart(chart, opts, false);
    this.namespace = this.construct.namespace;
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
    super('spire-constructs:index:SpiffeCsiDriver', name, opts);
    const chart = new Chart(new App(), name);
    const driver = this.build(() => new Cdk8sSpiffeCsiDriver(chart, 'csi', { ...args, agent: args.agent.construct }));
    this.registerChart(chart, opts, false);
    this.driverName = driver.driverName;
    this.registerOutputs({ driverName: this.driverName });
  }
}

/** Arguments of {@link WorkloadIdentity}: the cdk8s props, with the Pulumi server (or stack) component. */
export interface WorkloadIdentityArgs extends Omit<WorkloadIdentityProps, 'server' | 'federatesWith'> {
  /** The server (or stack) that issues the identity. */
  readonly server: SpireServer | SpireStack;
}

/** A workload identity (ClusterSPIFFEID with tight selectors) as a Pulumi component. */
export class WorkloadIdentity extends RenderedComponent {
  /** The SPIFFE ID. */
  public readonly spiffeId: string;
  /** The cdk8s construct behind the component. */
  public readonly construct: Cdk8sWorkloadIdentity;

  public constructor(name: string, args: WorkloadIdentityArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:WorkloadIdentity', name, opts);
    const server = args.server instanceof SpireStack ? args.server.construct.server : args.server.construct;
    const chart = new Chart(server.node.root as App, name);
    this.construct = this.build(() => new Cdk8sWorkloadIdentity(chart, 'identity', { ...args, server }));
    Checklist.enable(chart);
    this.registerChart(chart, opts, true);
    this.spiffeId = this.construct.spiffeId.uri;
    this.registerOutputs({ spiffeId: this.spiffeId });
  }
}

/** One allowed call of a {@link MeshPolicy}. */
export interface MeshPolicyAllow extends AllowOptions {
  /** The caller. */
  readonly caller: WorkloadIdentity;
  /** The callee (its args must pin `podLabels`: Pulumi workloads are not bound). */
  readonly callee: WorkloadIdentity;
}

/** Arguments of {@link MeshPolicy}: the cdk8s props plus the allows. */
export interface MeshPolicyArgs extends MeshPolicyProps {
  /** Who may call whom. */
  readonly allows: MeshPolicyAllow[];
}

/** A mesh policy (who may call whom, by SPIFFE ID) as a Pulumi component. */
export class MeshPolicy extends RenderedComponent {
  public constructor(name: string, args: MeshPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
    super('spire-constructs:index:MeshPolicy', name, opts);
    if (args.allows.length === 0) {
      throw new pulumi.ResourceError("Invalid 'allows': received []. List at least one allowed call.", this);
    }
    const chart = new Chart(args.allows[0].callee.construct.node.root as App, name);
    this.build(() => {
      const policy = new Cdk8sMeshPolicy(chart, 'policy', args);
      for (const a of args.allows) policy.allow(a.caller.construct, a.callee.construct, a);
    });
    this.registerChart(chart, opts, true);
    this.registerOutputs({});
  }
}
