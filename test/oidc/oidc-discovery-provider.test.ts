import { Chart, Duration } from 'cdk8s';
import {
  LogLevel,
  OidcDiscoveryProvider,
  OidcDiscoveryProviderConfig,
  OidcDiscoveryProviderProps,
  OidcTls,
  PostgresDatabase,
  RULES,
  SpireServer,
  SpireServerProps,
  SpireStack,
  TrustDomain,
} from '../../src';
import { all, container, one, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const ISSUER = 'https://oidc.prod.example.com';
const TD = TrustDomain.of('prod.example.com');

/**
 * The keys SPIRE 1.15.3's OIDC discovery provider reads: the `hcl` tags of Config,
 * ServingCertFileConfig, WorkloadAPIConfig and HealthChecksConfig in
 * support/oidc-discovery-provider/config.go (HCL1 ignores any other key without a word).
 */
const SPIRE_KEYS: Record<string, string[]> = {
  '': [
    'log_format', 'log_level', 'log_path', 'log_requests', 'domains', 'set_key_use', 'allow_insecure_scheme', 'insecure_addr', 'listen_socket_path',
    'acme', 'serving_cert_file', 'server_api', 'workload_api', 'file', 'health_checks', 'experimental', 'jwt_issuer', 'jwks_uri', 'server_path_prefix',
  ],
  'serving_cert_file': ['cert_file_path', 'key_file_path', 'addr', 'file_sync_interval'],
  'workload_api': ['socket_path', 'trust_domain', 'poll_interval', 'experimental'],
  'health_checks': ['bind_port', 'live_path', 'ready_path'],
};

function server(chart: Chart, extra: Partial<SpireServerProps> = {}): SpireServer {
  return new SpireServer(chart, 'server', { trustDomain: TD, clusterName: 'prod', database: PostgresDatabase.cloudNativePg(), jwtIssuer: ISSUER, ...extra });
}

function render(props: Partial<OidcDiscoveryProviderProps> = {}, serverProps: Partial<SpireServerProps> = {}) {
  const chart = testChart();
  const provider = new OidcDiscoveryProvider(chart, 'oidc', {
    server: server(chart, serverProps),
    issuer: ISSUER,
    tls: OidcTls.atIngress({ tlsSecretName: 'oidc-tls', ingressClassName: 'nginx' }),
    ...props,
  });
  const objects = synth(chart);
  const conf = JSON.parse(one(objects, 'ConfigMap', provider.name).data['oidc-discovery-provider.conf']);
  return { provider, objects, conf, deployment: one(objects, 'Deployment', provider.name) };
}

describe('OidcDiscoveryProvider', () => {
  const { provider, objects, conf, deployment } = render();
  const own = objects.filter((o) => o.metadata?.namespace === 'spire-oidc');

  test('snapshot (for review)', () => {
    expect(own).toMatchSnapshot();
  });

  test('every object validates', () => {
    expectValidManifests(objects);
  });

  test('primary child is the Deployment', () => {
    expect(provider.node.defaultChild).toBe(provider.deployment);
  });

  test('oidc-discovery-provider.conf: exactly the keys SPIRE reads, keys from the Workload API, plain HTTP behind the Ingress', () => {
    expect(conf).toEqual({
      domains: ['oidc.prod.example.com', 'spiffe-oidc-discovery-provider', 'spiffe-oidc-discovery-provider.spire-oidc', 'spiffe-oidc-discovery-provider.spire-oidc.svc'],
      jwt_issuer: ISSUER,
      jwks_uri: `${ISSUER}/keys`,
      insecure_addr: ':8080',
      workload_api: { socket_path: '/spiffe-workload-api/spire-agent.sock', trust_domain: 'prod.example.com' },
      health_checks: { bind_port: 8008, live_path: '/live', ready_path: '/ready' },
      log_level: 'INFO',
      log_format: 'json',
    });
    // With jwt_issuer set, allow_insecure_scheme changes nothing in the document: never set.
    expect(conf.allow_insecure_scheme).toBeUndefined();
  });

  test('every key rendered (both serving modes, every option) is one config.go reads', () => {
    const full = new OidcDiscoveryProviderConfig({
      trustDomain: TD,
      jwtIssuer: ISSUER,
      workloadApiSocketPath: '/spiffe-workload-api/spire-agent.sock',
      servingCertFile: { certFilePath: '/tls/tls.crt', keyFilePath: '/tls/tls.key' },
      pollInterval: Duration.seconds(30),
      setKeyUse: true,
      logLevel: LogLevel.DEBUG,
    }).toObject() as Record<string, any>;
    for (const tree of [conf, full]) {
      for (const [section, keys] of Object.entries(SPIRE_KEYS)) {
        const node = section === '' ? tree : tree[section];
        if (node === undefined) continue;
        expect(Object.keys(node).filter((k) => !keys.includes(k))).toEqual([]);
      }
    }
    expect(full.serving_cert_file).toEqual({ cert_file_path: '/tls/tls.crt', key_file_path: '/tls/tls.key', addr: ':8443' });
    expect(full.workload_api.poll_interval).toBe('30s');
    expect(full.set_key_use).toBe(true);
    expect(full.insecure_addr).toBeUndefined();
  });

  test('the provider runs the config from its ConfigMap, with the Workload API of its own identity', () => {
    const c = container(deployment, 'oidc-discovery-provider');
    expect(c.image).toBe('ghcr.io/spiffe/oidc-discovery-provider:1.15.3');
    expect(c.args).toEqual(['-config', '/run/spire/oidc/config/oidc-discovery-provider.conf']);
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/run/spire/oidc/config', readOnly: true },
      { name: 'spiffe-workload-api', mountPath: '/spiffe-workload-api', readOnly: true },
    ]);
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'spiffe-workload-api', csi: { driver: 'csi.spiffe.io', readOnly: true } });
    expect(deployment.spec.template.spec.serviceAccountName).toBe('spiffe-oidc-discovery-provider');
    const id = one(objects, 'ClusterSPIFFEID');
    expect(id.spec.spiffeIDTemplate).toBe('spiffe://prod.example.com/ns/spire-oidc/sa/spiffe-oidc-discovery-provider');
    expect(id.spec.className).toBe(provider.identity.server.className);
    expect(id.spec.workloadSelectorTemplates).toEqual(['k8s:ns:spire-oidc', 'k8s:sa:spiffe-oidc-discovery-provider']);
    expect(deployment.spec.template.metadata.labels['spire-constructs.io/service-account']).toBe('spiffe-oidc-discovery-provider');
  });

  test('Pod Security restricted: non-root, read-only root, nothing of the host, no token, probes and resources', () => {
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = container(deployment, 'oidc-discovery-provider');
    expect(c.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.hostNetwork).toBe(false);
    expect(pod.hostPID).toBeUndefined();
    expect(pod.volumes.filter((v: any) => v.hostPath)).toEqual([]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'healthz' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/live', port: 'healthz' });
    expect(c.ports).toContainEqual({ name: 'healthz', containerPort: 8008, protocol: 'TCP' });
    expect(c.resources).toEqual({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
  });

  test('Service, Ingress for the issuer host (the two documents only), PDB', () => {
    const svc = one(objects, 'Service', 'spiffe-oidc-discovery-provider');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const ing = one(objects, 'Ingress', 'spiffe-oidc-discovery-provider');
    expect(ing.apiVersion).toBe('networking.k8s.io/v1');
    expect(ing.spec.ingressClassName).toBe('nginx');
    expect(ing.spec.tls).toEqual([{ hosts: ['oidc.prod.example.com'], secretName: 'oidc-tls' }]);
    expect(ing.spec.rules).toHaveLength(1);
    expect(ing.spec.rules[0].host).toBe('oidc.prod.example.com');
    expect(ing.spec.rules[0].http.paths.map((p: any) => [p.path, p.pathType, p.backend.service.name, p.backend.service.port.number])).toEqual([
      ['/.well-known/openid-configuration', 'Exact', 'spiffe-oidc-discovery-provider', 80],
      ['/keys', 'Exact', 'spiffe-oidc-discovery-provider', 80],
    ]);
    expect(conf.domains).toContain(ing.spec.rules[0].host);
    expect(one(objects, 'PodDisruptionBudget', 'spiffe-oidc-discovery-provider').spec.maxUnavailable).toBe(1);
    expect(deployment.spec.replicas).toBe(2);
  });

  test('NetworkPolicy: the documents port from the Ingress controller only, probes, no egress', () => {
    const np = one(objects, 'NetworkPolicy', 'spiffe-oidc-discovery-provider');
    expect(np.spec.podSelector.matchLabels).toEqual(deployment.spec.selector.matchLabels);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      { ports: [{ protocol: 'TCP', port: 8008 }] },
    ]);
    expect(np.spec.egress).toBeUndefined(); // no egress rules: deny all (the API server stores an empty list as none)
  });

  test('OidcTls.fromSecret: the provider serves HTTPS from the Secret on 8443, Service 443, no Ingress', () => {
    const r = render({ tls: OidcTls.fromSecret({ secretName: 'oidc-cert' }), replicas: 1 });
    expect(r.conf.serving_cert_file).toEqual({ cert_file_path: '/run/spire/oidc/tls/tls.crt', key_file_path: '/run/spire/oidc/tls/tls.key', addr: ':8443' });
    expect(r.conf.insecure_addr).toBeUndefined();
    expect(r.deployment.spec.template.spec.volumes).toContainEqual({ name: 'tls', secret: { secretName: 'oidc-cert' } });
    expect(container(r.deployment, 'oidc-discovery-provider').volumeMounts).toContainEqual({ name: 'tls', mountPath: '/run/spire/oidc/tls', readOnly: true });
    expect(one(r.objects, 'Service', 'spiffe-oidc-discovery-provider').spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 'https', protocol: 'TCP' }]);
    expect(all(r.objects, 'Ingress')).toEqual([]);
    expect(all(r.objects, 'PodDisruptionBudget').filter((o) => o.metadata.namespace === 'spire-oidc')).toEqual([]);
    expect(one(r.objects, 'NetworkPolicy', 'spiffe-oidc-discovery-provider').spec.ingress[0]).toEqual({ ports: [{ protocol: 'TCP', port: 8443 }] });
    expectValidManifests(r.objects);
  });

  test('options: namespace, name, extra domains, setKeyUse, no NetworkPolicy', () => {
    const r = render({ namespace: 'oidc', name: 'oidc', additionalDomains: ['oidc.oidc.svc.cluster.local'], setKeyUse: true, networkPolicy: false });
    expect(r.conf.domains).toEqual(['oidc.prod.example.com', 'oidc', 'oidc.oidc', 'oidc.oidc.svc', 'oidc.oidc.svc.cluster.local']);
    expect(r.conf.set_key_use).toBe(true);
    expect(all(r.objects, 'NetworkPolicy').filter((o) => o.metadata.namespace === 'oidc')).toEqual([]);
    expect(one(r.objects, 'ClusterSPIFFEID').spec.spiffeIDTemplate).toBe('spiffe://prod.example.com/ns/oidc/sa/oidc');
  });

  test('deterministic: two renders are identical', () => {
    expect(render().objects).toEqual(objects);
  });

  describe('refusals', () => {
    test('an issuer other than the server jwtIssuer, naming the fix', () => {
      expect(() => render({ issuer: 'https://jwt.prod.example.com' })).toThrow(
        /Invalid 'issuer': received "https:\/\/jwt\.prod\.example\.com"\. Server 'test\/server' has jwtIssuer "https:\/\/oidc\.prod\.example\.com".*Set jwtIssuer on the SpireServer \(or in SpireStack's 'server' options\) to "https:\/\/jwt\.prod\.example\.com".*\[at test\/oidc\]/,
      );
    });

    test('a server without jwtIssuer', () => {
      expect(() => render({}, { jwtIssuer: undefined })).toThrow(/Invalid 'issuer'.*Server 'test\/server' has jwtIssuer nothing.*Set jwtIssuer on the SpireServer/);
    });

    test('an http:// issuer', () => {
      expect(() => render({ issuer: 'http://oidc.prod.example.com' }, { jwtIssuer: 'http://oidc.prod.example.com' })).toThrow(
        /Invalid 'issuer': received "http:\/\/oidc\.prod\.example\.com"\. Use an https:\/\/ URL: cloud IAM/,
      );
    });

    test.each([
      ['a trailing slash', 'https://oidc.prod.example.com/'],
      ['a path', 'https://oidc.prod.example.com/spire'],
      ['a port', 'https://oidc.prod.example.com:8443'],
      ['an IP address', 'https://10.0.0.1'],
      ['upper case', 'https://OIDC.prod.example.com'],
      ['no URL', 'oidc.prod.example.com'],
    ])('an issuer with %s', (_what, issuer) => {
      expect(() => render({ issuer }, { jwtIssuer: issuer })).toThrow(/Invalid 'issuer'.*Use exactly "https:\/\/<host>"/);
    });

    test("a namespace the server's controller manager ignores", () => {
      expect(() => render({ namespace: 'spire-server' })).toThrow(/Invalid 'namespace': received "spire-server".*ignores this namespace.*namespace of its own/);
    });

    test('no tls, a bad Secret name, a bad domain', () => {
      expect(() => render({ tls: undefined as any })).toThrow(/Invalid 'tls': received nothing\. Use OidcTls\.atIngress/);
      expect(() => render({ tls: OidcTls.fromSecret({ secretName: 'Bad_Name' }) })).toThrow(/Invalid 'tls\.secretName': received "Bad_Name"/);
      expect(() => render({ additionalDomains: ['*.example.com'] })).toThrow(/Invalid 'domains': received "\*\.example\.com"/);
    });

    test('config model: domains without the issuer host, both or neither serving mode', () => {
      const base = { trustDomain: TD, jwtIssuer: ISSUER, workloadApiSocketPath: '/s/agent.sock' };
      expect(() => new OidcDiscoveryProviderConfig({ ...base, insecurePort: 8080, domains: ['other.example.com'] })).toThrow(
        /Invalid 'domains': received \["other\.example\.com"\]\. Include the issuer's host "oidc\.prod\.example\.com"/,
      );
      expect(() => new OidcDiscoveryProviderConfig(base)).toThrow(/Give exactly one of servingCertFile .* and insecurePort/);
      expect(() => new OidcDiscoveryProviderConfig({ ...base, insecurePort: 8080, servingCertFile: { certFilePath: '/c', keyFilePath: '/k' } })).toThrow(/Give exactly one/);
      expect(() => new OidcDiscoveryProviderConfig({ ...base, insecurePort: 8008 })).toThrow(/Invalid 'healthPort': received 8008/);
    });
  });
});

