import { Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  DataStore,
  Images,
  Mesh,
  MeshPolicy,
  NodeAttestor,
  pinnedImage,
  PostgresDatabase,
  PostgresSslMode,
  RolloutStage,
  ServerConfig,
  SpireServer,
  StaticIdentity,
  TrustDomain,
  WorkloadIdentity,
  Selector,
  SpiffeId,
  SpiffeIdScheme,
} from '../src';

const td = TrustDomain.of('prod.example.com');

function world() {
  const chart = new Chart(Testing.app(), 'c');
  const server = new SpireServer(chart, 'server', { trustDomain: td, clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const mk = (name: string, scope: Chart = chart) => {
    const id = new WorkloadIdentity(scope, name, { server, namespace: 'shop', serviceAccount: name });
    id.bind(new plus.Deployment(scope, `${name}-d`, { metadata: { namespace: 'shop' }, containers: [{ image: `example/${name}:1.0.0`, portNumber: 8080 }] }));
    return id;
  };
  return { chart, server, mk };
}

describe('issue #18: dangerous input refused with the prop, the value and what to do', () => {
  test('a wildcard DNS SAN needs a written reason', () => {
    const { chart, server } = world();
    expect(() => new WorkloadIdentity(chart, 'w', { server, namespace: 'shop', serviceAccount: 'web', dnsNames: ['*.shop.example.com'] })).toThrow(
      "Invalid 'dnsNames': received \"*.shop.example.com\". A wildcard DNS name lets this workload's SVID serve as every host under shop.example.com",
    );
    const ok = new WorkloadIdentity(chart, 'w2', { server, namespace: 'shop', serviceAccount: 'web2', dnsNames: ['*.shop.example.com'], wildcardDnsNamesReason: 'the ingress serves every shop tenant host' });
    expect(ok.dnsNames).toEqual(['*.shop.example.com']);
    expect(() => new StaticIdentity(chart, 's', {
      server, spiffeId: SpiffeId.parse('spiffe://prod.example.com/static/x'), parentId: SpiffeId.parse('spiffe://prod.example.com/spire/agent/x'), selectors: [Selector.unix('uid', '1000'), Selector.unix('gid', '1000')], dnsNames: ['*.x.example.com'],
    })).toThrow(/Invalid 'dnsNames': received "\*\.x\.example\.com"/);
  });

  test('an external PostgreSQL without certificate verification is refused at construction, naming sslMode', () => {
    for (const sslMode of [PostgresSslMode.DISABLE, PostgresSslMode.REQUIRE]) {
      expect(() => PostgresDatabase.external({ host: 'db.example.com', passwordSecret: { name: 'db', key: 'password' }, sslMode })).toThrow(`Invalid 'external.sslMode': received "${sslMode}".`);
    }
  });

  test('join_token on an HA server is refused', () => {
    expect(() => new ServerConfig({
      trustDomain: td, replicas: 3, dataStore: DataStore.postgres({ host: 'db', passwordEnv: 'PGPASSWORD' }), nodeAttestors: [NodeAttestor.joinToken()],
    } as never)).toThrow(/Invalid 'nodeAttestors': received "join_token"\. Join tokens are one-time secrets/);
  });

  test('a malformed Linkerd probe network is refused', () => {
    expect(() => Mesh.linkerd({ probeNetworks: ['10.0.0.0'] })).toThrow("Invalid 'probeNetworks': received \"10.0.0.0\".");
  });

  test('a callee from another App, and Istio and Linkerd policies on one callee, are refused', () => {
    const { chart, mk } = world();
    const a = mk('a');
    const b = mk('b');
    const elsewhere = world();
    const foreignApp = elsewhere.mk('x');
    const istio = new MeshPolicy(chart, 'istio', { mesh: Mesh.istio({ cni: true }), stage: RolloutStage.ENFORCE });
    expect(() => istio.allow(a, foreignApp)).toThrow(/Invalid 'callee': received "spiffe:\/\/prod\.example\.com\/ns\/shop\/sa\/x"\. 'c\/x' is declared in another cdk8s App than this policy/);
    istio.allow(a, b);
    const linkerd = new MeshPolicy(chart, 'linkerd', { mesh: Mesh.linkerd({ cni: true }), stage: RolloutStage.ENFORCE });
    expect(() => linkerd.allow(a, b)).toThrow(/Invalid 'callee': received "spiffe:\/\/prod\.example\.com\/ns\/shop\/sa\/b"\. 'c\/istio' already renders istio policy for this callee/);
  });
});

describe('issue #18: scanner findings', () => {
  test('images can be pinned by digest; a bad digest is refused', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(pinnedImage(Images.SPIRE_SERVER, digest)).toBe(`ghcr.io/spiffe/spire-server:1.15.3@${digest}`);
    expect(() => pinnedImage(Images.SPIRE_SERVER, 'sha256:abc')).toThrow("Invalid 'digest': received \"sha256:abc\".");
    expect(() => pinnedImage(`${Images.SPIRE_SERVER}@${digest}`, digest)).toThrow(/Invalid 'image'/);
  });
});

test('issue #18: a pod name in fixedPath is refused (it changes with every pod); ordinary names are not', () => {
  expect(() => SpiffeIdScheme.fixedPath('/payments/payment-service-7d9f8b6c5-x2kqz')).toThrow(
    'Invalid \'fixedPath\': received "/payments/payment-service-7d9f8b6c5-x2kqz". "payment-service-7d9f8b6c5-x2kqz" looks like a pod name',
  );
  for (const ok of ['/payments/payment-service', '/batch/nightly-report', '/payments/order-service-v2', '/ns/prod-eu-1/sa/web']) {
    expect(() => SpiffeIdScheme.fixedPath(ok)).not.toThrow();
  }
});

test('issue #18: a malformed Vault CIDR is refused at construction', () => {
  const chart = new Chart(Testing.app(), 'c');
  expect(() => new SpireServer(chart, 'server', { trustDomain: td, clusterName: 'prod', database: PostgresDatabase.cloudNativePg(), networkPolicy: { vaultCidr: '10.0.0.0/33' } })).toThrow(
    "Invalid 'networkPolicy.vaultCidr': received \"10.0.0.0/33\".",
  );
});
