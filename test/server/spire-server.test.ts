import { Duration } from 'cdk8s';
import {
  AntiAffinity,
  KeyManager,
  KeyType,
  PostgresDatabase,
  PostgresSslMode,
  ServerDatabase,
  SpireServer,
  SpireServerProps,
  TrustDomain,
  UpstreamAuthority,
  VaultAuth,
  WebhookFailurePolicy,
} from '../../src';
import { all, container, one, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const td = TrustDomain.of('prod.example.com');
const base = (): SpireServerProps => ({ trustDomain: td, clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
function render(props: Partial<SpireServerProps> = {}) {
  const chart = testChart();
  const server = new SpireServer(chart, 'spire', { ...base(), ...props });
  return { server, objects: synth(chart) };
}
const serverConf = (objects: any[]) => JSON.parse(one(objects, 'ConfigMap', 'spire-server').data['server.conf'].replace(/\$\$/g, '$'));

describe('SpireServer defaults', () => {
  const { server, objects } = render();
  const sts = one(objects, 'StatefulSet', 'spire-server');
  const pod = sts.spec.template.spec;

  test('snapshot (for review)', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every object validates against the Kubernetes and CRD schemas', () => {
    expectValidManifests(objects);
  });

  test('the primary child is the StatefulSet', () => {
    expect(server.node.defaultChild).toBe(server.statefulSet);
  });

  test('HA: 3 replicas, required hostname anti-affinity, zone spread, PDB', () => {
    expect(sts.spec.replicas).toBe(3);
    expect(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
    expect(pod.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
    expect(one(objects, 'PodDisruptionBudget').spec).toEqual({ maxUnavailable: 1, selector: sts.spec.selector });
    expect(pod.priorityClassName).toBe('system-cluster-critical');
  });

  test('replicas start one at a time, each Ready before the next (one server migrates an empty database first)', () => {
    // Parallel start crashes on SPIRE's schema migration (proved against real PostgreSQL by e2e/).
    expect(sts.spec.podManagementPolicy).toBe('OrderedReady');
  });

  test('server container: pinned image, -expandEnv, probes on the health port, resources', () => {
    const c = container(sts, 'spire-server');
    expect(c.image).toBe('ghcr.io/spiffe/spire-server:1.15.3');
    expect(c.args).toEqual(['-expandEnv', '-config', '/run/spire/config/server.conf']);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/live', port: 'healthz' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'healthz' });
    expect(c.ports.find((p: any) => p.name === 'healthz').containerPort).toBe(8080);
    expect(c.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(c.resources.limits).toEqual({ cpu: '1', memory: '512Mi' });
  });

  test('secure defaults on every container, no init container, fsGroup instead of chown', () => {
    expect(pod.initContainers).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.image).not.toMatch(/:latest$|^[^:]+$/);
    }
  });

  test('server.conf: audit log on, CA 24h, SVID 1h, JWT 5m, health and telemetry ports as probed', () => {
    const conf = serverConf(objects);
    expect(conf.server).toMatchObject({
      trust_domain: 'prod.example.com',
      audit_log_enabled: true,
      ca_ttl: '24h',
      default_x509_svid_ttl: '1h',
      default_jwt_svid_ttl: '5m',
      socket_path: '/tmp/spire-server/private/api.sock',
    });
    expect(conf.health_checks.bind_port).toBe('8080');
    expect(conf.telemetry.Prometheus.port).toBe(9988);
  });

  test('CloudNativePG: Cluster with 3 instances, password as PGPASSWORD from <name>-app (never in the config), verify-full with <name>-ca', () => {
    const cluster = one(objects, 'Cluster', 'spire-db');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.instances).toBe(3);
    expect(cluster.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, podAntiAffinityType: 'required' });
    const conf = serverConf(objects);
    expect(conf.plugins.DataStore[0].sql.plugin_data).toEqual({
      database_type: 'postgres',
      connection_string: 'dbname=spire user=spire host=spire-db-rw.spire-server.svc port=5432 sslmode=verify-full sslrootcert=/run/spire/db-ca/ca.crt',
    });
    const c = container(sts, 'spire-server');
    expect(c.env).toEqual([{ name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'spire-db-app', key: 'password' } } }]);
    expect(pod.volumes.find((v: any) => v.name === 'db-ca').secret).toMatchObject({ secretName: 'spire-db-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] });
    expect(c.volumeMounts).toContainEqual({ name: 'db-ca', mountPath: '/run/spire/db-ca', readOnly: true });
  });

  test('k8s_psat allows the agent service account; bundle published to spire-bundle in the agent namespace', () => {
    const conf = serverConf(objects);
    expect(conf.plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters.prod.service_account_allow_list).toEqual(['spire-system:spire-agent']);
    expect(conf.plugins.BundlePublisher[0].k8s_configmap.plugin_data.clusters.local).toEqual({
      configmap_name: 'spire-bundle',
      configmap_key: 'bundle.crt',
      namespace: 'spire-system',
      format: 'pem',
    });
    expect(one(objects, 'ConfigMap', 'spire-bundle').metadata.namespace).toBe('spire-system');
    expect(one(objects, 'ConfigMap', 'spire-bundle').data).toBeUndefined();
  });

  test('Services: ClusterIP gRPC 8081 and a headless Service for the StatefulSet', () => {
    expect(one(objects, 'Service', 'spire-server').spec).toMatchObject({ type: 'ClusterIP', ports: [{ name: 'grpc', port: 8081 }] });
    expect(one(objects, 'Service', 'spire-server-headless').spec.clusterIP).toBe('None');
    expect(sts.spec.serviceName).toBe('spire-server-headless');
    expect(server.address).toBe('spire-server.spire-server.svc');
  });

  test('RBAC is exactly what SPIRE and the controller manager use', () => {
    const roles = Object.fromEntries([...all(objects, 'ClusterRole'), ...all(objects, 'Role')].map((r) => [r.metadata.name, r.rules]));
    expect(roles['spire-server-spire-server']).toEqual([
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] },
    ]);
    expect(roles['spire-server-bundle']).toEqual([{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['spire-bundle'], verbs: ['get', 'patch', 'update'] }]);
    expect(roles['spire-server-controller-manager-leader-election']).toEqual([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    ]);
    const cm = roles['spire-server-spire-controller-manager'];
    expect(cm.find((r: any) => r.verbs.includes('patch') && r.resources.includes('validatingwebhookconfigurations')).resourceNames).toEqual([
      'spire-server-spire-controller-manager-webhook',
    ]);
    for (const rules of Object.values(roles)) {
      for (const r of rules as any[]) {
        expect(r.verbs).not.toContain('*');
        expect(r.resources).not.toContain('*');
        expect(r.resources).not.toContain('secrets');
      }
    }
  });

  test('cluster-scoped objects carry no namespace, even in a chart with one', () => {
    const chart = testChart({ namespace: 'elsewhere' });
    new SpireServer(chart, 'spire', base());
    for (const o of synth(chart)) {
      if (['ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration'].includes(o.kind)) {
        expect(o.metadata?.namespace).toBeUndefined();
      }
    }
  });

  test('controller manager sidecar on the admin socket with its config file', () => {
    const cm = container(sts, 'spire-controller-manager');
    expect(cm.image).toBe('ghcr.io/spiffe/spire-controller-manager:0.7.0');
    expect(cm.volumeMounts).toContainEqual({ name: 'spire-server-socket', mountPath: '/tmp/spire-server/private', readOnly: true });
    expect(container(sts, 'spire-server').volumeMounts).toContainEqual({ name: 'spire-server-socket', mountPath: '/tmp/spire-server/private' });
    const file = one(objects, 'ConfigMap', 'spire-server-controller-manager').data['controller-manager-config.yaml'];
    expect(file).toContain('kind: ControllerManagerConfig');
    expect(file).toContain('clusterName: prod');
    expect(file).toContain('trustDomain: prod.example.com');
    expect(file).toContain('className: spire-server-spire');
    expect(file).toContain('gcInterval: 10000000000');
    expect(file).toContain('spireServerSocketPath: /tmp/spire-server/private/api.sock');
    expect(file).toMatch(/ignoreNamespaces:\n\s+- kube-system\n\s+- kube-public\n\s+- \^spire-server\$\n\s+- \^spire-system\$/);
  });

  test('GitOps-safe webhook: no hook Jobs, failurePolicy Ignore, no caBundle', () => {
    expect(all(objects, 'Job')).toHaveLength(0);
    const vwc = one(objects, 'ValidatingWebhookConfiguration');
    expect(vwc.webhooks.map((w: any) => w.failurePolicy)).toEqual(['Ignore', 'Ignore']);
    expect(vwc.webhooks.every((w: any) => w.clientConfig.caBundle === undefined)).toBe(true);
    expect(vwc.webhooks.map((w: any) => w.clientConfig.service.path)).toEqual([
      '/validate-spire-spiffe-io-v1alpha1-clusterfederatedtrustdomain',
      '/validate-spire-spiffe-io-v1alpha1-clusterspiffeid',
    ]);
  });

  test('NetworkPolicy: agents to 8081, Prometheus to metrics, API server to webhook; egress to DNS, API, Postgres', () => {
    const np = one(objects, 'NetworkPolicy', 'spire-server');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress[0]).toEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spire-system' } } }],
      ports: [{ protocol: 'TCP', port: 8081 }],
    });
    expect(np.spec.ingress[2].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring');
    expect(np.spec.ingress[3].ports).toEqual([{ protocol: 'TCP', port: 9443 }]);
    const egressPorts = np.spec.egress.flatMap((e: any) => e.ports.map((p: any) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining([53, 443, 6443, 5432]));
    expect(np.spec.egress.find((e: any) => e.ports[0].port === 5432).to[0].podSelector.matchLabels).toEqual({ 'cnpg.io/cluster': 'spire-db' });
  });

  test('monitoring: PodMonitor and PrometheusRule with server-down and health alerts (the agent-down alert is the agent\'s)', () => {
    expect(one(objects, 'PodMonitor').spec.podMetricsEndpoints.map((e: any) => e.port)).toEqual(['metrics', 'cm-metrics']);
    const alerts = one(objects, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual(['SpireServerDown', 'SpireServerReplicasUnavailable']);
  });

  test('output is deterministic', () => {
    expect(JSON.stringify(render().objects)).toBe(JSON.stringify(objects));
  });
});

