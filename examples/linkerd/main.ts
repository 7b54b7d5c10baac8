/**
 * The production payments scenario on Linkerd instead of Istio: the same identities and the
 * same rules, rendered as Servers, HTTPRoutes, MeshTLSAuthentications and AuthorizationPolicies.
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
    this.policy = paymentsPolicy(this, 'payments-policy', this.payments, Mesh.linkerd(), RolloutStage.ENFORCE);
  }
}

export function buildApp(app: App = new App()): App {
  new LinkerdChart(app, 'linkerd');
  return app;
}

if (require.main === module) {
  synthWithReports(buildApp());
}
