import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Duration, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import {
  ANY,
  BundleEndpointAuth,
  FederatedTrustDomain,
  PostgresDatabase,
  Selector,
  SpiffeId,
  SpiffeIdScheme,
  SpireServer,
  StaticIdentity,
  TrustDomain,
  WorkloadIdentity,
  WorkloadIdentityProps,
} from '../../src';
import { all, one } from '../util/synth';
import { expectValidManifests, KubeObject } from '../util/validate';

const PARTNER_BUNDLE = fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'partner-bundle.json'), 'utf8');

function setup() {
  const app = Testing.app();
  const chart = new Chart(app, 'c');
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod-eu-1', database: PostgresDatabase.cloudNativePg() });
  return { app, chart, server };
}
function identity(props: Partial<WorkloadIdentityProps> = {}) {
  const s = setup();
  const id = new WorkloadIdentity(s.chart, 'id', { server: s.server, namespace: 'payments', serviceAccount: 'order-service', ...props });
  return { ...s, id, objects: Testing.synth(s.chart) as KubeObject[] };
}
/** Runs the app's validations like `cdk8s synth` does. */
function synthApp(app: App): void {
  app.synthYaml();
}

describe('WorkloadIdentity rendering', () => {
  test('default: ClusterSPIFFEID pinning namespace and service account, ns/sa ID, 1h and 5m, server className', () => {
    const { id, objects } = identity();
    const c = one(objects, 'ClusterSPIFFEID');
    expect(c.metadata).toEqual({ name: 'payments-order-service' });
    expect(c.spec).toEqual({
      className: 'spire-server-spire',
      hint: 'payments-order-service',
      spiffeIDTemplate: 'spiffe://prod.example.com/ns/payments/sa/order-service',
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'payments' } },
      // The controller manager selects pods by labels only and renders an entry per selected pod:
      // this label keeps other service accounts' pods from getting entries (proved in e2e/).
      podSelector: { matchLabels: { 'spire-constructs.io/service-account': 'order-service' } },
      workloadSelectorTemplates: ['k8s:ns:payments', 'k8s:sa:order-service'],
      ttl: '1h',
      jwtTtl: '5m',
    });
    expect(id.spiffeId.uri).toBe('spiffe://prod.example.com/ns/payments/sa/order-service');
    expect(id.node.defaultChild).toBe(id.resource);
    expectValidManifests(objects);
  });

  test('extra pins: pod labels and container name', () => {
    const { objects } = identity({ podLabels: { 'app.kubernetes.io/name': 'order' }, containerName: 'app' });
    const c = one(objects, 'ClusterSPIFFEID');
    expect(c.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'order', 'spire-constructs.io/service-account': 'order-service' } });
    expect(c.spec.workloadSelectorTemplates).toEqual(['k8s:ns:payments', 'k8s:sa:order-service', 'k8s:pod-label:app.kubernetes.io/name:order', 'k8s:container-name:app']);
    expectValidManifests(objects);
  });

  test('a TTL SPIRE would silently shorten (above caTtl/6) is refused, even with a reason', () => {
    expect(() => identity({ x509SvidTtl: Duration.hours(5), longTtlReason: 'legacy batch job that cannot rotate mid-run' })).toThrow(
      "Invalid 'x509SvidTtl': received \"5h\". The server's signing CA lives 24h and SPIRE would silently shorten this SVID; use at most caTtl/6 (4h), or raise the server's caTtl.",
    );
  });

  test('an identity in a namespace the controller manager ignores is refused (it would never be issued)', () => {
    for (const ns of ['kube-system', 'spire-server', 'spire-system']) {
      expect(() => identity({ namespace: ns })).toThrow(`Invalid 'namespace': received "${ns}". The controller manager ignores this namespace`);
    }
  });

  test('an environment is one path segment', () => {
    expect(() => SpiffeIdScheme.environment('prod/eu')).toThrow('Invalid \'environment\': received "prod/eu". Use one path segment');
  });

  test('naming schemes', () => {
    const env = identity({ idScheme: SpiffeIdScheme.environment('prod') }).id.spiffeId.uri;
    expect(env).toBe('spiffe://prod.example.com/env/prod/ns/payments/sa/order-service');
    expect(identity({ idScheme: SpiffeIdScheme.cluster() }).id.spiffeId.uri).toBe('spiffe://prod.example.com/cluster/prod-eu-1/ns/payments/sa/order-service');
    expect(identity({ idScheme: SpiffeIdScheme.fixedPath('/payments/order') }).id.spiffeId.uri).toBe('spiffe://prod.example.com/payments/order');
  });

  test('DNS names, federatesWith, short TTLs, admin with a reason', () => {
    const s = setup();
    const partner = new FederatedTrustDomain(s.chart, 'partner', {
      server: s.server,
      trustDomain: TrustDomain.of('partner.example'),
      bundleEndpointUrl: 'https://spire-bundle.partner.example:8443',
      auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse('spiffe://partner.example/spire/server')),
      bootstrapBundleSetManually: true,
    });
    new WorkloadIdentity(s.chart, 'id', {
      server: s.server,
      namespace: 'payments',
      serviceAccount: 'order-service',
      dnsNames: ['order-service.payments.svc', '*.orders.example.com'],
      wildcardDnsNamesReason: 'the orders ingress serves every tenant host',
      federatesWith: [partner],
      x509SvidTtl: Duration.minutes(15),
      jwtSvidTtl: Duration.minutes(1),
      adminReason: 'tenant operator that manages entries',
    });
    const objects = Testing.synth(s.chart) as KubeObject[];
    const c = one(objects, 'ClusterSPIFFEID');
    expect(c.spec).toMatchObject({
      dnsNameTemplates: ['order-service.payments.svc', '*.orders.example.com'],
      federatesWith: ['partner.example'],
      ttl: '15m',
      jwtTtl: '1m',
      admin: true,
    });
    const f = one(objects, 'ClusterFederatedTrustDomain');
    expect(f.spec).toEqual({
      className: 'spire-server-spire',
      trustDomain: 'partner.example',
      bundleEndpointURL: 'https://spire-bundle.partner.example:8443',
      bundleEndpointProfile: { type: 'https_spiffe', endpointSPIFFEID: 'spiffe://partner.example/spire/server' },
    });
    expect(s.server.federationBundleEndpointEnabled).toBe(true);
    expectValidManifests(objects);
  });

  test('a TTL above 1h is accepted with a reason, which is recorded', () => {
    const { id } = identity({ x509SvidTtl: Duration.hours(4), longTtlReason: 'legacy batch job that cannot rotate mid-run' });
    expect(id.exceptions).toEqual({ longTtl: 'legacy batch job that cannot rotate mid-run' });
  });
});

