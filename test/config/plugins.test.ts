import { Duration } from 'cdk8s';
import {
  AgentKeyManager,
  AgentNodeAttestor,
  BundleFormat,
  BundlePublisher,
  DataStore,
  KeyManager,
  KubeletVerification,
  NodeAttestor,
  PostgresSslMode,
  UpstreamAuthority,
  VaultAuth,
  WorkloadAttestor,
} from '../../src';
import { plainConfig } from '../../src/config/json';

const data = (p: { plugin: { data: object } }) => plainConfig(p.plugin.data as never);

describe('DataStore', () => {
  test('postgres: exact database_type, verify-full by default, password from PGPASSWORD (read by lib/pq, never in the config)', () => {
    const ds = DataStore.postgres({ host: 'db-rw', rootCertPath: '/ca/ca.crt' });
    expect(ds.plugin.type).toBe('DataStore');
    expect(ds.plugin.name).toBe('sql');
    expect(data(ds)).toEqual({
      database_type: 'postgres',
      connection_string: 'dbname=spire user=spire host=db-rw port=5432 sslmode=verify-full sslrootcert=/ca/ca.crt',
    });
    expect(ds.passwordEnvNames).toEqual(['PGPASSWORD']);
    expect(ds.supportsMultipleServers).toBe(true);
    expect(ds.sslMode).toBe(PostgresSslMode.VERIFY_FULL);
  });

  test('postgres: all options; the read-only replica shares the primary\'s password variable', () => {
    const ds = DataStore.postgres({
      host: 'db',
      port: 6432,
      database: 'spire prod',
      user: "o'brien",
      passwordEnv: 'SPIRE_DB_PASSWORD',
      sslMode: PostgresSslMode.VERIFY_CA,
      readOnlyReplica: { host: 'db-ro' },
      maxOpenConns: 20,
      maxIdleConns: 5,
      connMaxLifetime: Duration.minutes(30),
      disableMigration: true,
    });
    expect(data(ds)).toEqual({
      database_type: 'postgres',
      connection_string: "dbname='spire prod' user='o\\'brien' host=db port=6432 sslmode=verify-ca password=${SPIRE_DB_PASSWORD}",
      ro_connection_string: 'dbname=spire user=spire host=db-ro port=5432 sslmode=verify-full password=${SPIRE_DB_PASSWORD}',
      max_open_conns: 20,
      max_idle_conns: 5,
      conn_max_lifetime: '30m',
      disable_migration: true,
    });
    expect(ds.passwordEnvNames).toEqual(['SPIRE_DB_PASSWORD']);
  });

  test('postgres: a read-only replica with its own password variable gets it expanded; PGPASSWORD never is', () => {
    const ds = DataStore.postgres({ host: 'db', readOnlyReplica: { host: 'db-ro', passwordEnv: 'RODBPW' } });
    expect(data(ds)).toMatchObject({
      connection_string: 'dbname=spire user=spire host=db port=5432 sslmode=verify-full',
      ro_connection_string: 'dbname=spire user=spire host=db-ro port=5432 sslmode=verify-full password=${RODBPW}',
    });
    expect(ds.passwordEnvNames).toEqual(['PGPASSWORD', 'RODBPW']);
  });

  test('postgres: client certificate auth has no password', () => {
    const ds = DataStore.postgres({ host: 'db', clientCertPath: '/c/tls.crt', clientKeyPath: '/c/tls.key' });
    expect((data(ds) as { connection_string: string }).connection_string).toBe(
      'dbname=spire user=spire host=db port=5432 sslmode=verify-full sslcert=/c/tls.crt sslkey=/c/tls.key',
    );
    expect(ds.passwordEnvNames).toEqual([]);
  });

  test('postgres: fails on bad input, naming the prop', () => {
    expect(() => DataStore.postgres({ host: '' })).toThrow("Invalid 'postgres.host': received \"\". Give the host name of the database server.");
    expect(() => DataStore.postgres({ host: '/var/run/postgresql' })).toThrow(/Invalid 'postgres.host'.*unix socket disables TLS/);
    expect(() => DataStore.postgres({ host: 'db', port: 70000 })).toThrow("Invalid 'postgres.port': received 70000. Use a TCP port between 1 and 65535.");
    expect(() => DataStore.postgres({ host: 'db', sslMode: 'prefer' as PostgresSslMode })).toThrow(/Invalid 'postgres.sslMode': received "prefer"/);
    expect(() => DataStore.postgres({ host: 'db', clientCertPath: '/c' })).toThrow(/Set 'clientCertPath' and 'clientKeyPath' together/);
    expect(() => DataStore.postgres({ host: 'db', readOnlyReplica: { host: '' } })).toThrow(/Invalid 'postgres.readOnlyReplica.host'/);
    expect(() => DataStore.postgres({ host: 'db', passwordEnv: 'my-pw' })).toThrow(
      "Invalid 'postgres.passwordEnv': received a value that is not an environment variable name (not shown: it may be a password).",
    );
    // A password put where the variable name belongs is never echoed.
    expect(() => DataStore.postgres({ host: 'db', passwordEnv: 'hunter2!' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
    expect(() => DataStore.postgres({ host: 'db', maxOpenConns: 0 })).toThrow(/Invalid 'postgres.maxOpenConns': received 0/);
  });

  test('sqlite: one server only', () => {
    const ds = DataStore.sqlite();
    expect(data(ds)).toEqual({ database_type: 'sqlite3', connection_string: '/run/spire/data/datastore.sqlite3' });
    expect(ds.supportsMultipleServers).toBe(false);
  });
});

describe('KeyManager', () => {
  test('disk, memory, aws_kms', () => {
    expect(data(KeyManager.disk())).toEqual({ keys_path: '/run/spire/data/keys.json' });
    expect(KeyManager.memory().plugin.name).toBe('memory');
    expect(data(KeyManager.memory())).toEqual({});
    const kms = KeyManager.awsKms({ region: 'eu-west-1', keyIdentifierValue: 'spire-prod' });
    expect(kms.plugin.name).toBe('aws_kms');
    expect(data(kms)).toEqual({ region: 'eu-west-1', key_identifier_value: 'spire-prod' });
  });

  test('aws_kms: exactly one identifier form; AWS-reserved aliases refused', () => {
    expect(() => KeyManager.awsKms({ region: 'x' })).toThrow(/Set exactly one of 'keyIdentifierValue' and 'keyIdentifierFile'/);
    expect(() => KeyManager.awsKms({ region: 'x', keyIdentifierValue: 'a', keyIdentifierFile: '/f' })).toThrow(/exactly one/);
    expect(() => KeyManager.awsKms({ region: 'x', keyIdentifierValue: 'alias/aws/x' })).toThrow(/not starting with 'alias\/aws\/'/);
  });

  test('disk: absolute path', () => {
    expect(() => KeyManager.disk({ keysPath: 'keys.json' })).toThrow("Invalid 'disk.keysPath': received \"keys.json\". Use an absolute path");
  });
});

describe('UpstreamAuthority', () => {
  test('vault with Kubernetes auth', () => {
    const ua = UpstreamAuthority.vault({
      vaultAddr: 'https://vault:8200',
      caCert: { name: 'vault-ca', key: 'ca.pem' },
      auth: VaultAuth.kubernetes({ role: 'spire-server' }),
    });
    expect(ua.podNeeds.secretFiles).toEqual([
      { volume: 'vault-ca', secretName: 'vault-ca', mountPath: '/run/spire/vault-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] },
    ]);
    expect(ua.podNeeds.projectedTokens).toEqual([
      { volume: 'vault-token', mountPath: '/var/run/secrets/tokens/vault', path: 'token', audience: 'vault', expirationSeconds: 3600 },
    ]);
    expect(ua.plugin.name).toBe('vault');
    expect(data(ua)).toEqual({
      vault_addr: 'https://vault:8200',
      pki_mount_point: 'pki',
      ca_cert_path: '/run/spire/vault-ca/ca.crt',
      k8s_auth: { k8s_auth_mount_point: 'kubernetes', k8s_auth_role_name: 'spire-server', token_path: '/var/run/secrets/tokens/vault/token' },
    });
  });

  test('vault with cert, AppRole and token auth; secrets never in the file', () => {
    const base = { vaultAddr: 'https://vault:8200', pkiMountPoint: 'pki-spire', namespace: 'team-a' };
    expect(data(UpstreamAuthority.vault({ ...base, auth: VaultAuth.cert({ roleName: 'spire', secretName: 'vault-client' }) }))).toEqual({
      ...{ vault_addr: 'https://vault:8200', pki_mount_point: 'pki-spire', namespace: 'team-a' },
      cert_auth: {
        cert_auth_mount_point: 'cert',
        cert_auth_role_name: 'spire',
        client_cert_path: '/run/spire/vault-client/tls.crt',
        client_key_path: '/run/spire/vault-client/tls.key',
      },
    });
    const appRole = UpstreamAuthority.vault({ ...base, auth: VaultAuth.appRole({ secretName: 'vault-approle' }) });
    expect((data(appRole) as Record<string, unknown>).approle_auth).toEqual({ approle_auth_mount_point: 'approle' });
    expect(appRole.podNeeds.secretEnv).toEqual([
      { env: 'VAULT_APPROLE_ID', secret: { name: 'vault-approle', key: 'role-id' } },
      { env: 'VAULT_APPROLE_SECRET_ID', secret: { name: 'vault-approle', key: 'secret-id' } },
    ]);
    const token = UpstreamAuthority.vault({ ...base, auth: VaultAuth.token({ secretName: 'vault-token' }) });
    expect((data(token) as Record<string, unknown>).token_auth).toEqual({});
    expect(token.podNeeds.secretEnv).toEqual([{ env: 'VAULT_TOKEN', secret: { name: 'vault-token', key: 'token' } }]);
    expect(JSON.stringify(data(token))).not.toContain('vault-token');
  });

  test('vault: TLS verification cannot be turned off', () => {
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'https://v', auth: VaultAuth.token({ secretName: 't' }), insecureSkipVerify: true })).toThrow(
      "Invalid 'vault.insecureSkipVerify': received true. Give 'caCert' (the Secret with Vault's CA certificate) instead",
    );
    const ub = UpstreamAuthority.vault({ vaultAddr: 'https://v', auth: VaultAuth.token({ secretName: 't' }) });
    expect(data(ub)).not.toHaveProperty('insecure_skip_verify');
  });

  test('vault: plain http, a mount path with slashes, bad Secret names and keys are refused', () => {
    const auth = VaultAuth.token({ secretName: 't' });
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'http://vault.vault.svc:8200', auth })).toThrow(
      "Invalid 'vault.vaultAddr': received \"http://vault.vault.svc:8200\". Use an https:// URL",
    );
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'https://v', auth, pkiMountPoint: '/pki/' })).toThrow(
      "Invalid 'vault.pkiMountPoint': received \"/pki/\". Use the mount path as Vault names it, without leading or trailing \"/\"",
    );
    expect(UpstreamAuthority.vault({ vaultAddr: 'https://v', auth, pkiMountPoint: 'pki_int' })).toBeDefined();
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'https://v', auth, caCert: { name: 'Vault_CA', key: 'ca.crt' } })).toThrow(
      "Invalid 'vault.caCert.name': received \"Vault_CA\". Use a Kubernetes object name",
    );
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'https://v', auth, caCert: { name: 'vault-ca', key: 'ca crt' } })).toThrow(
      "Invalid 'vault.caCert.key': received \"ca crt\". Use a Secret key",
    );
  });

  test('vault: fails on bad input', () => {
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'vault:8200', auth: VaultAuth.token({ secretName: 't' }) })).toThrow(/Invalid 'vault.vaultAddr': received "vault:8200". Use an https:\/\/ URL/);
    expect(() => UpstreamAuthority.vault({ vaultAddr: 'https://v', auth: undefined as unknown as VaultAuth })).toThrow(/Invalid 'vault.auth'/);
    expect(() => VaultAuth.kubernetes({ role: '' })).toThrow(/Invalid 'kubernetes.role'/);
  });

  test('cert-manager always writes issuer kind and group (validate needs them)', () => {
    expect(data(UpstreamAuthority.certManager({ namespace: 'spire', issuerName: 'ca' }))).toEqual({
      namespace: 'spire',
      issuer_name: 'ca',
      issuer_kind: 'Issuer',
      issuer_group: 'cert-manager.io',
    });
  });

  test('disk', () => {
    const ua = UpstreamAuthority.disk({ secretName: 'upstream-ca' });
    expect(data(ua)).toEqual({
      cert_file_path: '/run/spire/upstream-ca/ca.crt',
      key_file_path: '/run/spire/upstream-ca/ca.key',
    });
    expect(ua.podNeeds.secretFiles[0]).toEqual({
      volume: 'upstream-ca',
      secretName: 'upstream-ca',
      mountPath: '/run/spire/upstream-ca',
      items: [
        { key: 'tls.crt', path: 'ca.crt' },
        { key: 'tls.key', path: 'ca.key' },
      ],
    });
  });
});

