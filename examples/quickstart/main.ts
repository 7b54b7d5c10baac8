/**
 * Quickstart — NOT FOR PRODUCTION.
 *
 * The smallest working SPIRE for a development cluster (kind, minikube): one server replica on
 * SQLite, a self-signed CA (no upstream authority), no kubelet verification (dev kubelets serve
 * self-signed certificates). Every shortcut is flagged by the production checklist.
 *
 * `cdk8s synth` here, or `npm run synth` at the repository root (writes dist/quickstart/).
 */
import { App } from 'cdk8s';
import { Construct } from 'constructs';
import { ApiServerAccess, Checklist, ChecklistChart, KubeletVerification, ServerDatabase, SpireStack, synthWithReports, TrustDomain } from '../../src';

export class QuickstartChart extends ChecklistChart {
  public readonly spire: SpireStack;

  public constructor(scope: Construct, id: string) {
    super(scope, id);
    this.spire = new SpireStack(this, 'spire', {
      trustDomain: TrustDomain.of('dev.example.com'),
      clusterName: 'dev',
      database: ServerDatabase.sqlite(),
      server: { replicas: 1, networkPolicy: { apiServer: ApiServerAccess.anyAddress('kind and minikube: the API server is the control-plane node; ports 443 and 6443 only') } },
      agent: { kubeletVerification: KubeletVerification.skip('kind and minikube kubelets serve self-signed certificates') },
    });
    // Every production-checklist finding of this dev stack, acknowledged in writing (see the report).
    Checklist.acknowledge(this.spire, 'SPIRE-SRV1', 'development cluster: one server replica is enough');
    Checklist.acknowledge(this.spire, 'SPIRE-DS1', 'development cluster: SQLite on the server volume, no Postgres to run');
    Checklist.acknowledge(this.spire, 'SPIRE-CA1', 'development cluster: self-signed SPIRE CA, no Vault');
    Checklist.acknowledge(this.spire, 'SPIRE-ATT2', 'kind and minikube kubelets serve self-signed certificates');
  }
}

export function buildApp(app: App = new App()): App {
  new QuickstartChart(app, 'quickstart');
  return app;
}

if (require.main === module) {
  synthWithReports(buildApp());
}
