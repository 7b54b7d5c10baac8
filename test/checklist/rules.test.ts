import { Testing } from 'cdk8s';
import { buildApp } from '../../examples/production/main';
import { KubeObject, Level, RULES, runChecklist } from '../../src';
import { serverConfigs, workloads } from '../../src/checklist/inspect';

/** The production example's objects: compliant with every rule. */
function production(): KubeObject[] {
  const app = buildApp(Testing.app());
  return app.charts.flatMap((c) => c.toJson() as KubeObject[]);
}
const clone = (o: KubeObject[]): any[] => JSON.parse(JSON.stringify(o));
const find = (objs: any[], kind: string, name?: string) => objs.find((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
const podOf = (o: any) => o.spec.template.spec;

function editConfig(objs: any[], cm: string, key: string, edit: (c: any) => void): void {
  const o = find(objs, 'ConfigMap', cm);
  const conf = JSON.parse(o.data[key]);
  edit(conf);
  o.data[key] = JSON.stringify(conf);
}

/** Per rule: a change that makes the compliant production manifests non-compliant. */
const BREAK: Record<string, (objs: any[]) => void> = {
  'SPIRE-SRV1': (o) => (find(o, 'StatefulSet', 'spire-server').spec.replicas = 2),
  'SPIRE-SRV2': (o) => o.splice(o.indexOf(find(o, 'PodDisruptionBudget')), 1),
  'SPIRE-SRV3': (o) => {
    delete podOf(find(o, 'StatefulSet', 'spire-server')).affinity;
    delete podOf(find(o, 'StatefulSet', 'spire-server')).topologySpreadConstraints;
  },
  'SPIRE-SRV4': (o) => (podOf(find(o, 'StatefulSet', 'spire-server')).containers[0].securityContext.readOnlyRootFilesystem = false),
  'SPIRE-SRV5': (o) => {
    for (const np of o.filter((x) => x.kind === 'NetworkPolicy' && x.metadata.namespace === 'spire-server')) o.splice(o.indexOf(np), 1);
  },
  'SPIRE-SRV6': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => (c.server.audit_log_enabled = false)),
  'SPIRE-SRV7': (o) => (podOf(find(o, 'StatefulSet', 'spire-server')).containers = podOf(find(o, 'StatefulSet', 'spire-server')).containers.slice(0, 1)),
  'SPIRE-DS1': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => (c.plugins.DataStore[0].sql.plugin_data = { database_type: 'sqlite3', connection_string: '/x' })),
  'SPIRE-DS2': (o) =>
    editConfig(o, 'spire-server', 'server.conf', (c) => {
      const d = c.plugins.DataStore[0].sql.plugin_data;
      d.connection_string = d.connection_string.replace('verify-full', 'require');
    }),
  'SPIRE-CA1': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => delete c.plugins.UpstreamAuthority),
  'SPIRE-CA2': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => (c.server.ca_ttl = '720h')),
  'SPIRE-CA3': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => (c.server.default_x509_svid_ttl = '2h')),
  'SPIRE-ATT1': (o) => editConfig(o, 'spire-agent', 'agent.conf', (c) => (c.plugins.NodeAttestor = [{ join_token: { plugin_data: {} } }])),
  'SPIRE-ATT2': (o) => editConfig(o, 'spire-agent', 'agent.conf', (c) => (c.plugins.WorkloadAttestor[0].k8s.plugin_data.skip_kubelet_verification = true)),
  'SPIRE-AGT1': (o) => (podOf(find(o, 'DaemonSet', 'spire-agent')).tolerations = []),
  'SPIRE-ID1': (o) => (find(o, 'ClusterSPIFFEID').spec.workloadSelectorTemplates = ['k8s:ns:payments']),
  'SPIRE-ID2': (o) => (find(o, 'ClusterSPIFFEID').spec.ttl = '24h'),
  'SPIRE-ID3': (o) => o.splice(o.indexOf(find(o, 'ClusterSPIFFEID', 'payments-order-service')), 1),
  'SPIRE-MESH1': (o) => (find(o, 'PeerAuthentication').spec.mtls.mode = 'PERMISSIVE'),
  'SPIRE-MESH2': (o) => (find(o, 'AuthorizationPolicy', 'allow-nothing').metadata.annotations = { 'istio.io/dry-run': 'true' }),
  'SPIRE-MESH3': (o) => (find(o, 'AuthorizationPolicy', 'payment-service-allow-0').spec.rules[0].from[0].source.principals = ['prod.example.com/ns/payments/*']),
  // A Linkerd Server denying by default in front of payment-service, whose pods are not injected.
  'SPIRE-MESH4': (o) =>
    o.push({
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'Server',
      metadata: { name: 'payment-service-8443', namespace: 'payments' },
      spec: { podSelector: { matchLabels: find(o, 'Deployment', 'payment-service').spec.template.metadata.labels }, port: 8443, accessPolicy: 'deny' },
    }),
  // The agent-down alert lives in the agent's PrometheusRule.
  'SPIRE-OPS1': (o) => o.splice(o.indexOf(find(o, 'PrometheusRule', 'spire-agent')), 1),
  'SPIRE-MESH5': (o) => delete find(o, 'Deployment', 'subscription-service').spec.template.metadata.annotations['inject.istio.io/templates'],
  'SPIRE-MESH6': (o) => (find(o, 'AuthorizationPolicy', 'payment-service-allow-1').spec.rules[0].from[0].source.principals = ['cluster.local/ns/payments/sa/subscription-service']),
  'SPIRE-AGT2': (o) => (podOf(find(o, 'DaemonSet', 'spire-agent')).initContainers = []),
  'SPIRE-MESH7': (o) => (find(o, 'AuthorizationPolicy', 'payment-service-allow-1').spec.rules[0].from[0].source.principals = ['partner.example/ns/shop/sa/web']),
  'SPIRE-NET1': (o) => delete find(o, 'NetworkPolicy', 'spire-server').metadata.annotations,
  'SPIRE-SEC1': (o) => o.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'spire-server' }, stringData: { password: 'hunter2' } }),
  // The server's JWT-SVIDs would carry another iss than the discovery document.
  'SPIRE-OIDC1': (o) => editConfig(o, 'spire-server', 'server.conf', (c) => (c.server.jwt_issuer = 'https://jwt.prod.example.com')),
  'SPIRE-SEC2': (o) => (podOf(find(o, 'DaemonSet', 'spire-agent')).containers[0].image = 'ghcr.io/spiffe/spire-agent:latest'),
};