describe('NodeAttestor', () => {
  test('k8s_psat server side', () => {
    const na = NodeAttestor.k8sPsat({ cluster: 'prod', serviceAccountAllowList: ['spire-system:spire-agent'] });
    expect(data(na)).toEqual({
      clusters: { prod: { service_account_allow_list: ['spire-system:spire-agent'], audience: ['spire-server'] } },
    });
    expect(na.cluster).toBe('prod');
  });

  test('k8s_psat fails without an allow list or with a malformed entry', () => {
    expect(() => NodeAttestor.k8sPsat({ cluster: 'prod', serviceAccountAllowList: [] })).toThrow(
      "Invalid 'k8sPsat.serviceAccountAllowList': received []. List at least one agent service account as \"namespace:serviceaccount\".",
    );
    expect(() => NodeAttestor.k8sPsat({ cluster: 'prod', serviceAccountAllowList: ['spire-agent'] })).toThrow(/received "spire-agent"/);
    expect(() => NodeAttestor.k8sPsat({ cluster: 'a/b', serviceAccountAllowList: ['a:b'] })).toThrow(/Invalid 'k8sPsat.cluster'/);
  });

  test('agent k8s_psat', () => {
    expect(data(AgentNodeAttestor.k8sPsat({ cluster: 'prod' }))).toEqual({ cluster: 'prod', token_path: '/var/run/secrets/tokens/spire-agent' });
  });

  test('join_token has no plugin data (validate refuses any key)', () => {
    expect(data(NodeAttestor.joinToken())).toEqual({});
  });
});

