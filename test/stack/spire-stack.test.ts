import { PostgresDatabase, ServerDatabase, SpireStack, TrustDomain } from '../../src';
import { all, one, synth, testChart } from '../util/synth';
import { expectValidManifests } from '../util/validate';

const CLUSTER_SCOPED = ['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingWebhookConfiguration', 'CSIDriver'];

describe('SpireStack', () => {
  const chart = testChart({ namespace: 'should-not-leak' });
  const stack = new SpireStack(chart, 'spire', { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });
  const objects = synth(chart);

  test('every object validates', () => {
    expectValidManifests(objects);
  });

  test('namespaces: server restricted, agent/CSI privileged', () => {
    expect(one(objects, 'Namespace', 'spire-server').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(one(objects, 'Namespace', 'spire-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
  });

  test('CRDs and namespaces come first', () => {
    const kinds = objects.map((o) => o.kind);
    expect(kinds.slice(0, 5)).toEqual(['Namespace', 'Namespace', 'CustomResourceDefinition', 'CustomResourceDefinition', 'CustomResourceDefinition']);
    expect(all(objects, 'CustomResourceDefinition').map((c) => c.metadata.name).sort()).toEqual([
      'clusterfederatedtrustdomains.spire.spiffe.io',
      'clusterspiffeids.spire.spiffe.io',
      'clusterstaticentries.spire.spiffe.io',
    ]);
  });

  test('cluster-scoped objects carry no namespace; namespaced ones never get the chart namespace', () => {
    for (const o of objects) {
      if (CLUSTER_SCOPED.includes(o.kind)) {
        expect(o.metadata?.namespace).toBeUndefined();
      } else {
        expect(['spire-server', 'spire-system']).toContain(o.metadata?.namespace);
      }
    }
  });

  test('server, agent and CSI driver wired together', () => {
    expect(stack.agent.namespace).toBe('spire-system');
    expect(one(objects, 'DaemonSet', 'spire-agent').metadata.namespace).toBe('spire-system');
    expect(one(objects, 'DaemonSet', 'spiffe-csi-driver').metadata.namespace).toBe('spire-system');
    expect(one(objects, 'StatefulSet', 'spire-server').metadata.namespace).toBe('spire-server');
  });

  test('custom namespaces flow to every component', () => {
    const c = testChart();
    new SpireStack(c, 'spire', {
      trustDomain: TrustDomain.of('dev.example.com'),
      clusterName: 'dev',
      database: ServerDatabase.sqlite(),
      server: { replicas: 1 },
      serverNamespace: 'identity',
      systemNamespace: 'identity-nodes',
      checklist: false,
    });
    const o = synth(c);
    const conf = JSON.parse(one(o, 'ConfigMap', 'spire-server').data['server.conf']);
    expect(conf.plugins.BundlePublisher[0].k8s_configmap.plugin_data.clusters.local.namespace).toBe('identity-nodes');
    expect(conf.plugins.NodeAttestor[0].k8s_psat.plugin_data.clusters.dev.service_account_allow_list).toEqual(['identity-nodes:spire-agent']);
    expect(JSON.parse(one(o, 'ConfigMap', 'spire-agent').data['agent.conf']).agent.server_address).toBe('spire-server.identity.svc');
    expectValidManifests(o);
  });

  test('fails on sqlite with the default 3 replicas, naming the fix', () => {
    expect(() => new SpireStack(testChart(), 'spire', { trustDomain: TrustDomain.of('dev.example.com'), clusterName: 'dev', database: ServerDatabase.sqlite() })).toThrow(
      /Invalid 'replicas': received 3. SQLite cannot be shared/,
    );
  });
});

describe('SpireStack refuses what admission or the cluster would break', () => {
  const base = { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod' };

  test('server and agent in one namespace (the agent needs privileged, the server namespace is restricted)', () => {
    expect(() => new SpireStack(testChart(), 'spire', { ...base, database: PostgresDatabase.cloudNativePg(), serverNamespace: 'spire', systemNamespace: 'spire' })).toThrow(
      "Invalid 'systemNamespace': received \"spire\". The agent and CSI driver need a Pod Security 'privileged' namespace",
    );
  });

  test('a single-instance CloudNativePG cluster (the database would be every server\'s single point of failure)', () => {
    expect(() => PostgresDatabase.cloudNativePg({ instances: 1 })).toThrow(
      "Invalid 'cloudNativePg.instances': received 1. Use a whole number of at least 2 (3 for HA)",
    );
  });

  test('a federation bundle endpoint on a port the server already uses', () => {
    for (const port of [8081, 8080, 9988]) {
      expect(() => new SpireStack(testChart(), 'spire', { ...base, database: PostgresDatabase.cloudNativePg(), server: { federationBundleEndpoint: { port } } })).toThrow(
        `Invalid 'federationBundleEndpoint.port': received ${port}. Port ${port} is already the server's`,
      );
    }
  });

  test('sqlite stays available for development', () => {
    expect(() => new SpireStack(testChart(), 'spire', { ...base, database: ServerDatabase.sqlite(), server: { replicas: 1 } })).not.toThrow();
  });
});

describe('SpireStack names the props the user set', () => {
  test('serverNamespace and systemNamespace', () => {
    const base = { trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() };
    expect(() => new SpireStack(testChart(), 's', { ...base, serverNamespace: 'Spire_Server' })).toThrow(/^Invalid 'serverNamespace': received "Spire_Server"/);
    expect(() => new SpireStack(testChart(), 's', { ...base, systemNamespace: 'Spire_System' })).toThrow(/^Invalid 'systemNamespace': received "Spire_System"/);
  });
});
