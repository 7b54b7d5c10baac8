import { Duration } from 'cdk8s';
import {
  AgentConfig,
  AgentConfigProps,
  AgentKeyManager,
  AgentNodeAttestor,
  BundleFormat,
  KeyType,
  SpiffeId,
  TrustBundleSource,
  TrustDomain,
  WorkloadAttestor,
} from '../../src';

const td = TrustDomain.of('prod.example.com');
const agent = (extra: Partial<AgentConfigProps> = {}): AgentConfig =>
  new AgentConfig({
    trustDomain: td,
    serverAddress: 'spire-server.spire-server.svc',
    nodeAttestor: AgentNodeAttestor.k8sPsat({ cluster: 'prod' }),
    workloadAttestors: [WorkloadAttestor.k8s()],
    ...extra,
  });
type Conf = Record<string, Record<string, unknown>>;

describe('AgentConfig', () => {
  test('defaults', () => {
    const o = agent().toObject() as Conf;
    expect(o.agent).toEqual({
      trust_domain: 'prod.example.com',
      server_address: 'spire-server.spire-server.svc',
      server_port: 8081,
      data_dir: '/var/lib/spire',
      socket_path: '/run/spire/agent-sockets/spire-agent.sock',
      log_level: 'INFO',
      log_format: 'json',
      trust_bundle_path: '/run/spire/bundle/bundle.crt',
      trust_bundle_format: 'pem',
    });
    expect(o.plugins).toEqual({
      KeyManager: [{ memory: { plugin_data: {} } }],
      NodeAttestor: [{ k8s_psat: { plugin_data: { cluster: 'prod', token_path: '/var/run/secrets/tokens/spire-agent' } } }],
      WorkloadAttestor: [
        {
          k8s: {
            plugin_data: {
              disable_container_selectors: false,
              kubelet_ca_path: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
              node_name_env: 'MY_NODE_NAME',
              skip_kubelet_verification: false,
              use_new_container_locator: true,
            },
          },
        },
      ],
    });
  });

  test('options users ask for', () => {
    const o = agent({
      sds: { defaultSvidName: 'svid', defaultBundleName: 'ROOTCA', defaultAllBundlesName: 'ALL', disableSpiffeCertValidation: true },
      availabilityTarget: Duration.hours(24),
      x509SvidCacheMaxSize: 5000,
      jwtSvidCacheMaxSize: 2000,
      workloadX509SvidKeyType: KeyType.EC_P384,
      adminSocketPath: '/tmp/spire-agent/private/admin.sock',
      authorizedDelegates: [SpiffeId.parse('spiffe://prod.example.com/ns/istio-system/sa/ztunnel')],
      keyManager: AgentKeyManager.disk({ directory: '/var/lib/spire' }),
      workloadAttestors: [WorkloadAttestor.k8s(), WorkloadAttestor.unix()],
      trustBundle: TrustBundleSource.file('/run/spire/bundle/bundle.spiffe', BundleFormat.SPIFFE),
    }).toObject() as Conf;
    expect(o.agent).toMatchObject({
      sds: { default_svid_name: 'svid', default_bundle_name: 'ROOTCA', default_all_bundles_name: 'ALL', disable_spiffe_cert_validation: true },
      availability_target: '24h',
      x509_svid_cache_max_size: 5000,
      jwt_svid_cache_max_size: 2000,
      workload_x509_svid_key_type: 'ec-p384',
      admin_socket_path: '/tmp/spire-agent/private/admin.sock',
      authorized_delegates: ['spiffe://prod.example.com/ns/istio-system/sa/ztunnel'],
      trust_bundle_path: '/run/spire/bundle/bundle.spiffe',
      trust_bundle_format: 'spiffe',
    });
    expect((o.plugins.WorkloadAttestor as unknown[]).length).toBe(2);
  });

  test('rendered without -expandEnv: $ stays literal', () => {
    const json = agent({ serverAddress: 'spire$server' }).toJson();
    expect(json).toContain('"spire$server"');
  });

  test('fails when the admin socket is beside or below the Workload API socket', () => {
    expect(() => agent({ adminSocketPath: '/run/spire/agent-sockets/admin.sock' })).toThrow(
      "Invalid 'adminSocketPath': received \"/run/spire/agent-sockets/admin.sock\". The admin socket must not be in or below the Workload API socket's directory (/run/spire/agent-sockets)",
    );
    expect(() => agent({ adminSocketPath: '/run/spire/agent-sockets/private/admin.sock' })).toThrow(/must not be in or below/);
    expect(() => agent({ adminSocketPath: '/run/spire/agent-admin/admin.sock' })).not.toThrow();
  });

  test('fails on an availability target below 24h', () => {
    expect(() => agent({ availabilityTarget: Duration.hours(12) })).toThrow("Invalid 'availabilityTarget': received \"12h\". Use at least 24h (SPIRE refuses less).");
  });

  test('fails without workload attestors, with duplicates, or with foreign delegates', () => {
    expect(() => agent({ workloadAttestors: [] })).toThrow("Invalid 'workloadAttestors': received []. List at least one, e.g. [WorkloadAttestor.k8s()].");
    expect(() => agent({ workloadAttestors: [WorkloadAttestor.unix(), WorkloadAttestor.unix()] })).toThrow(/Each workload attestor appears once/);
    expect(() => agent({ authorizedDelegates: [SpiffeId.parse('spiffe://other.org/x')] })).toThrow(/Delegates must be in trust domain/);
  });

  test('fails on bad cache sizes, key type and SDS names', () => {
    expect(() => agent({ x509SvidCacheMaxSize: -1 })).toThrow(/Invalid 'x509SvidCacheMaxSize': received -1/);
    expect(() => agent({ workloadX509SvidKeyType: KeyType.RSA_4096 })).toThrow(/Agents accept rsa-2048, ec-p256 or ec-p384/);
    expect(() => agent({ sds: { defaultAllBundlesName: 'ROOTCA' } })).toThrow(/Invalid 'sds.defaultAllBundlesName'/);
  });

  test('trust bundle sources', () => {
    expect(TrustBundleSource.url('https://bundle.example.com')._render()).toEqual({ trust_bundle_url: 'https://bundle.example.com', trust_bundle_format: 'pem' });
    expect(() => TrustBundleSource.file('/b', BundleFormat.JWKS)).toThrow(/Agents read 'pem' or 'spiffe'/);
  });
});
