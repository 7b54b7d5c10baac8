/**
 * The production payments scenario on Linkerd instead of Istio: the same identities and the
 * same rules, rendered as Servers, HTTPRoutes (one per distinct path × method), MeshTLSAuthentications
 * and AuthorizationPolicies. Linkerd authenticates the meshed pods with its own identities
 * (ServiceAccount `identityRefs`); the SPIRE SVIDs serve the in-code check (`<callee>-allowed-callers`).
 *
 * `cdk8s synth` here, or `npm run synth` at the repository root (writes dist/linkerd/).
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { ChecklistChart, Mesh, MeshPolicy, RolloutStage, SpireStack, synthWithReports } from '../../src';
import { productionStackProps } from '../production/main';
import { PaymentsApp } from '../production/payments';
import { paymentsPolicy } from '../production/policy';

export class LinkerdChart extends ChecklistChart {
  public readonly spire: SpireStack;
  public readonly payments: PaymentsApp;
  public readonly policy: MeshPolicy;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.spire = new SpireStack(this, 'spire', productionStackProps());
    this.payments = new PaymentsApp(this, 'payments', this.spire.server);
    // The payments namespace enforces Pod Security `restricted`: the cluster runs linkerd-cni, so
    // injected pods carry no linkerd-init container (NET_ADMIN, NET_RAW).
    this.policy = paymentsPolicy(this, 'payments-policy', this.payments, Mesh.linkerd({ cni: true }), RolloutStage.ENFORCE);
  }
}

export function buildApp(app: App = new App()): App {
  new LinkerdChart(app, 'linkerd');
  return app;
}

if (require.main === module) {
  synthWithReports(buildApp());
}
