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

export const API_HOST = '127.0.0.1';
export const API_PORT = 16443;
const ETCD_PORT = 12379;

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

export async function startControlPlane(runDir: string, nodeCount: number): Promise<ControlPlane> {
  const pki = path.join(runDir, 'pki');
  const logs = path.join(runDir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const ca = new TestCa(pki, 'kubernetes');
  const apiCert = ca.issue('apiserver', {
    cn: 'kube-apiserver',
    server: true,
    names: [API_HOST, 'localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'],
  });
  const admin = ca.issue('admin', { cn: 'e2e-admin', org: 'system:masters', client: true });
  const sa = serviceAccountKey(pki);
  const server = `https://${API_HOST}:${API_PORT}`;
  const kubeconfig = path.join(runDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, ca.cert, admin.cert, admin.key);

  const etcd = start(logs, 'etcd', BIN.etcd, [
    '--name', 'e2e', '--data-dir', path.join(runDir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${ETCD_PORT}`, '--advertise-client-urls', `http://127.0.0.1:${ETCD_PORT}`,
    '--listen-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${ETCD_PORT + 1}`,
    '--initial-cluster', `e2e=http://127.0.0.1:${ETCD_PORT + 1}`,
  ], { env: { ETCD_UNSUPPORTED_ARCH: process.arch === 'x64' ? '' : process.arch } });
  await waitFor('etcd to listen', 30_000, () => tcpOpen('127.0.0.1', ETCD_PORT), [etcd]);

  const apiserver = start(logs, 'kube-apiserver', BIN.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${ETCD_PORT}`,
    `--bind-address=${API_HOST}`, `--secure-port=${API_PORT}`, `--advertise-address=${API_HOST}`,
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
    '--bind-address=127.0.0.1', '--secure-port=10257', '--controllers=*',
  ]);
  const scheduler = start(logs, 'kube-scheduler', BIN.kubeScheduler, [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=10259',
  ]);
  const stages = fs.readdirSync(BIN.kwokStages).map((f) => path.join(BIN.kwokStages, f)).sort();
  const kwok = start(logs, 'kwok', BIN.kwok, [
    `--kubeconfig=${kubeconfig}`, '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    // Pod IPs from a loopback range: nothing is ever sent to them, and no private range is named.
    '--cidr=127.100.0.0/16', '--node-ip=127.0.0.1', '--server-address=127.0.0.1:10247',
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
