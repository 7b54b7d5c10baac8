import { Duration } from 'cdk8s';
import { KubeletVerification, PostgresDatabase, SpireAgent, SpireAgentProps, SpireServer, TrustDomain } from '../../src';
import { container, one, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

function render(props: Partial<SpireAgentProps> = {}) {
  const chart = testChart();
  const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const agent = new SpireAgent(chart, 'agent', { server, ...props });
  return { server, agent, objects: synth(chart) };
}
const agentConf = (objects: any[]) => JSON.parse(one(objects, 'ConfigMap', 'spire-agent').data['agent.conf']);
const serverConf = (objects: any[]) => JSON.parse(one(objects, 'ConfigMap', 'spire-server').data['server.conf'].replace(/\$\$/g, '$'));

describe('SpireAgent defaults', () => {
  const { agent, objects } = render();
  const ds = one(objects, 'DaemonSet', 'spire-agent');
  const pod = ds.spec.template.spec;
  const c = container(ds, 'spire-agent');

  test('snapshot (for review)', () => {
    expect(objects.filter((o) => o.metadata?.namespace === 'spire-system' || o.kind.startsWith('Cluster'))).toMatchSnapshot();
  });

  test('every object validates', () => {
    expectValidManifests(objects);
  });

  test('primary child is the DaemonSet', () => {
    expect(agent.node.defaultChild).toBe(agent.daemonSet);
  });

  test('hostPID for the k8s workload attestor, no host network', () => {
    expect(pod.hostPID).toBe(true);
    expect(pod.hostNetwork).toBe(false);
  });

  test('Workload API socket on the host directory /run/spire/agent-sockets', () => {
    expect(pod.volumes).toContainEqual({ name: 'spire-agent-socket-dir', hostPath: { path: '/run/spire/agent-sockets', type: 'DirectoryOrCreate' } });
    expect(c.volumeMounts).toContainEqual({ name: 'spire-agent-socket-dir', mountPath: '/run/spire/agent-sockets' });
    expect(agentConf(objects).agent.socket_path).toBe('/run/spire/agent-sockets/spire-agent.sock');
  });

  test('projected token with audience spire-server where k8s_psat reads it', () => {
    const token = pod.volumes.find((v: any) => v.name === 'spire-token');
    expect(token.projected.sources[0].serviceAccountToken).toEqual({ audience: 'spire-server', expirationSeconds: 7200, path: 'spire-agent' });
    expect(c.volumeMounts).toContainEqual({ name: 'spire-token', mountPath: '/var/run/secrets/tokens', readOnly: true });
    expect(agentConf(objects).plugins.NodeAttestor[0].k8s_psat.plugin_data).toEqual({ cluster: 'prod', token_path: '/var/run/secrets/tokens/spire-agent' });
  });

  test('trust bundle from the spire-bundle ConfigMap, server address from the server Service', () => {
    expect(pod.volumes).toContainEqual({ name: 'spire-bundle', configMap: { name: 'spire-bundle' } });
    expect(agentConf(objects).agent).toMatchObject({
      trust_bundle_path: '/run/spire/bundle/bundle.crt',
      trust_bundle_format: 'pem',
      server_address: 'spire-server.spire-server.svc',
      server_port: 8081,
      trust_domain: 'prod.example.com',
    });
  });

  test('kubelet verification on by default (API server CA), node address from status.hostIP', () => {
    const wa = agentConf(objects).plugins.WorkloadAttestor[0].k8s.plugin_data;
    expect(wa.skip_kubelet_verification).toBe(false);
    expect(wa.kubelet_ca_path).toBe('/var/run/secrets/kubernetes.io/serviceaccount/ca.crt');
    expect(wa.node_name_env).toBe('KUBELET_ADDR');
    expect(c.env).toContainEqual({ name: 'KUBELET_ADDR', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } });
  });

  test('tolerates every taint, system-node-critical, probes and resources', () => {
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.priorityClassName).toBe('system-node-critical');
    expect(c.livenessProbe.httpGet.path).toBe('/live');
    expect(c.readinessProbe.httpGet.path).toBe('/ready');
    expect(c.resources.requests).toEqual({ cpu: '50m', memory: '64Mi' });
  });

  test('privileges limited: no capabilities, read-only root, no escalation, RuntimeDefault seccomp', () => {
    expect(c.securityContext).toMatchObject({
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('RBAC: pods, nodes, nodes/proxy get only', () => {
    expect(one(objects, 'ClusterRole', 'spire-system-spire-agent').rules).toEqual([{ apiGroups: [''], resources: ['pods', 'nodes', 'nodes/proxy'], verbs: ['get'] }]);
  });

  test('the server allows exactly this agent service account to attest', () => {
    expect(serverConf(objects).plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters.prod.service_account_allow_list).toEqual(['spire-system:spire-agent']);
  });

  test('one cluster name for server, agent and controller manager', () => {
    const cm = one(objects, 'ConfigMap', 'spire-server-controller-manager').data['controller-manager-config.yaml'];
    expect(cm).toContain('clusterName: prod');
    expect(Object.keys(serverConf(objects).plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters)).toEqual(['prod']);
    expect(agentConf(objects).plugins.NodeAttestor[0].k8s_psat.plugin_data.cluster).toBe('prod');
  });
});

describe('SpireAgent options', () => {
  test('a change of agent.conf changes the pod template (the DaemonSet rolls the agents onto it); the same config keeps it', () => {
    const sum = (objects: any[]) => one(objects, 'DaemonSet', 'spire-agent').spec.template.metadata.annotations['spire-constructs.io/config-checksum'];
    const plain = render().objects;
    expect(sum(plain)).toMatch(/^[0-9a-f]{64}$/);
    expect(sum(render().objects)).toBe(sum(plain));
    expect(sum(render({ sds: { defaultBundleName: 'null', defaultAllBundlesName: 'ROOTCA' } }).objects)).not.toBe(sum(plain));
  });

  test('SDS, availability target, cache sizes, unix attestor, tolerations, node selector, host cert', () => {
    const { objects } = render({
      sds: { defaultSvidName: 'default', defaultBundleName: 'ROOTCA', defaultAllBundlesName: 'ALL' },
      availabilityTarget: Duration.hours(24),
      x509SvidCacheMaxSize: 4000,
      jwtSvidCacheMaxSize: 500,
      unixWorkloadAttestor: true,
      tolerateAllTaints: false,
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      kubeletVerification: KubeletVerification.hostCert('/var/lib/kubelet/pki/kubelet-ca.crt'),
    });
    const conf = agentConf(objects);
    expect(conf.agent).toMatchObject({
      sds: { default_svid_name: 'default', default_bundle_name: 'ROOTCA', default_all_bundles_name: 'ALL' },
      availability_target: '24h',
      x509_svid_cache_max_size: 4000,
      jwt_svid_cache_max_size: 500,
    });
    expect(conf.plugins.WorkloadAttestor.map((w: any) => Object.keys(w)[0])).toEqual(['k8s', 'unix']);
    expect(conf.plugins.WorkloadAttestor[0].k8s.plugin_data.kubelet_ca_path).toBe('/var/lib/kubelet/pki/kubelet-ca.crt');
    const pod = one(objects, 'DaemonSet').spec.template.spec;
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'payments', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expectValidManifests(objects);
  });

  test('skipping kubelet verification is explicit and visible in the config', () => {
    const { objects } = render({ kubeletVerification: KubeletVerification.skip('kind cluster for local development') });
    expect(agentConf(objects).plugins.WorkloadAttestor[0].k8s.plugin_data.skip_kubelet_verification).toBe(true);
  });

  test('fails when the agent namespace is not where the bundle is published', () => {
    expect(() => render({ namespace: 'other' })).toThrow(
      "Invalid 'namespace': received \"other\". The server publishes the trust bundle to namespace \"spire-system\"; run the agent there or set the server's 'agentNamespace' to \"other\".",
    );
  });

  test('fails on a bad availability target and a bad socket directory', () => {
    expect(() => render({ availabilityTarget: Duration.hours(1) })).toThrow(/Invalid 'availabilityTarget': received "1h"/);
    expect(() => render({ socketDir: 'run/spire' })).toThrow(/Invalid 'socketDir': received "run\/spire"/);
  });

  test('fails without a server', () => {
    expect(() => new SpireAgent(testChart(), 'a', { server: undefined as never })).toThrow(/Invalid 'server': received nothing/);
  });
});

describe('SpireAgent and its server: one explicit wiring', () => {
  test('the agent never changes the server; an agent the server does not allow fails synth, naming both and the fix', () => {
    const chart = testChart();
    const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const before = server.config.toJson();
    new SpireAgent(chart, 'agent', { server, name: 'node-agent' });
    expect(server.config.toJson()).toBe(before);
    expect(() => synth(chart)).toThrow(
      "Invalid 'name': received \"node-agent\". Server 'test/server' lets only its 'agentServiceAccount' attest with k8s_psat; call server.allowAgent(agent), " +
        'or create the server with agentServiceAccount: "node-agent" (SpireStack does this).',
    );
  });

  test('server.allowAgent(agent) lets the agent attest (k8s_psat service_account_allow_list)', () => {
    const chart = testChart();
    const server = new SpireServer(chart, 'server', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
    const agent = new SpireAgent(chart, 'agent', { server, name: 'node-agent' });
    server.allowAgent(agent);
    const conf = serverConf(synth(chart));
    expect(conf.plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters.prod.service_account_allow_list).toEqual(['spire-system:node-agent', 'spire-system:spire-agent']);
  });

  test('the agent owns its alert: a PrometheusRule in its namespace, labels and opt-out from its props', () => {
    const { objects } = render({ monitoring: { labels: { release: 'kube-prometheus' } } });
    const rule = one(objects, 'PrometheusRule', 'spire-agent');
    expect(rule.metadata.namespace).toBe('spire-system');
    expect(rule.metadata.labels.release).toBe('kube-prometheus');
    expect(rule.spec.groups[0].rules.map((r: any) => [r.alert, r.expr])).toEqual([
      ['SpireAgentDown', 'kube_daemonset_status_number_unavailable{namespace="spire-system", daemonset="spire-agent"} > 0'],
    ]);
    expect(render({ monitoring: { prometheusRule: false } }).objects.filter((o) => o.kind === 'PrometheusRule' && o.metadata?.namespace === 'spire-system')).toEqual([]);
  });
});

describe('SpireAgent socket directory: uid 1000, alternate names for Istio', () => {
  const { objects } = render();
  const pod = one(objects, 'DaemonSet', 'spire-agent').spec.template.spec;

  test('the agent runs as uid 1000 without capabilities; a root init container with CHOWN alone prepares the directory', () => {
    expect(container(one(objects, 'DaemonSet', 'spire-agent'), 'spire-agent').securityContext).toMatchObject({
      runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] },
    });
    expect(pod.securityContext).toMatchObject({ fsGroup: 1000 });
    const init = pod.initContainers[0];
    expect(init.name).toBe('prepare-socket-dir');
    expect(init.securityContext).toMatchObject({ runAsUser: 0, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['CHOWN'] } });
    expect(init.command).toEqual(['sh', '-c', '{ [ -L /run/spire/agent-sockets/socket ] || ln -s spire-agent.sock /run/spire/agent-sockets/socket; } && chown 1000:1000 /run/spire/agent-sockets']);
    expect(init.volumeMounts).toEqual([{ name: 'spire-agent-socket-dir', mountPath: '/run/spire/agent-sockets' }]);
    expect(init.image).toMatch(/^docker\.io\/library\/busybox:\d+\.\d+\.\d+$/);
  });

  test('socketAlternateNames: more names, none, or a refusal of what is no plain file name', () => {
    const two = render({ socketAlternateNames: ['socket', 'api.sock'] }).objects;
    expect(one(two, 'DaemonSet', 'spire-agent').spec.template.spec.initContainers[0].command[2]).toBe(
      '{ [ -L /run/spire/agent-sockets/socket ] || ln -s spire-agent.sock /run/spire/agent-sockets/socket; } && ' +
        '{ [ -L /run/spire/agent-sockets/api.sock ] || ln -s spire-agent.sock /run/spire/agent-sockets/api.sock; } && chown 1000:1000 /run/spire/agent-sockets',
    );
    expect(one(render({ socketAlternateNames: [] }).objects, 'DaemonSet', 'spire-agent').spec.template.spec.initContainers[0].command[2]).toBe('chown 1000:1000 /run/spire/agent-sockets');
    for (const bad of ['../x', 'a/b', 'spire-agent.sock', 'x; rm -rf /']) {
      expect(() => render({ socketAlternateNames: [bad] })).toThrow(`Invalid 'socketAlternateNames': received ${JSON.stringify(bad)}.`);
    }
    expect(() => render({ socketDir: '/run/spire/$(reboot)' })).toThrow(/Invalid 'socketDir': received "\/run\/spire\/\$\(reboot\)"/);
  });
});