describe('WorkloadIdentity refuses loose or unsafe forms', () => {
  test('any service account in a namespace', () => {
    expect(() => identity({ serviceAccount: ANY })).toThrow(
      "Invalid 'serviceAccount': received \"*\". This selects a whole namespace: the wrong workload could pick up this identity. Pin a namespace and a service account, or give 'allowBroadSelector' a written reason (at least 10 characters).",
    );
  });

  test('all namespaces', () => {
    expect(() => identity({ namespace: ANY })).toThrow(/Invalid 'namespace': received "\*". This selects every namespace:/);
    expect(() => identity({ namespace: ANY, serviceAccount: ANY, podLabels: { app: 'x' } })).toThrow(/This selects every namespace and service account/);
  });

  test('loose selection with a reason needs a fixed path and is recorded', () => {
    expect(() => identity({ serviceAccount: ANY, allowBroadSelector: 'shared batch namespace, one identity' })).toThrow(/Loose selection needs SpiffeIdScheme.fixedPath/);
    const { id, objects } = identity({ serviceAccount: ANY, allowBroadSelector: 'shared batch namespace, one identity', idScheme: SpiffeIdScheme.fixedPath('/batch') });
    expect(id.exceptions.broadSelector).toBe('shared batch namespace, one identity');
    expect(one(objects, 'ClusterSPIFFEID').spec.workloadSelectorTemplates).toEqual(['k8s:ns:payments']);
  });

  test('a short reason is not a reason', () => {
    expect(() => identity({ serviceAccount: ANY, allowBroadSelector: 'because' })).toThrow(
      "Invalid 'allowBroadSelector': received \"because\". This identity selects a whole namespace; the exception needs a written reason of at least 10 characters.",
    );
    expect(() => identity({ serviceAccount: ANY })).toThrow(/give 'allowBroadSelector' a written reason/);
  });

  test('a sub-second TTL names the prop', () => {
    expect(() => identity({ x509SvidTtl: Duration.millis(1500) })).toThrow(/Invalid 'x509SvidTtl'.*Use whole seconds, at least 1m./);
  });

  test('TTL above 1h without a reason', () => {
    expect(() => identity({ x509SvidTtl: Duration.hours(2) })).toThrow(
      "Invalid 'x509SvidTtl': received \"2h\". X509-SVIDs live at most 1h, so a stolen one is useless soon. Give 'longTtlReason' a written reason (at least 10 characters) to go above.",
    );
  });

  test('admin and downstream only with a reason', () => {
    expect(() => identity({ adminReason: 'x' })).toThrow("Invalid 'adminReason': received \"x\". Give a written reason of at least 10 characters.");
    expect(() => identity({ downstreamReason: '' })).toThrow(/Invalid 'downstreamReason'/);
  });

  test('IP addresses in IDs are refused; bad names and DNS names too', () => {
    expect(() => SpiffeIdScheme.fixedPath('/node/10.0.0.12')).toThrow(/"10.0.0.12" is an IP address; a SPIFFE ID names what a workload is, never where it runs/);
    expect(() => SpiffeIdScheme.environment('10.1.2.3')).toThrow(/is an IP address/);
    expect(() => SpiffeIdScheme.fixedPath('/spire/agent')).not.toThrow();
    expect(() => identity({ idScheme: SpiffeIdScheme.fixedPath('/spire/x') })).toThrow(/outside \/spire/);
    expect(() => identity({ namespace: 'Payments' })).toThrow(/Invalid 'namespace': received "Payments"/);
    expect(() => identity({ dnsNames: ['bad_name.example.com'] })).toThrow(/Invalid 'dnsNames': received "bad_name.example.com"/);
    expect(() => identity({ dnsNames: ['a.*.example.com'] })).toThrow(/Invalid 'dnsNames'/);
  });
});

