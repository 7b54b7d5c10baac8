/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, and kwok standing in for kubelets (nodes that report Ready, pods that reach
 * Running; no containers run). Certificates from a test CA; clients authenticate with client
 * certificates, workloads with service account tokens the API server signs.
 */
import * as fs from 'fs';
import * as path from 'path';
import { BIN } from './components';
import { KubeClient } from './kube';
import { serviceAccountKey, TestCa } from './pki';
import { Proc, start, tcpOpen, waitFor } from './proc';

/** Where one control plane listens: a second cluster takes other addresses and ports. */
export interface ControlPlaneAddresses {
  /** kube-apiserver's address (its certificate names it). */
  readonly apiHost: string;
  readonly apiPort: number;
  /** etcd's client port (the peer port is the next one). */
  readonly etcdPort: number;
  readonly controllerManagerPort: number;
  readonly schedulerPort: number;
  readonly kwokPort: number;
  /** The range kwok takes pod IPs from. */
  readonly podCidr: string;
}

/** The suite's cluster. */
export const FIRST_CLUSTER: ControlPlaneAddresses = {
  apiHost: '127.0.0.1', apiPort: 16443, etcdPort: 12379, controllerManagerPort: 10257, schedulerPort: 10259, kwokPort: 10247, podCidr: '127.100.0.0/16',
};

export interface ControlPlane {
  readonly ca: TestCa;
  readonly kube: KubeClient;
  readonly kubeconfig: string;
  readonly server: string;
  readonly procs: Proc[];
  readonly nodes: string[];
}

function writeKubeconfig(file: string, server: string, ca: string, cert: string, key: string): void {
  fs.writeFileSync(file, [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: e2e', '  cluster:', `    server: ${server}`, `    certificate-authority: ${ca}`,
    'users:', '- name: admin', '  user:', `    client-certificate: ${cert}`, `    client-key: ${key}`,
    'contexts:', '- name: e2e', '  context:', '    cluster: e2e', '    user: admin',
    'current-context: e2e', '',
  ].join('\n'));
}

export async function startControlPlane(runDir: string, nodeCount: number, at: ControlPlaneAddresses = FIRST_CLUSTER): Promise<ControlPlane> {
  const { apiHost, apiPort, etcdPort } = at;
  const pki = path.join(runDir, 'pki');
  const logs = path.join(runDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const ca = new TestCa(pki, 'kubernetes');
  const apiCert = ca.issue('apiserver', {
    cn: 'kube-apiserver',
    server: true,
    names: [apiHost, 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  });
  const admin = ca.issue('admin', { cn: 'e2e-admin', org: 'system:masters', client: true });
  const sa = serviceAccountKey(pki);
  const server = `https://${apiHost}:${apiPort}`;
  const kubeconfig = path.join(runDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, ca.cert, admin.cert, admin.key);

  const etcd = start(logs, 'etcd', BIN.etcd, [
    '--name', 'e2e', '--data-dir', path.join(runDir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPort + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPort + 1}`,
    '--initial-cluster', `e2e=http://127.0.0.1:${etcdPort + 1}`,
  ], { env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } });
  await waitFor('etcd to listen', 30_000, () => tcpOpen('127.0.0.1', etcdPort), [etcd]);

  const apiserver = start(logs, 'kube-apiserver', BIN.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    `--bind-address=${apiHost}`, `--secure-port=${apiPort}`, `--advertise-address=${apiHost}`,
    // No kubernetes Service endpoints to maintain: loopback is not a valid endpoint address.
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${apiCert.cert}`, `--tls-private-key-file=${apiCert.key}`, `--client-ca-file=${ca.cert}`,
    `--service-account-key-file=${sa.pub}`, `--service-account-signing-key-file=${sa.key}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--authorization-mode=Node,RBAC', '--service-cluster-ip-range=10.96.0.0/16', '--allow-privileged=true',
    `--cert-dir=${path.join(runDir, 'apiserver-certs')}`, '--profiling=false',
  ]);
  const kube = new KubeClient(server, { ca: ca.cert, cert: admin.cert, key: admin.key });
  await waitFor('kube-apiserver to report ready', 120_000, async () => (await kube.request<string>('GET', '/readyz')) === 'ok', [etcd, apiserver], 500);

  const kcm = start(logs, 'kube-controller-manager', BIN.kubeControllerManager, [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false', '--use-service-account-credentials=true',
    `--service-account-private-key-file=${sa.key}`, `--root-ca-file=${ca.cert}`,
    '--bind-address=127.0.0.1', `--secure-port=${at.controllerManagerPort}`, '--controllers=*',
  ]);
  const scheduler = start(logs, 'kube-scheduler', BIN.kubeScheduler, [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false', '--bind-address=127.0.0.1', `--secure-port=${at.schedulerPort}`,
  ]);
  const stages = fs.readdirSync(BIN.kwokStages).map((f) => path.join(BIN.kwokStages, f)).sort();
  const kwok = start(logs, 'kwok', BIN.kwok, [
    `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    // Pod IPs from a loopback range: nothing is ever sent to them, and no private range is named.
    `--cidr=${at.podCidr}`, '--node-ip=127.0.0.1', `--server-address=127.0.0.1:${at.kwokPort}`,
    ...stages.map((s) => `--config=${s}`),
  ]);
  const procs = [etcd, apiserver, kcm, scheduler, kwok];

  await kube.discover();
  const nodes: string[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = `node-${i}`;
    nodes.push(name);
    await kube.create({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
        labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': `zone-${i % 3}`, 'type': 'kwok' },
      },
      spec: {},
    });
  }
  await waitFor('kwok nodes to be Ready', 60_000, async () => {
    const list = await kube.list<{ status?: { conditions?: Array<{ type: string; status: string }> } }>('v1', 'Node');
    return list.length === nodeCount && list.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  }, procs, 500);
  await waitFor('the default service account (controller manager up)', 60_000, async () => !!(await kube.tryGet('v1', 'ServiceAccount', 'default', 'default')), procs, 500);
  return { ca, kube, kubeconfig, server, procs, nodes };
}