describe('WorkloadAttestor', () => {
  test('k8s verifies the kubelet by default, with SPIRE key names only', () => {
    expect(data(WorkloadAttestor.k8s())).toEqual({
      skip_kubelet_verification: false,
      kubelet_ca_path: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
      node_name_env: 'MY_NODE_NAME',
      disable_container_selectors: false,
      use_new_container_locator: true,
    });
  });

  test('k8s host cert and explicit skip', () => {
    expect(data(WorkloadAttestor.k8s({ kubeletVerification: KubeletVerification.hostCert('/host/kubelet-ca.crt') }))).toMatchObject({
      skip_kubelet_verification: false,
      kubelet_ca_path: '/host/kubelet-ca.crt',
    });
    const skipped = WorkloadAttestor.k8s({ kubeletVerification: KubeletVerification.skip('kind cluster with self-signed kubelet certs') });
    expect(data(skipped)).toMatchObject({ skip_kubelet_verification: true });
    expect(data(skipped)).not.toHaveProperty('kubelet_ca_path');
  });

  test('skipping verification needs a reason', () => {
    expect(() => KubeletVerification.skip('')).toThrow("Invalid 'skip.reason': received \"\". Skipping kubelet verification needs a reason of at least 10 characters.");
  });

  test('unix', () => {
    expect(data(WorkloadAttestor.unix())).toEqual({ discover_workload_path: false });
  });

  test('agent key managers', () => {
    expect(data(AgentKeyManager.memory())).toEqual({});
    expect(data(AgentKeyManager.disk({ directory: '/var/lib/spire' }))).toEqual({ directory: '/var/lib/spire' });
  });
});

describe('BundlePublisher', () => {
  test('k8s_configmap with explicit cluster entry (validate needs one)', () => {
    const bp = BundlePublisher.k8sConfigMap({ namespace: 'spire-system' });
    expect(data(bp)).toEqual({
      clusters: { local: { configmap_name: 'spire-bundle', configmap_key: 'bundle.crt', namespace: 'spire-system', format: 'pem' } },
    });
    expect(bp.configMap).toEqual({ namespace: 'spire-system', name: 'spire-bundle', key: 'bundle.crt', format: BundleFormat.PEM });
  });

  test('refresh hint between 1m and 24h', () => {
    expect(() => BundlePublisher.k8sConfigMap({ namespace: 'x', refreshHint: Duration.seconds(30) })).toThrow(/Invalid 'k8sConfigMap.refreshHint': received "30s"/);
    expect(data(BundlePublisher.k8sConfigMap({ namespace: 'x', refreshHint: Duration.minutes(5) }))).toMatchObject({
      clusters: { local: { refresh_hint: '5m' } },
    });
  });
});