describe('checklist rules', () => {
  const compliant = production();

  test('every rule has a non-compliant case here, and ids are unique and stable in form', () => {
    expect(Object.keys(BREAK).sort()).toEqual(RULES.map((r) => r.id).sort());
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
    for (const r of RULES) {
      expect(r.id).toMatch(/^SPIRE-[A-Z]+[0-9]+$/);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.reason.length).toBeGreaterThan(10);
      expect(r.fix.length).toBeGreaterThan(10);
    }
  });

  test('the pack: ids per level', () => {
    expect(RULES.filter((r) => r.level === Level.ERROR).map((r) => r.id)).toEqual([
      'SPIRE-SRV1', 'SPIRE-SRV4', 'SPIRE-DS1', 'SPIRE-DS2', 'SPIRE-CA2', 'SPIRE-CA3', 'SPIRE-ATT1', 'SPIRE-ATT2',
      'SPIRE-AGT2', 'SPIRE-ID1', 'SPIRE-ID2', 'SPIRE-ID3', 'SPIRE-MESH3', 'SPIRE-MESH4', 'SPIRE-MESH5', 'SPIRE-MESH6', 'SPIRE-MESH7', 'SPIRE-OIDC1', 'SPIRE-SEC1', 'SPIRE-SEC2',
    ]);
  });

  describe.each(RULES.map((r) => [r.id, r] as const))('%s', (id, rule) => {
    test('compliant: the production manifests pass', () => {
      expect(rule.check(compliant)).toEqual([]);
    });

    test('non-compliant: the broken manifests fail, naming the object', () => {
      const broken = clone(compliant);
      BREAK[id](broken);
      const hits = rule.check(broken);
      expect(hits.length).toBeGreaterThan(0);
      for (const h of hits) {
        expect(h.object).toMatch(/^[A-Za-z]+ \S+/);
        expect(h.message.length).toBeGreaterThan(5);
      }
    });
  });

  test('SPIRE-MESH4: the namespace annotation counts; a pod template\'s own "disabled" wins over it', () => {
    const rule = RULES.find((r) => r.id === 'SPIRE-MESH4')!;
    const broken = clone(compliant);
    BREAK['SPIRE-MESH4'](broken);
    expect(rule.check(broken).map((h) => h.object)).toEqual(['Deployment payments/payment-service']);
    find(broken, 'Namespace', 'payments').metadata.annotations = { 'linkerd.io/inject': 'enabled' };
    expect(rule.check(broken)).toEqual([]);
    find(broken, 'Deployment', 'payment-service').spec.template.metadata.annotations = { 'linkerd.io/inject': 'disabled' };
    expect(rule.check(broken)).toEqual([
      {
        object: 'Deployment payments/payment-service',
        message: 'Server payments/payment-service-8443 denies by default, but the pods are not injected (linkerd.io/inject is "disabled" on the pod template), so nothing enforces it.',
      },
    ]);
    find(broken, 'Server', 'payment-service-8443').spec.accessPolicy = 'audit';
    expect(rule.check(broken)).toEqual([]);
  });

  test('SPIRE-MESH1: a namespace\'s first namespace-wide PeerAuthentication decides; a STRICT one in istio-system covers namespaces without a mode', () => {
    const rule = RULES.find((r) => r.id === 'SPIRE-MESH1')!;
    const objs = clone(compliant);
    const pa = find(objs, 'PeerAuthentication');
    const ns: string = pa.metadata.namespace;
    expect(rule.check(objs)).toEqual([]);
    // A later PERMISSIVE one in the same namespace does not count; one with a selector neither.
    objs.push({ ...clone([pa])[0], metadata: { name: 'later', namespace: ns }, spec: { mtls: { mode: 'PERMISSIVE' } } });
    objs.push({ ...clone([pa])[0], metadata: { name: 'one-workload', namespace: ns }, spec: { selector: { matchLabels: { app: 'x' } }, mtls: { mode: 'PERMISSIVE' } } });
    expect(rule.check(objs)).toEqual([]);
    // Without it, the namespace falls back to the mesh default (PERMISSIVE) unless istio-system says STRICT.
    objs.splice(objs.indexOf(pa), 1);
    expect(rule.check(objs)).toEqual([{ object: `PeerAuthentication ${ns}/later`, message: 'mTLS mode is PERMISSIVE, not STRICT.' }]);
    objs.splice(objs.findIndex((o) => o.metadata?.name === 'later'), 1);
    expect(rule.check(objs)).toEqual([{ object: `Namespace ${ns}`, message: 'mTLS mode is PERMISSIVE (mesh default), not STRICT.' }]);
    objs.push({ apiVersion: pa.apiVersion, kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode: 'PERMISSIVE' } } });
    objs.push({ apiVersion: pa.apiVersion, kind: 'PeerAuthentication', metadata: { name: 'mesh', namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } });
    expect(rule.check(objs)).toEqual([]);
  });

  test('rules read the official Helm chart shapes too (object-form plugins, list-form blocks)', () => {
    const helmLike = [
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'spire-server', namespace: 'spire-server' },
        data: { 'server.conf': JSON.stringify({ server: { ca_ttl: '24h' }, plugins: { DataStore: { sql: { plugin_data: { database_type: 'sqlite3', connection_string: '/run/spire/data/datastore.sqlite3' } } } } }) },
      },
    ] as KubeObject[];
    const findings = runChecklist(helmLike).map((f) => f.ruleId);
    expect(findings).toEqual(expect.arrayContaining(['SPIRE-SRV6', 'SPIRE-DS1', 'SPIRE-CA1', 'SPIRE-ATT1']));
  });

  test('the readers the rules share scan a run\'s objects once, and each run sees its own objects (same array changed between runs)', () => {
    const objs = clone(production());
    expect(runChecklist(objs).map((f) => f.ruleId)).not.toContain('SPIRE-DS1');
    // Replace the server's ConfigMap (a new object in the same array): a reader kept from the first run would miss it.
    const i = objs.indexOf(find(objs, 'ConfigMap', 'spire-server'));
    objs[i] = clone([objs[i]])[0];
    editConfig(objs, 'spire-server', 'server.conf', (c) => (c.plugins.DataStore[0].sql.plugin_data = { database_type: 'sqlite3', connection_string: '/x' }));
    expect(runChecklist(objs).map((f) => f.ruleId)).toContain('SPIRE-DS1');
    // Within one run (one frozen array) a reader is computed once; an array that may change is read anew.
    const frozen = Object.freeze([...objs]);
    expect(serverConfigs(frozen)).toBe(serverConfigs(frozen));
    expect(workloads(frozen)).toBe(workloads(frozen));
    expect(serverConfigs(objs)).not.toBe(serverConfigs(objs));
    expect(serverConfigs(objs)).toEqual(serverConfigs(frozen));
  });

  test('a rule that crashes becomes a SPIRE-RuleError finding', () => {
    const findings = runChecklist([], { rules: [{ ...RULES[0], check: () => { throw new Error('boom'); } }] });
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'SPIRE-RuleError', level: Level.ERROR, message: 'rule SPIRE-SRV1 failed: boom' })]);
  });
});
