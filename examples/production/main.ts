/**
 * Production example: trust domain prod.example.com, Postgres datastore with verify-full TLS,
 * Vault upstream authority with Kubernetes auth, k8s_psat node attestation.
 *
 * `cdk8s synth` here, or `npm run synth` at the repository root (writes dist/production/).
 */
import { ApiObject, App, Chart, Duration } from 'cdk8s';
import {
  AgentConfig,
  AgentNodeAttestor,
  BundlePublisher,
  DataStore,
  FederationBundleEndpoint,
  KeyManager,
  NodeAttestor,
  ServerConfig,
  TrustDomain,
  UpstreamAuthority,
  VaultAuth,
  WorkloadAttestor,
} from '../../src';

export function buildApp(app: App = new App()): App {
  const chart = new Chart(app, 'production', { namespace: 'spire-server' });
  const trustDomain = TrustDomain.of('prod.example.com');
  const cluster = 'prod-eu-1';

  const server = new ServerConfig({
    trustDomain,
    replicas: 3,
    dataStore: DataStore.postgres({
      host: 'spire-db-rw.spire-server.svc',
      rootCertPath: '/run/spire/db-ca/ca.crt',
    }),
    keyManager: KeyManager.disk(),
    upstreamAuthority: UpstreamAuthority.vault({
      vaultAddr: 'https://vault.vault.svc:8200',
      caCertPath: '/run/spire/vault-ca/ca.crt',
      auth: VaultAuth.kubernetes({ role: 'spire-server' }),
    }),
    nodeAttestors: [NodeAttestor.k8sPsat({ cluster, serviceAccountAllowList: ['spire-system:spire-agent'] })],
    bundlePublishers: [BundlePublisher.k8sConfigMap({ namespace: 'spire-system' })],
    caTtl: Duration.hours(24),
    caSubject: { country: ['DE'], organization: ['Example Corp'], commonName: 'prod.example.com SPIRE' },
    federationBundleEndpoint: new FederationBundleEndpoint(),
  });

  const agent = new AgentConfig({
    trustDomain,
    serverAddress: 'spire-server.spire-server.svc',
    nodeAttestor: AgentNodeAttestor.k8sPsat({ cluster }),
    workloadAttestors: [WorkloadAttestor.k8s()],
  });

  new ApiObject(chart, 'server-config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-server' },
    data: { 'server.conf': server.toJson() },
  });
  new ApiObject(chart, 'agent-config', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'spire-agent', namespace: 'spire-system' },
    data: { 'agent.conf': agent.toJson() },
  });
  return app;
}

if (require.main === module) {
  buildApp().synth();
}
