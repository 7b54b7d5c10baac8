/**
 * Production example: trust domain prod.example.com, 3 SPIRE server replicas on a 3-instance
 * CloudNativePG PostgreSQL cluster (verify-full TLS), Vault upstream authority with Kubernetes
 * auth, controller manager, the agent on every node with kubelet verification, and the SPIFFE
 * CSI driver; the payments services each bound to their own tight identity, and who may call
 * whom enforced by Istio (stage ENFORCE); SPIRE's OIDC discovery provider publishes the JWT
 * signing keys at https://oidc.prod.example.com (TLS at the nginx Ingress), the server's
 * `jwt_issuer`, so cloud IAM can verify JWT-SVIDs.
 *
 * `cdk8s synth` here, or `npm run synth` at the repository root (writes dist/production/).
 */
import { App, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { PaymentsApp } from './payments';
import { paymentsPolicy } from './policy';
import { ApiServerAccess, ChecklistChart, Mesh, MeshPolicy, OidcTls, PostgresDatabase, RolloutStage, SpireStack, SpireStackProps, synthWithReports, TrustDomain, UpstreamAuthority, VaultAuth } from '../../src';

/** The production SPIRE stack (shared by the Linkerd and Pulumi examples). */
export function productionStackProps(): SpireStackProps {
  return {
    trustDomain: TrustDomain.of('prod.example.com'),
    clusterName: 'prod-eu-1',
    database: PostgresDatabase.cloudNativePg({ instances: 3, storageSize: '20Gi' }),
    upstreamAuthority: UpstreamAuthority.vault({
      vaultAddr: 'https://vault.vault.svc:8200',
      caCert: { name: 'vault-ca', key: 'ca.crt' },
      auth: VaultAuth.kubernetes({ role: 'spire-server' }),
    }),
    caTtl: Duration.hours(24),
    server: {
      replicas: 3,
      caSubject: { country: ['DE'], organization: ['Example Corp'], commonName: 'prod.example.com SPIRE' },
      // The API server is no pod: name it by address, Cilium's entity, or say why any address.
      networkPolicy: { apiServer: ApiServerAccess.anyAddress('managed control plane: its endpoint addresses change on upgrades; ports 443 and 6443 only') },
    },
  };
}

export class ProductionChart extends ChecklistChart {
  public readonly spire: SpireStack;
  public readonly payments: PaymentsApp;
  public readonly policy: MeshPolicy;

  /** `stack` overrides props of the SPIRE stack (the end-to-end suite adds federation settings). */
  public constructor(scope: Construct, id: string, stack: Partial<SpireStackProps> = {}) {
    super(scope, id);
    this.spire = new SpireStack(this, 'spire', {
      ...productionStackProps(),
      // JWT-SVIDs for cloud IAM: the discovery document and keys at the server's jwt_issuer.
      oidcDiscoveryProvider: {
        issuer: 'https://oidc.prod.example.com',
        tls: OidcTls.atIngress({
          tlsSecretName: 'oidc-prod-example-com-tls',
          ingressClassName: 'nginx',
          controllerNamespace: 'ingress-nginx',
          annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt-prod' },
        }),
      },
      ...stack,
    });
    this.payments = new PaymentsApp(this, 'payments', this.spire.server);
    // Istio with SPIRE as CA, deny-by-default enforced.
    // The payments namespace is Pod Security `restricted`: sidecars without istio-init need istio-cni.
    this.policy = paymentsPolicy(this, 'payments-policy', this.payments, Mesh.istio({ cni: true }), RolloutStage.ENFORCE);
  }
}

export function buildApp(app: App = new App()): App {
  new ProductionChart(app, 'production');
  return app;
}

if (require.main === module) {
  synthWithReports(buildApp());
}