describe('cross-app checks at synth', () => {
  test('the same SPIFFE ID twice fails synth naming both constructs', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'order-service' });
    new WorkloadIdentity(chart, 'b', { server, namespace: 'payments', serviceAccount: 'order-service', name: 'other-name' });
    expect(() => synthApp(app)).toThrow(/SPIFFE ID spiffe:\/\/prod.example.com\/ns\/payments\/sa\/order-service is declared twice: by 'c\/a' and 'c\/b'/);
  });

  test('overlapping selectors fail synth naming both constructs', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'order-service' });
    new WorkloadIdentity(chart, 'b', {
      server,
      namespace: 'payments',
      serviceAccount: ANY,
      allowBroadSelector: 'legacy jobs share this namespace',
      idScheme: SpiffeIdScheme.fixedPath('/payments/jobs'),
    });
    expect(() => synthApp(app)).toThrow(/Identities 'c\/a' .* and 'c\/b' .* can select the same pod/);
  });

  test('two identities of any namespace with the same service account overlap (and each is checked against the namespaced ones)', () => {
    const { app, chart, server } = setup();
    const broad = (id: string, idPath: string) => new WorkloadIdentity(chart, id, {
      server,
      namespace: ANY,
      serviceAccount: 'batch',
      allowBroadSelector: 'one batch service account across tenant namespaces',
      idScheme: SpiffeIdScheme.fixedPath(idPath),
      name: id,
    });
    broad('any-1', '/batch/one');
    new WorkloadIdentity(chart, 'jobs', { server, namespace: 'jobs', serviceAccount: 'batch', podLabels: { app: 'batch' } });
    broad('any-2', '/batch/two');
    let message = '';
    try {
      synthApp(app);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/\[c\/jobs\] Identities 'c\/any-1' .* and 'c\/jobs' .* can select the same pod/);
    // Reported in registration order: the first broad identity, then the namespaced one.
    expect(message).toMatch(/\[c\/any-2\] Identities 'c\/any-1' .* and 'c\/any-2' .* can select the same pod[^]*\[c\/any-2\] Identities 'c\/jobs' .* and 'c\/any-2'/);
  });

  test('identities added after a synth are checked against every earlier one (conflicts found as they come, the earlier results kept)', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'order-service' });
    new WorkloadIdentity(chart, 'wild', { server, namespace: 'jobs', serviceAccount: ANY, allowBroadSelector: 'legacy jobs share this namespace', idScheme: SpiffeIdScheme.fixedPath('/jobs') });
    expect(() => synthApp(app)).not.toThrow();
    new WorkloadIdentity(chart, 'b', { server, namespace: 'payments', serviceAccount: 'order-service', name: 'other-name' });
    new WorkloadIdentity(chart, 'c', { server, namespace: 'jobs', serviceAccount: 'batch', podLabels: { app: 'batch' } });
    let message = '';
    try {
      synthApp(app);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/\[c\/b\] SPIFFE ID spiffe:\/\/prod.example.com\/ns\/payments\/sa\/order-service is declared twice: by 'c\/a' and 'c\/b'/);
    expect(message).toMatch(/\[c\/c\] Identities 'c\/wild' .* and 'c\/c' .* can select the same pod/);
    expect(message).not.toMatch(/\[c\/(a|wild)\]/);
  });

  test('different pod labels or containers do not overlap; different namespaces do not', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'api', podLabels: { tier: 'a' }, idScheme: SpiffeIdScheme.fixedPath('/a'), name: 'payments-api-a' });
    new WorkloadIdentity(chart, 'b', { server, namespace: 'payments', serviceAccount: 'api', podLabels: { tier: 'b' }, idScheme: SpiffeIdScheme.fixedPath('/b'), name: 'payments-api-b' });
    new WorkloadIdentity(chart, 'c', { server, namespace: 'orders', serviceAccount: 'api' });
    expect(() => synthApp(app)).not.toThrow();
  });

  test('two identities rendering the same object name fail synth, naming both constructs', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'api', podLabels: { tier: 'a' }, idScheme: SpiffeIdScheme.fixedPath('/a') });
    new WorkloadIdentity(chart, 'b', { server, namespace: 'payments', serviceAccount: 'api', podLabels: { tier: 'b' }, idScheme: SpiffeIdScheme.fixedPath('/b') });
    expect(() => synthApp(app)).toThrow(
      "Two objects are spire.spiffe.io/ClusterSPIFFEID payments-api: 'c/a/Resource' and 'c/b/Resource'. The API server keeps only the one applied last",
    );
  });

  test('two stacks in one app with the same object names fail synth', () => {
    const app = Testing.app();
    const props = { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod-eu-1', database: PostgresDatabase.cloudNativePg() };
    new SpireServer(new Chart(app, 'one'), 'server', props);
    new SpireServer(new Chart(app, 'two'), 'server', props);
    expect(() => synthApp(app)).toThrow(/Two objects are apps\/StatefulSet spire-server\/spire-server: 'one\/server\/Resource' and 'two\/server\/Resource'/);
  });

  test('same service account name in another namespace is a different identity', () => {
    const { app, chart, server } = setup();
    new WorkloadIdentity(chart, 'a', { server, namespace: 'payments', serviceAccount: 'api' });
    new WorkloadIdentity(chart, 'b', { server, namespace: 'shop', serviceAccount: 'api' });
    expect(() => synthApp(app)).not.toThrow();
  });
});