describe('SpireServer customised', () => {
  const { server, objects } = render({
    namespace: 'identity',
    replicas: 5,
    upstreamAuthority: UpstreamAuthority.vault({
      vaultAddr: 'https://vault.vault.svc:8200',
      caCert: { name: 'vault-ca', key: 'ca.crt' },
      auth: VaultAuth.kubernetes({ role: 'spire-server' }),
    }),
    database: PostgresDatabase.external({
      host: 'pg.example.com',
      passwordSecret: { name: 'pg', key: 'password' },
      caSecret: { name: 'pg-ca', key: 'ca.pem' },
      readOnlyReplica: { host: 'pg-ro.example.com' },
      cidr: '10.20.0.0/16',
    }),
    keyManager: KeyManager.awsKms({ region: 'eu-west-1', keyIdentifierFile: '/run/spire/data/kms-key-id' }),
    caTtl: Duration.hours(168),
    defaultX509SvidTtl: Duration.minutes(30),
    caKeyType: KeyType.EC_P384,
    caSubject: { country: ['DE'], organization: ['Example'] },
    jwtIssuer: 'https://oidc.prod.example.com',
    antiAffinity: AntiAffinity.PREFERRED,
    zoneSpread: false,
    priorityClassName: 'spire-critical',
    storageClass: 'fast',
    storageSize: '5Gi',
    resources: { cpuRequest: '200m', memoryLimit: '1Gi' },
    controllerManager: { webhookFailurePolicy: WebhookFailurePolicy.FAIL, className: 'prod', extraIgnoreNamespaces: ['^istio-system$'] },
    federationBundleEndpoint: { port: 8443 },
    networkPolicy: { prometheusNamespace: 'observability', apiServerCidrs: ['10.0.0.1/32'], vaultCidr: '10.30.0.0/16' },
    monitoring: { labels: { release: 'kube-prometheus' } },
  });
  const sts = one(objects, 'StatefulSet', 'spire-server');

  test('snapshot (for review)', () => {
    expect(objects).toMatchSnapshot();
  });

  test('every object validates', () => {
    expectValidManifests(objects);
  });

  test('Vault upstream with Kubernetes auth: projected token with audience vault, CA from the Secret, exact setup', () => {
    const conf = serverConf(objects);
    expect(conf.plugins.UpstreamAuthority[0].vault.plugin_data).toEqual({
      vault_addr: 'https://vault.vault.svc:8200',
      pki_mount_point: 'pki',
      ca_cert_path: '/run/spire/vault-ca/ca.crt',
      k8s_auth: { k8s_auth_mount_point: 'kubernetes', k8s_auth_role_name: 'spire-server', token_path: '/var/run/secrets/tokens/vault/token' },
    });
    const token = sts.spec.template.spec.volumes.find((v: any) => v.name === 'vault-token');
    expect(token.projected.sources[0].serviceAccountToken).toEqual({ audience: 'vault', expirationSeconds: 3600, path: 'token' });
    expect(server.vaultSetup?.policy).toBe('path "pki/root/sign-intermediate" {\n  capabilities = ["update"]\n}\n');
    expect(server.vaultSetup?.kubernetesRole).toEqual({
      mountPoint: 'kubernetes',
      name: 'spire-server',
      boundServiceAccountNames: ['spire-server'],
      boundServiceAccountNamespaces: ['identity'],
      audience: 'vault',
      tokenPolicies: ['spire-server'],
    });
    expect(server.vaultSetup?.commands[0]).toBe('vault secrets tune -max-lease-ttl=168h pki');
  });

  test('an in-cluster Vault is reached by namespace (and labels), never by a CIDR rule; an external one by CIDR', () => {
    const vault = (vaultAddr: string) => UpstreamAuthority.vault({ vaultAddr, caCert: { name: 'vault-ca', key: 'ca.crt' }, auth: VaultAuth.kubernetes({ role: 'spire-server' }) });
    const egress = (objs: any[]) => one(objs, 'NetworkPolicy').spec.egress as any[];
    const inCluster = egress(render({ upstreamAuthority: vault('https://vault.vault.svc:8200') }).objects);
    expect(inCluster).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'vault' } } }], ports: [{ protocol: 'TCP', port: 8200 }] });
    expect(inCluster.filter((r) => r.ports.some((p: any) => p.port === 8200) && r.to.some((t: any) => t.ipBlock))).toEqual([]);
    const labelled = egress(render({ upstreamAuthority: vault('https://openbao.secrets.svc.cluster.local:8200'), networkPolicy: { vaultPodLabels: { 'app.kubernetes.io/name': 'openbao' } } }).objects);
    expect(labelled).toContainEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'secrets' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'openbao' } } }],
      ports: [{ protocol: 'TCP', port: 8200 }],
    });
    const external = egress(render({ upstreamAuthority: vault('https://vault.example.com:8200') }).objects);
    expect(external).toContainEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 8200 }] });
  });

  test('external Postgres: a read replica with its own password Secret reads it through ${RODBPW}', () => {
    const { objects: ownSecret } = render({
      database: PostgresDatabase.external({
        host: 'pg.example.com',
        passwordSecret: { name: 'pg', key: 'password' },
        readOnlyReplica: { host: 'pg-ro.example.com', passwordSecret: { name: 'pg-ro', key: 'password' } },
        cidr: '10.20.0.0/16',
      }),
    });
    const c = container(one(ownSecret, 'StatefulSet', 'spire-server'), 'spire-server');
    expect(c.env).toEqual([
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'password' } } },
      { name: 'RODBPW', valueFrom: { secretKeyRef: { name: 'pg-ro', key: 'password' } } },
    ]);
    const ds = serverConf(ownSecret).plugins.DataStore[0].sql.plugin_data;
    expect(ds.connection_string).not.toContain('password');
    expect(ds.ro_connection_string).toContain('password=${RODBPW}');
  });

  test('external Postgres: password and read-replica password from the Secret, egress to its CIDR', () => {
    const c = container(sts, 'spire-server');
    expect(c.env).toEqual([
      // The replica shares the primary's Secret, so both connections read PGPASSWORD.
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: 'pg', key: 'password' } } },
    ]);
    const conf = serverConf(objects);
    expect(conf.plugins.DataStore[0].sql.plugin_data.ro_connection_string).toContain('host=pg-ro.example.com');
    const np = one(objects, 'NetworkPolicy');
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.30.0.0/16' } }], ports: [{ protocol: 'TCP', port: 8200 }] });
    expect(all(objects, 'Cluster')).toHaveLength(0);
  });

  test('options reach the rendered objects', () => {
    const pod = sts.spec.template.spec;
    expect(sts.metadata.namespace).toBe('identity');
    expect(sts.spec.replicas).toBe(5);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(pod.topologySpreadConstraints).toBeUndefined();
    expect(pod.priorityClassName).toBe('spire-critical');
    expect(sts.spec.volumeClaimTemplates[0].spec).toMatchObject({ storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } });
    expect(container(sts, 'spire-server').resources).toEqual({ requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    const conf = serverConf(objects);
    expect(conf.server).toMatchObject({ ca_ttl: '168h', default_x509_svid_ttl: '30m', ca_key_type: 'ec-p384', jwt_issuer: 'https://oidc.prod.example.com' });
    expect(conf.server.federation.bundle_endpoint).toEqual({ address: '0.0.0.0', port: 8443, profile: { https_spiffe: {} } });
    expect(conf.plugins.KeyManager[0].aws_kms.plugin_data.region).toBe('eu-west-1');
    expect(one(objects, 'Service', 'spire-server').spec.ports.map((p: any) => p.name)).toEqual(['grpc', 'federation']);
    expect(one(objects, 'ValidatingWebhookConfiguration').webhooks[0].failurePolicy).toBe('Fail');
    expect(one(objects, 'ConfigMap', 'spire-server-controller-manager').data['controller-manager-config.yaml']).toContain('- ^istio-system$');
    expect(one(objects, 'PodMonitor').metadata.labels.release).toBe('kube-prometheus');
    expect(server.className).toBe('prod');
  });
});