describe('SpireStack oidcDiscoveryProvider', () => {
  const oidc = { issuer: ISSUER, tls: OidcTls.atIngress({ tlsSecretName: 'oidc-tls' }) };

  test("sets the server's jwt_issuer and creates the provider in its own restricted namespace", () => {
    const chart = testChart();
    const stack = new SpireStack(chart, 'spire', { trustDomain: TD, clusterName: 'prod', database: PostgresDatabase.cloudNativePg(), oidcDiscoveryProvider: oidc });
    const objects = synth(chart);
    expect(JSON.parse(one(objects, 'ConfigMap', 'spire-server').data['server.conf']).server.jwt_issuer).toBe(ISSUER);
    expect(stack.server.jwtIssuer).toBe(ISSUER);
    expect(stack.oidcDiscoveryProvider?.namespace).toBe('spire-oidc');
    expect(one(objects, 'Namespace', 'spire-oidc').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(one(objects, 'Deployment', 'spiffe-oidc-discovery-provider').metadata.namespace).toBe('spire-oidc');
    expect(objects.slice(0, 3).map((o) => o.kind)).toEqual(['Namespace', 'Namespace', 'Namespace']);
    expectValidManifests(objects);
    expect(RULES.find((r) => r.id === 'SPIRE-OIDC1')!.check(objects as any)).toEqual([]);
  });

  test('without it, the server has no jwt_issuer and nothing of OIDC is rendered', () => {
    const chart = testChart();
    const stack = new SpireStack(chart, 'spire', { trustDomain: TD, clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const objects = synth(chart);
    expect(JSON.parse(one(objects, 'ConfigMap', 'spire-server').data['server.conf']).server.jwt_issuer).toBeUndefined();
    expect(stack.oidcDiscoveryProvider).toBeUndefined();
    expect(objects.filter((o) => o.metadata?.namespace === 'spire-oidc')).toEqual([]);
  });

  test("refuses another server.jwtIssuer, and the server's or agents' namespace", () => {
    const make = (extra: object) => () =>
      new SpireStack(testChart(), 'spire', { trustDomain: TD, clusterName: 'prod', database: PostgresDatabase.cloudNativePg(), oidcDiscoveryProvider: oidc, ...extra });
    expect(make({ server: { jwtIssuer: 'https://jwt.prod.example.com' } })).toThrow(
      /Invalid 'server\.jwtIssuer': received "https:\/\/jwt\.prod\.example\.com"\. The OIDC discovery provider's issuer is "https:\/\/oidc\.prod\.example\.com"/,
    );
    expect(make({ server: { jwtIssuer: ISSUER } })).not.toThrow();
    expect(make({ oidcDiscoveryProvider: { ...oidc, namespace: 'spire-system' } })).toThrow(/Invalid 'oidcDiscoveryProvider\.namespace': received "spire-system"/);
  });
});

describe('SPIRE-OIDC1', () => {
  const rule = RULES.find((r) => r.id === 'SPIRE-OIDC1')!;
  const { objects } = render();
  const edit = (f: (c: any) => void) => {
    const copy = JSON.parse(JSON.stringify(objects));
    const cm = copy.find((o: any) => o.kind === 'ConfigMap' && o.data?.['oidc-discovery-provider.conf']);
    const c = JSON.parse(cm.data['oidc-discovery-provider.conf']);
    f(c);
    cm.data['oidc-discovery-provider.conf'] = JSON.stringify(c);
    return rule.check(copy).map((h) => h.message);
  };

  test('passes on what the construct renders', () => {
    expect(rule.check(objects as any)).toEqual([]);
  });

  test('an http issuer, a missing domain, another issuer than the server', () => {
    expect(edit((c) => (c.jwt_issuer = 'http://oidc.prod.example.com'))).toEqual(['jwt_issuer "http://oidc.prod.example.com" is not an https URL.']);
    expect(edit((c) => (c.domains = ['spiffe-oidc-discovery-provider']))).toEqual([
      "domains do not contain the issuer's host oidc.prod.example.com: the provider refuses requests for it.",
    ]);
    expect(edit((c) => {
      c.jwt_issuer = 'https://other.example.com';
      c.domains = ['other.example.com'];
    })).toEqual([
      'jwt_issuer "https://other.example.com" differs from ConfigMap spire-server/spire-server\'s jwt_issuer "https://oidc.prod.example.com": its JWT-SVIDs carry another iss.',
    ]);
  });

  test('servers of another trust domain are not compared', () => {
    expect(edit((c) => {
      c.jwt_issuer = 'https://other.example.com';
      c.domains = ['other.example.com'];
      c.workload_api.trust_domain = 'other.example.com';
    })).toEqual([]);
  });
});
