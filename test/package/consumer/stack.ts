// The smallest production deployment from the README, as a consumer writes it: only the
// package's public entry point, cdk8s and constructs from the consumer's own node_modules.
import { App, Chart } from 'cdk8s';
import { PostgresDatabase, SpireStack, SpireStackProps, TrustDomain, UpstreamAuthority, VaultAuth } from 'spire-constructs';

/** The README's smallest production stack: its props (the cdk8s and the Pulumi SpireStack take the same). */
export function smallestProductionProps(): SpireStackProps {
  return {
    trustDomain: TrustDomain.of('prod.example.com'),
    clusterName: 'prod-eu-1',
    database: PostgresDatabase.cloudNativePg(),
    upstreamAuthority: UpstreamAuthority.vault({
      vaultAddr: 'https://vault.vault.svc:8200',
      caCert: { name: 'vault-ca', key: 'ca.crt' },
      auth: VaultAuth.kubernetes({ role: 'spire-server' }),
    }),
  };
}

/** Builds the README's smallest production stack in a new App writing to `outdir`. */
export function smallestProductionApp(outdir: string): App {
  const app = new App({ outdir });
  const chart = new Chart(app, 'spire');
  new SpireStack(chart, 'spire', smallestProductionProps());
  return app;
}
