import { Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import { Images, PostgresDatabase, SpiffeCsiDriver, SpireAgent, SpireServer, TrustDomain, WorkloadApi } from '../../src';
import { container, one, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

function render(props: { kubeletPath?: string; seLinuxType?: string } = {}) {
  const chart = testChart();
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const agent = new SpireAgent(chart, 'agent', { server });
  const csi = new SpiffeCsiDriver(chart, 'csi', { agent, ...props });
  return { csi, objects: synth(chart) };
}

describe('SpiffeCsiDriver', () => {
  const { csi, objects } = render();
  const ds = one(objects, 'DaemonSet', 'spiffe-csi-driver');

  test('snapshot (for review)', () => {
    expect(objects.filter((o) => o.kind === 'CSIDriver' || o.metadata?.name === 'spiffe-csi-driver')).toMatchSnapshot();
  });

  test('every object validates', () => {
    expectValidManifests(objects);
  });

  test('primary child is the DaemonSet', () => {
    expect(csi.node.defaultChild).toBe(csi.daemonSet);
  });

  test('CSIDriver csi.spiffe.io: ephemeral, podInfoOnMount, no attach, cluster-scoped', () => {
    const d = one(objects, 'CSIDriver', 'csi.spiffe.io');
    expect(d.spec).toEqual({ attachRequired: false, podInfoOnMount: true, fsGroupPolicy: 'None', volumeLifecycleModes: ['Ephemeral'] });
    expect(d.metadata.namespace).toBeUndefined();
  });

  test('driver: Bidirectional propagation on the kubelet pods directory, read-only agent socket', () => {
    const c = container(ds, 'spiffe-csi-driver');
    expect(c.volumeMounts).toContainEqual({ name: 'mountpoint-dir', mountPath: '/var/lib/kubelet/pods', mountPropagation: 'Bidirectional' });
    expect(c.volumeMounts).toContainEqual({ name: 'spire-agent-socket-dir', mountPath: '/spire-agent-socket', readOnly: true });
    expect(ds.spec.template.spec.volumes).toContainEqual({ name: 'spire-agent-socket-dir', hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' } });
    expect(c.args).toEqual(['-workload-api-socket-dir', '/spire-agent-socket', '-plugin-name', 'csi.spiffe.io', '-csi-socket-path', '/spiffe-csi/csi.sock']);
  });

  test('node-driver-registrar registers the plugin socket with the kubelet', () => {
    const r = container(ds, 'node-driver-registrar');
    expect(r.args).toEqual(['-csi-address', '/spiffe-csi/csi.sock', '-kubelet-registration-path', '/var/lib/kubelet/plugins/csi.spiffe.io/csi.sock', '-health-port', '9809']);
    expect(r.securityContext.privileged).toBe(false);
  });

  test('configurable kubelet path and SELinux type', () => {
    const custom = render({ kubeletPath: '/var/snap/microk8s/common/var/lib/kubelet', seLinuxType: 'spc_t' }).objects;
    const d = one(custom, 'DaemonSet', 'spiffe-csi-driver');
    expect(d.spec.template.spec.volumes).toContainEqual({ name: 'mountpoint-dir', hostPath: { path: '/var/snap/microk8s/common/var/lib/kubelet/pods', type: 'Directory' } });
    expect(container(d, 'spiffe-csi-driver').securityContext.seLinuxOptions).toEqual({ type: 'spc_t', level: 's0' });
  });

  test('liveness: the CSI livenessprobe sidecar (pinned by default) probes the driver over its socket; the NetworkPolicy admits only the probe ports, no egress', () => {
    const probe = container(ds, 'liveness-probe');
    expect(probe.image).toBe(Images.CSI_LIVENESS_PROBE);
    expect(probe.args).toEqual(['--csi-address=/spiffe-csi/csi.sock', '--http-endpoint=:9808']);
    expect(container(ds, 'spiffe-csi-driver').livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'healthz' });
    expect(container(ds, 'spiffe-csi-driver').ports).toEqual([{ name: 'healthz', containerPort: 9808, protocol: 'TCP' }]);
    const np = one(objects, 'NetworkPolicy', 'spiffe-csi-driver');
    expect(np.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 9808 }, { protocol: 'TCP', port: 9809 }] }]);
    expect(np.spec.egress).toBeUndefined();
  });

  test('fails on a relative kubelet path', () => {
    expect(() => render({ kubeletPath: 'var/lib/kubelet' })).toThrow(/Invalid 'kubeletPath': received "var\/lib\/kubelet"/);
  });
});

describe('WorkloadApi.mount', () => {
  test('adds the read-only CSI volume, the mount and SPIFFE_ENDPOINT_SOCKET to every container, once', () => {
    const chart = new Chart(Testing.app(), 'c');
    const dep = new plus.Deployment(chart, 'web', { containers: [{ image: 'example/web:1.0.0', name: 'web' }, { image: 'example/sidecar:1.0.0', name: 'side' }] });
    WorkloadApi.mount(dep);
    WorkloadApi.mount(dep);
    const d = Testing.synth(chart).find((o: any) => o.kind === 'Deployment');
    const podSpec = d.spec.template.spec;
    expect(podSpec.volumes).toEqual([{ name: 'spiffe-workload-api', csi: { driver: 'csi.spiffe.io', readOnly: true } }]);
    for (const c of podSpec.containers) {
      expect(c.volumeMounts).toEqual([{ name: 'spiffe-workload-api', mountPath: '/spiffe-workload-api', readOnly: true }]);
      expect(c.env).toEqual([{ name: 'SPIFFE_ENDPOINT_SOCKET', value: 'unix:///spiffe-workload-api/spire-agent.sock' }]);
    }
    expect(WorkloadApi.isMounted(dep)).toBe(true);
  });

  test('fails on a workload without containers', () => {
    const chart = new Chart(Testing.app(), 'c');
    const dep = new plus.Deployment(chart, 'web');
    expect(() => WorkloadApi.mount(dep)).toThrow(/has no containers yet/);
  });
});
