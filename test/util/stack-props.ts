import { PostgresDatabase, SpireStackProps, TrustDomain, UpstreamAuthority, VaultAuth } from '../../src';

/** The README's smallest production stack: CloudNativePG, Vault upstream with Kubernetes auth. */
export const productionStackProps = (): SpireStackProps => ({
  trustDomain: TrustDomain.of('prod.example.com'),
  clusterName: 'prod-eu-1',
  database: PostgresDatabase.cloudNativePg(),
  upstreamAuthority: UpstreamAuthority.vault({
    vaultAddr: 'https://vault.vault.svc:8200',
    caCert: { name: 'vault-ca', key: 'ca.crt' },
    auth: VaultAuth.kubernetes({ role: 'spire-server' }),
  }),
});