describe('bind', () => {
  function deployment(chart: Chart, props: Partial<plus.DeploymentProps> = {}) {
    return new plus.Deployment(chart, 'order', {
      metadata: { namespace: 'payments' },
      containers: [{ name: 'app', image: 'example/order:1.0.0' }],
      ...props,
    });
  }

  test('sets the service account, mounts the Workload API and sets SPIFFE_ENDPOINT_SOCKET', () => {
    const { chart, server } = setup();
    const id = new WorkloadIdentity(chart, 'id', { server, namespace: 'payments', serviceAccount: 'order-service', podLabels: { app: 'order' } });
    id.bind(deployment(chart));
    const d = one(Testing.synth(chart) as KubeObject[], 'Deployment');
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).toBe('order-service');
    expect(pod.volumes).toEqual([{ name: 'spiffe-workload-api', csi: { driver: 'csi.spiffe.io', readOnly: true } }]);
    expect(pod.containers[0].env).toEqual([{ name: 'SPIFFE_ENDPOINT_SOCKET', value: 'unix:///spiffe-workload-api/spire-agent.sock' }]);
    expect(d.spec.template.metadata.labels.app).toBe('order');
    // The label the ClusterSPIFFEID's podSelector requires.
    expect(d.spec.template.metadata.labels['spire-constructs.io/service-account']).toBe('order-service');
    const c = one(Testing.synth(chart) as KubeObject[], 'ClusterSPIFFEID');
    for (const [k, v] of Object.entries(c.spec.podSelector.matchLabels)) expect(d.spec.template.metadata.labels[k]).toBe(v);
  });

  test('keeps a matching service account, refuses a different one', () => {
    const { chart, server } = setup();
    const id = new WorkloadIdentity(chart, 'id', { server, namespace: 'payments', serviceAccount: 'order-service' });
    const other = new plus.ServiceAccount(chart, 'sa', { metadata: { name: 'billing', namespace: 'payments' } });
    expect(() => id.bind(deployment(chart, { serviceAccount: other }))).toThrow(
      "Invalid 'workload serviceAccount': received \"billing\". Workload 'c/order' runs as service account \"billing\", but identity 'c/id' is for \"order-service\".",
    );
  });

  test('refuses a workload in another namespace and a missing pinned container', () => {
    const { chart, server } = setup();
    const id = new WorkloadIdentity(chart, 'id', { server, namespace: 'shop', serviceAccount: 'order-service' });
    expect(() => id.bind(deployment(chart))).toThrow(/Invalid 'workload namespace': received "payments". Workload 'c\/order' must run in namespace "shop"/);
    const id2 = new WorkloadIdentity(chart, 'id2', { server, namespace: 'payments', serviceAccount: 'x', containerName: 'sidecar' });
    const d2 = new plus.Deployment(chart, 'd2', { metadata: { namespace: 'payments' }, containers: [{ name: 'app', image: 'example/a:1.0.0' }] });
    expect(() => id2.bind(d2)).toThrow(/pins container "sidecar"/);
  });

  test('refuses a workload without containers, and leaves it as it was', () => {
    const { chart, server } = setup();
    const id = new WorkloadIdentity(chart, 'id', { server, namespace: 'payments', serviceAccount: 'order-service' });
    const empty = new plus.Deployment(chart, 'empty', { metadata: { namespace: 'payments' } });
    expect(() => id.bind(empty)).toThrow("Invalid 'workload containers': received []. Workload 'c/empty' has no containers yet; add them before binding it. [at c/id]");
    expect(empty.podMetadata.getLabel('spire-constructs.io/service-account')).toBeUndefined();
    expect(id.boundWorkloads).toEqual([]);
  });
});

