import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, Chart, JsonPatch, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { k8s } from '../../src/k8s/kube';

/**
 * The objects src/k8s/kube.ts renders are the ones cdk8s-plus-28's L1 classes render from the
 * same props: the same JSON, keys in the same order (compared as text), renamed fields
 * (clusterIp → clusterIP, hostPid → hostPID, nested hostIp → hostIP) and IntOrString/Quantity
 * values included.
 */
const port = (name: string) => ({ path: '/ready', port: k8s.IntOrString.fromString(name) });
const podTemplate = {
  metadata: { labels: { app: 'web', hostIp: 'a-map-key-is-never-renamed' } },
  spec: {
    hostPid: true,
    hostIpc: false,
    serviceAccountName: 'web',
    containers: [
      {
        name: 'web',
        image: 'registry.example.com/web:1.0',
        ports: [{ name: 'http', containerPort: 8080, hostIp: '127.0.0.1' }],
        readinessProbe: { httpGet: port('http') },
        resources: { requests: { cpu: k8s.Quantity.fromString('10m') }, limits: { memory: k8s.Quantity.fromString('64Mi') } },
        env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }],
      },
    ],
    volumes: [{ name: 'info', downwardApi: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }],
  },
};

const cases: Array<[string, (chart: Chart, id: string) => ApiObject, (chart: Chart, id: string) => ApiObject]> = [
  [
    'Service (clusterIp, sessionAffinityConfig.clientIp, targetPort)',
    (c, id) => new plus.k8s.KubeService(c, id, { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIp: 'None', selector: { app: 'web' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: 60 } }, ports: [{ port: 80, targetPort: plus.k8s.IntOrString.fromString('http') }] } }),
    (c, id) => new k8s.KubeService(c, id, { metadata: { name: 'web', namespace: 'shop' }, spec: { clusterIp: 'None', selector: { app: 'web' }, sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIp: { timeoutSeconds: 60 } }, ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }] } }),
  ],
  [
    'DaemonSet (hostPid, hostIpc, ports[].hostIp, downwardApi, probes, resources; the same IntOrString and Quantity values in both props)',
    (c, id) => new plus.k8s.KubeDaemonSet(c, id, { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate } }),
    (c, id) => new k8s.KubeDaemonSet(c, id, { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate } }),
  ],
  [
    'Deployment (strategy.rollingUpdate IntOrString values, setHostnameAsFqdn)',
    (c, id) => new plus.k8s.KubeDeployment(c, id, { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: plus.k8s.IntOrString.fromString('25%'), maxUnavailable: plus.k8s.IntOrString.fromNumber(1) } }, template: { ...podTemplate, spec: { ...podTemplate.spec, setHostnameAsFqdn: false } } } }),
    (c, id) => new k8s.KubeDeployment(c, id, { metadata: { name: 'web' }, spec: { selector: { matchLabels: { app: 'web' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(1) } }, template: { ...podTemplate, spec: { ...podTemplate.spec, setHostnameAsFqdn: false } } } }),
  ],
  [
    'StatefulSet',
    (c, id) => new plus.k8s.KubeStatefulSet(c, id, { metadata: { name: 'web' }, spec: { serviceName: 'web', replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate } }),
    (c, id) => new k8s.KubeStatefulSet(c, id, { metadata: { name: 'web' }, spec: { serviceName: 'web', replicas: 3, selector: { matchLabels: { app: 'web' } }, template: podTemplate } }),
  ],
  [
    'ClusterRole (nonResourceUrLs)',
    (c, id) => new plus.k8s.KubeClusterRole(c, id, { metadata: { name: 'r' }, rules: [{ nonResourceUrLs: ['/metrics'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }),
    (c, id) => new k8s.KubeClusterRole(c, id, { metadata: { name: 'r' }, rules: [{ nonResourceUrLs: ['/metrics'], verbs: ['get'] }, { apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }),
  ],
  [
    'ServiceAccount (a field after metadata)',
    (c, id) => new plus.k8s.KubeServiceAccount(c, id, { metadata: { name: 'web', namespace: 'shop' }, automountServiceAccountToken: false }),
    (c, id) => new k8s.KubeServiceAccount(c, id, { metadata: { name: 'web', namespace: 'shop' }, automountServiceAccountToken: false }),
  ],
  [
    'PodDisruptionBudget (maxUnavailable)',
    (c, id) => new plus.k8s.KubePodDisruptionBudget(c, id, { metadata: { name: 'web' }, spec: { maxUnavailable: plus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { app: 'web' } } } }),
    (c, id) => new k8s.KubePodDisruptionBudget(c, id, { metadata: { name: 'web' }, spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { app: 'web' } } } }),
  ],
];

describe('src/k8s/kube.ts renders as cdk8s-plus-28 L1 classes do', () => {
  test.each(cases)('%s', (_name, theirs, ours) => {
    const chart = new Chart(Testing.app(), 'c');
    expect(JSON.stringify(ours(chart, 'ours').toJson())).toBe(JSON.stringify(theirs(chart, 'theirs').toJson()));
  });

  test('every object of the examples\' kinds has its apiVersion and kind, and is an ApiObject', () => {
    const chart = new Chart(Testing.app(), 'c');
    const o = new k8s.KubeCsiDriver(chart, 'csi', { metadata: { name: 'csi.spiffe.io' }, spec: {} });
    expect(o).toBeInstanceOf(ApiObject);
    expect(o.toJson()).toMatchObject({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver' });
    expect(o.constructor.name).toBe('KubeCsiDriver');
  });

  test('a JSON patch renders as written (with the API\'s names)', () => {
    const chart = new Chart(Testing.app(), 'c');
    const svc = new k8s.KubeService(chart, 'svc', { metadata: { name: 'web' }, spec: { clusterIp: 'None' } });
    svc.addJsonPatch(JsonPatch.add('/spec/publishNotReadyAddresses', true));
    expect(svc.toJson().spec).toEqual({ clusterIP: 'None', publishNotReadyAddresses: true });
  });
});

/** Runs `lines` in a fresh Node.js process at the repository root (src/ through ts-run); what it prints last, parsed. */
function inFreshProcess(lines: string[]): unknown {
  const res = spawnSync(process.execPath, ['-e', ["require('./scripts/ts-run.js');", ...lines].join('\n')], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' });
  expect(res.stderr).toBe('');
  return JSON.parse(res.stdout);
}

const PLUS_MODULES = "Object.keys(require.cache).filter((f) => f.includes('cdk8s-plus-28')).length";

test('importing the library loads neither cdk8s-plus-28 nor a second copy of yaml', () => {
  const loaded = inFreshProcess([
    "require('./src');",
    `console.log(JSON.stringify({ plus: ${PLUS_MODULES}, yaml: Object.keys(require.cache).filter((f) => /node_modules[\\\\/]yaml[\\\\/]/.test(f) && !f.includes('cdk8s')).length }));`,
  ]);
  expect(loaded).toEqual({ plus: 0, yaml: 0 });
});

test('a production stack with the OIDC discovery provider, ApiObject workloads bound to identities and an Istio policy loads no cdk8s-plus-28', () => {
  const loaded = inFreshProcess([
    "const { App, ApiObject, Chart } = require('cdk8s');",
    "const s = require('./src');",
    "const { productionStackProps } = require('./test/util/stack-props');",
    'const app = new App();',
    "const chart = new Chart(app, 'prod');",
    "const stack = new s.SpireStack(chart, 'spire', { ...productionStackProps(), oidcDiscoveryProvider: { issuer: 'https://oidc.prod.example.com', tls: s.OidcTls.atIngress({ tlsSecretName: 'oidc-tls' }) } });",
    "const ids = ['order', 'payment'].map((name) => {",
    "  const id = new s.WorkloadIdentity(chart, name, { server: stack.server, namespace: 'payments', serviceAccount: name });",
    "  id.bind(new ApiObject(chart, `${name}-deployment`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'payments' }, spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'example/app:1.0.0', ports: [{ containerPort: 8443 }] }] } } } }));",
    '  return id;',
    '});',
    "new s.MeshPolicy(chart, 'policy', { mesh: s.Mesh.istio({ cni: true }), stage: s.RolloutStage.ENFORCE }).allow(ids[0], ids[1], { methods: ['POST'] });",
    'const yaml = app.synthYaml();',
    "if (!yaml.includes('kind: Deployment') || !yaml.includes('name: spiffe-oidc-discovery-provider')) throw new Error('nothing synthesized');",
    `console.log(JSON.stringify({ plus: ${PLUS_MODULES} }));`,
  ]);
  expect(loaded).toEqual({ plus: 0 });
});

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const exampleApps = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'main.ts'))).sort();

test('the examples are found (production, linkerd, quickstart at least)', () => {
  expect(exampleApps).toEqual(expect.arrayContaining(['production', 'linkerd', 'quickstart']));
});

test.each(exampleApps)('the %s example, built and synthesized, loads no cdk8s-plus-28', (name) => {
  const loaded = inFreshProcess([
    `const app = require('./examples/${name}/main').buildApp(new (require('cdk8s').App)());`,
    "if (!app.synthYaml().includes('kind: ClusterSPIFFEID')) throw new Error('nothing synthesized');",
    `console.log(JSON.stringify({ plus: ${PLUS_MODULES} }));`,
  ]);
  expect(loaded).toEqual({ plus: 0 });
});