describe('SpireServer behaviour', () => {
  test('allowAgentServiceAccount and enableFederationBundleEndpoint change the rendered config', () => {
    const chart = testChart();
    const server = new SpireServer(chart, 'spire', base());
    server.allowAgentServiceAccount('spire-agents-b', 'spire-agent');
    server.enableFederationBundleEndpoint();
    const conf = serverConf(synth(chart));
    expect(conf.plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters.prod.service_account_allow_list).toEqual([
      'spire-agents-b:spire-agent',
      'spire-system:spire-agent',
    ]);
    expect(conf.server.federation.bundle_endpoint.port).toBe(8443);
  });

  test('config change changes the pod checksum annotation (rolls the pods)', () => {
    const a = render().objects;
    const b = render({ defaultX509SvidTtl: Duration.minutes(30) }).objects;
    const sum = (o: any[]) => one(o, 'StatefulSet').spec.template.metadata.annotations['spire-constructs.io/config-checksum'];
    expect(sum(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(a)).not.toBe(sum(b));
  });

  test('controller manager can be disabled', () => {
    const { objects } = render({ controllerManager: { enabled: false } });
    expect(all(objects, 'ValidatingWebhookConfiguration')).toHaveLength(0);
    expect(one(objects, 'StatefulSet').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['spire-server']);
  });

  test('cert-manager upstream gets a Role for CertificateRequests in its namespace only', () => {
    const { objects } = render({ upstreamAuthority: UpstreamAuthority.certManager({ namespace: 'spire-server', issuerName: 'spire-ca' }) });
    expect(one(objects, 'Role', 'spire-server-cert-manager').rules).toEqual([
      { apiGroups: ['cert-manager.io'], resources: ['certificaterequests'], verbs: ['create', 'get', 'list', 'delete'] },
    ]);
  });

  test('sqlite with one replica works (development)', () => {
    const { objects } = render({ database: ServerDatabase.sqlite(), replicas: 1 });
    expect(serverConf(objects).plugins.DataStore[0].sql.plugin_data.database_type).toBe('sqlite3');
    expectValidManifests(objects);
  });
});

describe('SpireServer refuses bad input', () => {
  test('fails on sqlite with more than one replica', () => {
    expect(() => render({ database: ServerDatabase.sqlite() })).toThrow(
      "Invalid 'replicas': received 3. SQLite cannot be shared by several SPIRE servers; use replicas: 1 (development) or PostgresDatabase.cloudNativePg({...}).",
    );
  });

  test('fails on a bad namespace', () => {
    expect(() => render({ namespace: 'Spire_Server' })).toThrow(
      "Invalid 'namespace': received \"Spire_Server\". Use a Kubernetes name: lowercase letters, digits and \"-\", at most 63 characters.",
    );
  });

  test('fails on zero replicas', () => {
    expect(() => render({ replicas: 0 })).toThrow("Invalid 'replicas': received 0. Use a whole number of at least 1 (3 or more for HA).");
  });

  test('fails on an SVID TTL the CA TTL cannot honour', () => {
    expect(() => render({ caTtl: Duration.hours(6), defaultX509SvidTtl: Duration.hours(2) })).toThrow(/Invalid 'defaultX509SvidTtl': received "2h". Use at most 1h/);
  });

  test('fails on a missing database', () => {
    expect(() => render({ database: undefined as never })).toThrow(/Invalid 'database': received nothing/);
  });

  test('fails on a bad cluster name', () => {
    // Named as the user set it (not as the k8s_psat plugin key).
    expect(() => render({ clusterName: 'prod/eu' })).toThrow(/Invalid 'clusterName': received "prod\/eu"/);
  });

  test('fails on bad resources and storage sizes', () => {
    expect(() => render({ resources: { cpuRequest: 'lots' } })).toThrow(/Invalid 'resources.cpuRequest': received "lots"/);
    expect(() => render({ storageSize: '1GB' })).toThrow("Invalid 'storageSize': received \"1GB\". Use a size such as \"1Gi\".");
  });

  test('external Postgres needs a password or a client certificate', () => {
    expect(() => PostgresDatabase.external({ host: 'db' })).toThrow(/Invalid 'external.passwordSecret': received nothing/);
    expect(() => PostgresDatabase.external({ host: 'db', clientCertSecret: 'c', sslMode: PostgresSslMode.DISABLE })).toThrow(/A client certificate needs TLS/);
  });

  test('CloudNativePG options are checked', () => {
    expect(() => PostgresDatabase.cloudNativePg({ name: 'Spire_DB' })).toThrow(/Invalid 'cloudNativePg.name'/);
    expect(() => PostgresDatabase.cloudNativePg({ instances: 0 })).toThrow(/Invalid 'cloudNativePg.instances'/);
  });
});
