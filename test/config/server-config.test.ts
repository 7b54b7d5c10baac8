import { Duration } from 'cdk8s';
import {
  BundlePublisher,
  BundleEndpointProfile,
  DataStore,
  FederationBundleEndpoint,
  FederationRelationship,
  HealthChecks,
  KeyManager,
  KeyType,
  NodeAttestor,
  ServerConfig,
  ServerConfigProps,
  SpiffeId,
  Telemetry,
  TrustDomain,
  UpstreamAuthority,
  VaultAuth,
} from '../../src';

const td = TrustDomain.of('prod.example.com');
const minimal = (extra: Partial<ServerConfigProps> = {}): ServerConfig =>
  new ServerConfig({ trustDomain: td, dataStore: DataStore.postgres({ host: 'db' }), ...extra });
type Conf = Record<string, Record<string, unknown>>;

describe('ServerConfig', () => {
  test('defaults: audit log on, CA 24h, X509-SVID 1h, JWT-SVID 5m, health and Prometheus on', () => {
    const c = minimal().toObject() as Conf;
    expect(c.server).toEqual({
      trust_domain: 'prod.example.com',
      bind_address: '0.0.0.0',
      bind_port: 8081,
      data_dir: '/run/spire/data',
      socket_path: '/tmp/spire-server/private/api.sock',
      log_level: 'INFO',
      log_format: 'json',
      ca_ttl: '24h',
      default_x509_svid_ttl: '1h',
      default_jwt_svid_ttl: '5m',
      ca_key_type: 'ec-p256',
      audit_log_enabled: true,
    });
    expect(c.health_checks).toEqual({ listener_enabled: true, bind_address: '0.0.0.0', bind_port: '8080', live_path: '/live', ready_path: '/ready' });
    expect(c.telemetry).toEqual({ Prometheus: { host: '0.0.0.0', port: 9988 } });
    expect(Object.keys(c.plugins)).toEqual(['DataStore', 'KeyManager']);
    expect(c.plugins.KeyManager).toEqual([{ disk: { plugin_data: { keys_path: '/run/spire/data/keys.json' } } }]);
  });

  test('only top-level sections SPIRE accepts', () => {
    const c = minimal().toObject() as Conf;
    for (const key of Object.keys(c)) {
      expect(['server', 'plugins', 'health_checks', 'telemetry']).toContain(key);
    }
  });

  test('toJson is JSON SPIRE reads: starts with "{", $ escaped, no password (PGPASSWORD), deterministic', () => {
    const c = minimal({ caSubject: { organization: ['Price$Co'] } });
    const json = c.toJson();
    expect(json.startsWith('{')).toBe(true);
    expect(json).not.toContain('password');
    expect(json).toContain('"Price$$Co"');
    expect(json).not.toContain('null');
    expect(json).toBe(minimal({ caSubject: { organization: ['Price$Co'] } }).toJson());
    expect(c.envNames).toEqual([]);
  });

  test('a password variable other than PGPASSWORD is an environment reference the file reads', () => {
    const c = new ServerConfig({ trustDomain: td, dataStore: DataStore.postgres({ host: 'db', passwordEnv: 'SPIRE_DB_PASSWORD' }) });
    expect(c.toJson()).toContain('password=${SPIRE_DB_PASSWORD}');
    expect(c.envNames).toEqual(['SPIRE_DB_PASSWORD']);
  });

  test('full configuration renders every key with SPIRE names', () => {
    const c = new ServerConfig({
      trustDomain: td,
      dataStore: DataStore.postgres({ host: 'db' }),
      keyManager: KeyManager.memory(),
      upstreamAuthority: UpstreamAuthority.vault({ vaultAddr: 'https://vault:8200', auth: VaultAuth.kubernetes({ role: 'spire' }) }),
      nodeAttestors: [NodeAttestor.k8sPsat({ cluster: 'prod', serviceAccountAllowList: ['spire-system:spire-agent'] })],
      bundlePublishers: [BundlePublisher.k8sConfigMap({ namespace: 'spire-system' })],
      caTtl: Duration.hours(168),
      defaultX509SvidTtl: Duration.minutes(30),
      defaultJwtSvidTtl: Duration.minutes(2),
      agentTtl: Duration.hours(2),
      caKeyType: KeyType.EC_P384,
      jwtKeyType: KeyType.RSA_2048,
      caSubject: { country: ['DE'], organization: ['Example'], commonName: 'spire' },
      jwtIssuer: 'https://oidc.prod.example.com',
      adminIds: [SpiffeId.parse('spiffe://prod.example.com/admin')],
      federationBundleEndpoint: new FederationBundleEndpoint({ refreshHint: Duration.minutes(10) }),
      federatesWith: [
        FederationRelationship.httpsSpiffe({
          trustDomain: TrustDomain.of('partner.example'),
          bundleEndpointUrl: 'https://bundle.partner.example:8443',
          endpointSpiffeId: SpiffeId.parse('spiffe://partner.example/spire/server'),
        }),
      ],
      healthChecks: new HealthChecks({ bindPort: 8082 }),
      telemetry: Telemetry.prometheus({ port: 9090 }),
    });
    const o = c.toObject() as Conf;
    expect(o.server).toMatchObject({
      ca_ttl: '168h',
      default_x509_svid_ttl: '30m',
      default_jwt_svid_ttl: '2m',
      agent_ttl: '2h',
      ca_key_type: 'ec-p384',
      jwt_key_type: 'rsa-2048',
      ca_subject: { country: ['DE'], organization: ['Example'], common_name: 'spire' },
      jwt_issuer: 'https://oidc.prod.example.com',
      admin_ids: ['spiffe://prod.example.com/admin'],
      federation: {
        bundle_endpoint: { address: '0.0.0.0', port: 8443, refresh_hint: '10m', profile: { https_spiffe: {} } },
        federates_with: {
          'partner.example': {
            bundle_endpoint_url: 'https://bundle.partner.example:8443',
            bundle_endpoint_profile: { https_spiffe: { endpoint_spiffe_id: 'spiffe://partner.example/spire/server' } },
          },
        },
      },
    });
    expect(Object.keys(o.plugins).sort()).toEqual(['BundlePublisher', 'DataStore', 'KeyManager', 'NodeAttestor', 'UpstreamAuthority']);
    expect(o.health_checks).toMatchObject({ bind_port: '8082' });
    expect(o.telemetry).toEqual({ Prometheus: { host: '0.0.0.0', port: 9090 } });
  });

  test('https_web profiles', () => {
    const acme = new FederationBundleEndpoint({
      profile: BundleEndpointProfile.httpsWebAcme({ domainName: 'b.example.com', email: 'ops@example.com', tosAccepted: true }),
    });
    expect(acme._render().profile).toEqual({ https_web: { acme: { domain_name: 'b.example.com', email: 'ops@example.com', tos_accepted: true } } });
    const files = new FederationBundleEndpoint({ profile: BundleEndpointProfile.httpsWebServingCert('/c/tls.crt', '/c/tls.key') });
    expect(files._render().profile).toEqual({ https_web: { serving_cert_file: { cert_file_path: '/c/tls.crt', key_file_path: '/c/tls.key' } } });
    expect(() => BundleEndpointProfile.httpsWebAcme({ domainName: 'x', email: 'y', tosAccepted: false })).toThrow(/Invalid 'acme.tosAccepted'/);
    expect(() =>
      FederationRelationship.httpsWeb({ trustDomain: TrustDomain.of('p.example'), bundleEndpointUrl: 'http://p.example/bundle' }),
    ).toThrow("Invalid 'httpsWeb.bundleEndpointUrl': received \"http://p.example/bundle\". Use an https:// URL with a host and no user info.");
  });

  describe('cross-field rules', () => {
    test('fails on sqlite with more than one replica', () => {
      expect(() => new ServerConfig({ trustDomain: td, dataStore: DataStore.sqlite(), replicas: 3 })).toThrow(
        "Invalid 'replicas': received 3. DataStore 'sqlite3' cannot be shared by several servers; use 1 replica or DataStore.postgres({...}).",
      );
      expect(() => new ServerConfig({ trustDomain: td, dataStore: DataStore.sqlite(), replicas: 1 })).not.toThrow();
      expect(() => minimal({ replicas: 3 })).not.toThrow();
    });

    test('fails on an X509-SVID TTL above caTtl/6', () => {
      expect(() => minimal({ caTtl: Duration.hours(24), defaultX509SvidTtl: Duration.hours(5) })).toThrow(
        "Invalid 'defaultX509SvidTtl': received \"5h\". Use at most 4h ('caTtl'/6 with 'caTtl' 24h, capped at 7 days), or SPIRE shortens SVIDs; raise 'caTtl' or lower 'defaultX509SvidTtl'.",
      );
      expect(() => minimal({ caTtl: Duration.hours(24), defaultX509SvidTtl: Duration.hours(4) })).not.toThrow();
    });

    test('fails on a JWT-SVID or agent TTL above caTtl/6', () => {
      expect(() => minimal({ caTtl: Duration.hours(6), defaultJwtSvidTtl: Duration.hours(2) })).toThrow(/Invalid 'defaultJwtSvidTtl': received "2h"/);
      expect(() => minimal({ caTtl: Duration.hours(6), defaultX509SvidTtl: Duration.minutes(30), agentTtl: Duration.hours(2) })).toThrow(/Invalid 'agentTtl'/);
    });

    test('the 7-day cap applies to long CA lifetimes', () => {
      expect(() => minimal({ caTtl: Duration.days(60), defaultX509SvidTtl: Duration.days(8) })).toThrow(/Use at most 168h/);
    });

    test('fails on admin IDs outside the trust domain', () => {
      expect(() => minimal({ adminIds: [SpiffeId.parse('spiffe://other.org/admin')] })).toThrow(
        "Invalid 'adminIds': received \"spiffe://other.org/admin\". Admin IDs must be in trust domain \"prod.example.com\" or a federated one.",
      );
    });

    test('fails on federating with itself', () => {
      expect(() =>
        minimal({ federatesWith: [FederationRelationship.httpsWeb({ trustDomain: td, bundleEndpointUrl: 'https://x' })] }),
      ).toThrow(/A server does not federate with its own trust domain/);
    });

    test('fails on a plugin declared twice', () => {
      const na = NodeAttestor.k8sPsat({ cluster: 'a', serviceAccountAllowList: ['a:b'] });
      expect(() => minimal({ nodeAttestors: [na, na] })).toThrow('Plugin NodeAttestor "k8s_psat" is declared twice');
    });

    test('fails on a missing trust domain or datastore', () => {
      expect(() => new ServerConfig({ trustDomain: 'x' as unknown as TrustDomain, dataStore: DataStore.sqlite() })).toThrow(
        "Invalid 'trustDomain': received \"x\". Use TrustDomain.of('example.org').",
      );
      expect(() => new ServerConfig({ trustDomain: td, dataStore: undefined as unknown as DataStore })).toThrow(/Invalid 'dataStore'/);
    });

    test('fails on bad ports and paths', () => {
      expect(() => minimal({ bindPort: 0 })).toThrow("Invalid 'bindPort': received 0. Use a TCP port between 1 and 65535.");
      expect(() => minimal({ dataDir: 'data' })).toThrow(/Invalid 'dataDir'/);
      expect(() => minimal({ caSubject: { country: ['Germany'] } })).toThrow(/Invalid 'caSubject.country': received "Germany"/);
    });
  });
});