describe('StaticIdentity', () => {
  const parent = SpiffeId.parse('spiffe://prod.example.com/spire/agent/join_token/vm-batch-1');

  test('renders a ClusterStaticEntry and the entry create -data JSON', () => {
    const { chart, server } = setup();
    const s = new StaticIdentity(chart, 'vm', {
      server,
      spiffeId: SpiffeId.parse('spiffe://prod.example.com/vm/batch'),
      parentId: parent,
      selectors: [Selector.unix('uid', '1001'), Selector.unix('path', '/usr/local/bin/batch')],
      dnsNames: ['batch.internal.example.com'],
      hint: 'batch',
    });
    const objects = Testing.synth(chart) as KubeObject[];
    expect(one(objects, 'ClusterStaticEntry').spec).toEqual({
      className: 'spire-server-spire',
      spiffeID: 'spiffe://prod.example.com/vm/batch',
      parentID: 'spiffe://prod.example.com/spire/agent/join_token/vm-batch-1',
      selectors: ['unix:uid:1001', 'unix:path:/usr/local/bin/batch'],
      x509SVIDTTL: '1h',
      jwtSVIDTTL: '5m',
      dnsNames: ['batch.internal.example.com'],
      hint: 'batch',
    });
    expectValidManifests(objects);
    expect(JSON.parse(StaticIdentity.entriesJson([s]))).toEqual({
      entries: [
        {
          spiffe_id: 'spiffe://prod.example.com/vm/batch',
          parent_id: 'spiffe://prod.example.com/spire/agent/join_token/vm-batch-1',
          selectors: [
            { type: 'unix', value: 'uid:1001' },
            { type: 'unix', value: 'path:/usr/local/bin/batch' },
          ],
          x509_svid_ttl: 3600,
          jwt_svid_ttl: 300,
          dns_names: ['batch.internal.example.com'],
          hint: 'batch',
        },
      ],
    });
  });

  test('one selector only with a reason; IDs must be in the trust domain', () => {
    const { chart, server } = setup();
    const base = { server, spiffeId: SpiffeId.parse('spiffe://prod.example.com/vm/a'), parentId: parent };
    expect(() => new StaticIdentity(chart, 'a', { ...base, selectors: [Selector.unix('uid', '0')] })).toThrow(/One selector is loose/);
    expect(() => new StaticIdentity(chart, 'b', { ...base, selectors: [Selector.unix('uid', '1001')], allowBroadSelector: 'dedicated single-purpose VM' })).not.toThrow();
    expect(() => new StaticIdentity(chart, 'c', { ...base, spiffeId: SpiffeId.parse('spiffe://other.org/x'), selectors: [Selector.unix('uid', '1'), Selector.unix('gid', '1')] })).toThrow(
      /Invalid 'spiffeId': received "spiffe:\/\/other.org\/x". Use an ID in trust domain "prod.example.com"/,
    );
    expect(() => Selector.parse('nocolon')).toThrow(/Write a selector as "type:value"/);
  });
});

