import * as path from 'path';
import { ApiObject, Chart, Include, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { Mesh, MeshPolicy, PostgresDatabase, RolloutStage, SpireServer, TrustDomain, WorkloadIdentity, WorkloadIdentityProps } from '../../src';
import { all, one } from '../util/synth';
import { expectValidManifests, KubeObject } from '../util/validate';

const MANIFESTS = path.join(__dirname, '..', 'fixtures', 'payments-manifests.yaml');
const SOCKET = { name: 'SPIFFE_ENDPOINT_SOCKET', value: 'unix:///spiffe-workload-api/spire-agent.sock' };
const CSI_VOLUME = { name: 'spiffe-workload-api', csi: { driver: 'csi.spiffe.io', readOnly: true } };
const CSI_MOUNT = { name: 'spiffe-workload-api', mountPath: '/spiffe-workload-api', readOnly: true };

function setup() {
  const app = Testing.app();
  const chart = new Chart(app, 'c');
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod-eu-1', database: PostgresDatabase.cloudNativePg() });
  const identity = (props: Partial<WorkloadIdentityProps> = {}, id = 'id') =>
    new WorkloadIdentity(chart, id, { server, namespace: 'payments', serviceAccount: 'ledger', ...props });
  return { app, chart, server, identity };
}

/** The ledger Deployment of the team's manifests, through cdk8s's Include. */
function included(chart: Chart): ApiObject {
  const include = new Include(chart, 'ledger', { url: MANIFESTS });
  const d = include.apiObjects.find((o) => o.kind === 'Deployment');
  if (!d) throw new Error('fixture has no Deployment');
  return d;
}

function deploymentOf(chart: Chart, name?: string): any {
  return one(Testing.synth(chart) as KubeObject[], 'Deployment', name);
}

describe('bind an ApiObject workload (Include, generated L1 classes, plain ApiObjects)', () => {
  test('an included Deployment gets the service account, the pinned labels and the Workload API, its own fields kept', () => {
    const { chart, identity } = setup();
    const id = identity();
    const d = included(chart);
    id.bind(d);
    const objects = Testing.synth(chart) as KubeObject[];
    const pod = one(objects, 'Deployment').spec.template;
    expect(pod.spec.serviceAccountName).toBe('ledger');
    expect(pod.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'ledger', 'spire-constructs.io/service-account': 'ledger' });
    expect(pod.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, CSI_VOLUME]);
    expect(pod.spec.containers.map((c: any) => [c.name, c.env, c.volumeMounts])).toEqual([
      ['ledger', [{ name: 'LOG_LEVEL', value: 'info' }, SOCKET], [{ name: 'tmp', mountPath: '/tmp' }, CSI_MOUNT]],
      ['metrics', [SOCKET], [CSI_MOUNT]],
    ]);
    // The ClusterSPIFFEID selects exactly these pods.
    const entry = one(objects, 'ClusterSPIFFEID');
    expect(entry.spec.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'payments' });
    for (const [k, v] of Object.entries(entry.spec.podSelector.matchLabels)) expect(pod.metadata.labels[k]).toBe(v);
    expect(id.boundWorkloads).toEqual([d]);
    expect(id.podSelectorLabels()).toEqual(pod.metadata.labels);
    expect(id.workloadPorts()).toEqual([8443, 9102]);
    expectValidManifests(objects);
  });

  test('renders what binding the cdk8s-plus Deployment it was rendered from renders', () => {
    // The cdk8s-plus path is the one the end-to-end suite runs on a real API server and agent.
    const props = { metadata: { name: 'ledger', namespace: 'payments' }, containers: [{ name: 'ledger', image: 'registry.example.com/payments/ledger:2.0.1', portNumber: 8443 }] };
    const viaPlus = setup();
    viaPlus.identity({ podLabels: { app: 'ledger' }, containerName: 'ledger' }).bind(new plus.Deployment(viaPlus.chart, 'ledger', props));
    const unbound = setup();
    new plus.Deployment(unbound.chart, 'ledger', props);
    const viaApiObject = setup();
    const { apiVersion, kind, metadata, ...rest } = deploymentOf(unbound.chart);
    const d = new ApiObject(viaApiObject.chart, 'ledger', { apiVersion, kind, metadata, ...rest });
    viaApiObject.identity({ podLabels: { app: 'ledger' }, containerName: 'ledger' }).bind(d);
    // The same JSON, keys in the same order (compared as text).
    expect(JSON.stringify(deploymentOf(viaApiObject.chart))).toBe(JSON.stringify(deploymentOf(viaPlus.chart)));
    expect(deploymentOf(viaApiObject.chart)).not.toEqual(deploymentOf(unbound.chart));
  });

  test('a pod template without labels, volumes or env gets them; a pinned container alone gets the Workload API', () => {
    const { chart, identity } = setup();
    const d = new ApiObject(chart, 'batch', {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'batch', namespace: 'payments' },
      spec: { serviceName: 'batch', selector: { matchLabels: { app: 'batch' } }, template: { spec: { containers: [{ name: 'main', image: 'a:1' }, { name: 'side', image: 'b:1' }] } } },
    });
    identity({ containerName: 'main', podLabels: { app: 'batch' } }).bind(d);
    const s = one(Testing.synth(chart) as KubeObject[], 'StatefulSet', 'batch');
    expect(s.spec.template.metadata).toEqual({ labels: { 'app': 'batch', 'spire-constructs.io/service-account': 'ledger' } });
    expect(s.spec.template.spec.volumes).toEqual([CSI_VOLUME]);
    expect(s.spec.template.spec.containers).toEqual([
      { name: 'main', image: 'a:1', env: [SOCKET], volumeMounts: [CSI_MOUNT] },
      { name: 'side', image: 'b:1' },
    ]);
  });

  test('refuses what it cannot bind, and a refused bind leaves the workload as it was', () => {
    const { chart, identity } = setup();
    const id = identity();
    const svc = new Include(chart, 'inc', { url: MANIFESTS }).apiObjects.find((o) => o.kind === 'Service')!;
    expect(() => id.bind(svc)).toThrow(
      "Invalid 'workload': received \"v1/Service\". Workload 'c/inc/ledger-service-payments': bind a cdk8s-plus Deployment, StatefulSet or DaemonSet, or an ApiObject of apps/v1 Deployment, StatefulSet, DaemonSet. [at c/id]",
    );
    const job = new ApiObject(chart, 'job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { namespace: 'payments' }, spec: { template: { spec: { containers: [] } } } });
    expect(() => id.bind(job)).toThrow(/Invalid 'workload': received "batch\/v1\/Job"/);
    const empty = new ApiObject(chart, 'empty', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { namespace: 'payments' }, spec: {} });
    expect(() => id.bind(empty)).toThrow(/has no spec.template.spec.containers; give it its containers before binding it/);

    const cases: Array<[Partial<WorkloadIdentityProps>, (pod: any) => void, RegExp]> = [
      [{ namespace: 'shop' }, () => undefined, /Invalid 'workload namespace': received "payments". Workload 'c\/w\d' must run in namespace "shop"/],
      [{}, (pod) => (pod.spec.serviceAccountName = 'billing'), /Invalid 'workload serviceAccount': received "billing". Workload 'c\/w\d' runs as service account "billing", but identity 'c\/i\d' is for "ledger"/],
      [{ podLabels: { app: 'ledger' } }, (pod) => (pod.metadata.labels.app = 'other'), /Invalid 'workload pod label': received "app=other". Identity 'c\/i\d' pins app=ledger/],
      [{ containerName: 'sidecar' }, () => undefined, /Invalid 'workload containers': received \["ledger"\]. Identity 'c\/i\d' pins container "sidecar"/],
      [{}, (pod) => (pod.spec.containers[0].env = [{ name: 'SPIFFE_ENDPOINT_SOCKET', value: 'unix:///run/spire/agent.sock' }]), /Invalid 'workload env': received "SPIFFE_ENDPOINT_SOCKET=unix:\/\/\/run\/spire\/agent.sock"/],
      [{}, (pod) => (pod.spec.volumes = [{ name: 'spiffe-workload-api', hostPath: { path: '/run/spire' } }]), /Invalid 'workload volumes'.*not the SPIFFE CSI driver's/],
    ];
    cases.forEach(([props, edit, message], i) => {
      const pod = { metadata: { labels: { app: 'ledger' } }, spec: { containers: [{ name: 'ledger', image: 'a:1' }] } };
      edit(pod);
      const w = new ApiObject(chart, `w${i}`, { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'ledger' } }, template: pod } });
      const before = JSON.stringify(w.toJson());
      expect(() => identity(props, `i${i}`).bind(w)).toThrow(message);
      expect(JSON.stringify(w.toJson())).toBe(before);
    });
  });

  test('Istio: the callee and caller pods are injected with the spire template; policies select the template labels on its ports', () => {
    const { chart, identity } = setup();
    const callee = identity();
    callee.bind(included(chart));
    const caller = identity({ serviceAccount: 'checkout' }, 'caller');
    const checkout = new ApiObject(chart, 'checkout', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'checkout', namespace: 'payments' },
      spec: { selector: { matchLabels: { app: 'checkout' } }, template: { metadata: { labels: { app: 'checkout' } }, spec: { containers: [{ name: 'checkout', image: 'c:1' }] } } },
    });
    caller.bind(checkout);
    new MeshPolicy(chart, 'policy', { mesh: Mesh.istio({ cni: true }), stage: RolloutStage.ENFORCE }).allow(caller, callee, { methods: ['POST'], paths: ['/api/ledger'] });
    const objects = Testing.synth(chart) as KubeObject[];
    for (const name of ['ledger', 'checkout']) {
      const t = one(objects, 'Deployment', name).spec.template;
      expect(t.metadata.labels['sidecar.istio.io/inject']).toBe('true');
      expect(t.metadata.annotations).toEqual({ 'inject.istio.io/templates': 'sidecar,spire' });
    }
    const allow = one(objects, 'AuthorizationPolicy', 'ledger-allow-0');
    expect(allow.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'ledger', 'spire-constructs.io/service-account': 'ledger' });
    expect(allow.spec.rules[0].from[0].source.principals).toEqual(['prod.example.com/ns/payments/sa/checkout']);
    expect(allow.spec.rules[0].to[0].operation.ports).toEqual(['8443', '9102']);
    const np = all(objects, 'NetworkPolicy').find((p) => p.metadata.namespace === 'payments' && p.spec.ingress?.length);
    expect(np.spec.podSelector.matchLabels).toEqual(allow.spec.selector.matchLabels);
    expect(np.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual(expect.arrayContaining([8443, 9102]));
    expectValidManifests(objects);
  });

  test('Linkerd: bound ApiObject workloads are annotated for the proxy injector with the stage\'s default policy', () => {
    const { chart, identity } = setup();
    const callee = identity();
    callee.bind(included(chart));
    const caller = identity({ serviceAccount: 'checkout', podLabels: { app: 'checkout' } }, 'caller');
    new MeshPolicy(chart, 'policy', { mesh: Mesh.linkerd(), stage: RolloutStage.ENFORCE }).allow(caller, callee, { ports: [8443] });
    const t = deploymentOf(chart, 'ledger').spec.template;
    expect(t.metadata.annotations).toEqual({ 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'deny' });
  });
});