describe('FederatedTrustDomain: federation that can start', () => {
  const partner = { trustDomain: TrustDomain.of('partner.example'), bundleEndpointUrl: 'https://spire-bundle.partner.example:8443' };
  const spiffeAuth = BundleEndpointAuth.httpsSpiffe(SpiffeId.parse('spiffe://partner.example/spire/server'));

  test('https_spiffe carries the partner\'s bootstrap bundle (SPIFFE format) in trustDomainBundle', () => {
    const { chart, server } = setup();
    new FederatedTrustDomain(chart, 'p', { server, ...partner, auth: spiffeAuth, trustDomainBundle: PARTNER_BUNDLE });
    const cftd = one(Testing.synth(chart) as KubeObject[], 'ClusterFederatedTrustDomain');
    expect(cftd.spec.trustDomainBundle).toBe(PARTNER_BUNDLE);
  });

  test('https_spiffe without a bundle is refused, saying both ways to give it; PEM and malformed bundles are refused', () => {
    const { chart, server } = setup();
    expect(() => new FederatedTrustDomain(chart, 'a', { server, ...partner, auth: spiffeAuth })).toThrow(
      /Invalid 'trustDomainBundle': received nothing\. With https_spiffe the server authenticates .* 'spire-server bundle show -format spiffe'.*bootstrapBundleSetManually: true/,
    );
    expect(() => new FederatedTrustDomain(chart, 'b', { server, ...partner, auth: spiffeAuth, trustDomainBundle: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' })).toThrow(
      /This is PEM; the controller manager reads the SPIFFE bundle format/,
    );
    expect(() => new FederatedTrustDomain(chart, 'c', { server, ...partner, auth: spiffeAuth, trustDomainBundle: '{"keys":[]}' })).toThrow(/It has no "keys"/);
    new FederatedTrustDomain(chart, 'd', { server, ...partner, auth: spiffeAuth, bootstrapBundleSetManually: true });
    new FederatedTrustDomain(chart, 'e', { server, ...partner, trustDomain: TrustDomain.of('web.example'), auth: BundleEndpointAuth.httpsWeb() });
  });

  test('the server\'s NetworkPolicy lets it fetch the partner\'s bundle: by namespace in the cluster, else the endpoint\'s port with the reason written', () => {
    const { chart, server } = setup();
    new FederatedTrustDomain(chart, 'ext', { server, ...partner, auth: spiffeAuth, trustDomainBundle: PARTNER_BUNDLE });
    new FederatedTrustDomain(chart, 'int', { server, trustDomain: TrustDomain.of('other.example'), bundleEndpointUrl: 'https://spire-server.other.svc:8443', auth: BundleEndpointAuth.httpsWeb() });
    const policy = all(Testing.synth(chart) as KubeObject[], 'NetworkPolicy').find((o: any) => o.metadata.name === 'spire-server') as any;
    const fed = policy.spec.egress.filter((r: any) => r.ports[0].port === 8443);
    expect(fed).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8443 }] },
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'other' } } }], ports: [{ protocol: 'TCP', port: 8443 }] },
    ]);
    expect(policy.metadata.annotations['spire-constructs.io/wide-cidr-reason']).toContain('port 8443: the bundle endpoint of partner.example (spire-bundle.partner.example) is outside the cluster');
  });
});

describe('FederatedTrustDomain refuses bad input', () => {
  test('own trust domain, http URL, endpoint ID from another domain', () => {
    const { chart, server } = setup();
    const ok = { server, trustDomain: TrustDomain.of('partner.example'), bundleEndpointUrl: 'https://b.partner.example', auth: BundleEndpointAuth.httpsWeb() };
    expect(() => new FederatedTrustDomain(chart, 'a', { ...ok, trustDomain: TrustDomain.of('prod.example.com') })).toThrow(/does not federate with its own trust domain/);
    expect(() => new FederatedTrustDomain(chart, 'b', { ...ok, bundleEndpointUrl: 'http://b.partner.example' })).toThrow(/Invalid 'bundleEndpointUrl'/);
    expect(() =>
      new FederatedTrustDomain(chart, 'c', { ...ok, auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse('spiffe://evil.example/spire/server')) }),
    ).toThrow(/must be in trust domain "partner.example"/);
    expect(all(Testing.synth(chart) as KubeObject[], 'ClusterFederatedTrustDomain')).toHaveLength(0);
  });
});
