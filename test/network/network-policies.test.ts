import { Chart, Testing } from 'cdk8s';
import { buildApp as linkerd } from '../../examples/linkerd/main';
import { buildApp as production } from '../../examples/production/main';
import { buildApp as quickstart } from '../../examples/quickstart/main';
import {
  ApiServerAccess,
  DnsAccess,
  KubeletAccess,
  PostgresDatabase,
  runChecklist,
  SpireAgent,
  SpireServer,
  SpireServerProps,
  TrustDomain,
  WIDE_CIDR_REASON_ANNOTATION,
} from '../../src';
import { KubeObject } from '../util/validate';

const base = (): SpireServerProps => ({ trustDomain: TrustDomain.of('prod.example.com'), clusterName: 'prod', database: PostgresDatabase.cloudNativePg() });

function render(server: Partial<SpireServerProps> = {}, agent: Partial<ConstructorParameters<typeof SpireAgent>[2]> = {}): any[] {
  const chart = new Chart(Testing.app(), 'c');
  const s = new SpireServer(chart, 'server', { ...base(), ...server });
  new SpireAgent(chart, 'agent', { server: s, ...agent });
  return Testing.synth(chart);
}
const np = (objects: any[], name: string) => objects.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === name);
const cidrsOf = (rules: any[]) => rules.flatMap((r: any) => [...(r.to ?? []), ...(r.from ?? [])]).map((p: any) => p.ipBlock?.cidr).filter(Boolean);
const findings = (objects: any[], id: string) => runChecklist(objects as KubeObject[]).filter((f) => f.ruleId === id);

describe('the API server: an explicit choice', () => {
  test('default: any address on 443/6443, no reason: the checklist flags it (SPIRE-NET1)', () => {
    const objects = render();
    expect(cidrsOf(np(objects, 'spire-server').spec.egress)).toEqual(['0.0.0.0/0']);
    expect(findings(objects, 'SPIRE-NET1').map((f) => f.object)).toEqual(['NetworkPolicy spire-server/spire-server']);
  });

  test('cidrs: egress and webhook ingress on the given addresses only', () => {
    const objects = render({ networkPolicy: { apiServer: ApiServerAccess.cidrs(['10.0.0.10/32', '10.0.0.11/32']) } });
    const policy = np(objects, 'spire-server');
    const apiEgress = policy.spec.egress.find((r: any) => r.ports.some((p: any) => p.port === 6443));
    expect(apiEgress).toEqual({ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }, { ipBlock: { cidr: '10.0.0.11/32' } }], ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] });
    expect(policy.spec.ingress.find((r: any) => r.ports[0].port === 9443).from).toEqual([{ ipBlock: { cidr: '10.0.0.10/32' } }, { ipBlock: { cidr: '10.0.0.11/32' } }]);
    expect(findings(objects, 'SPIRE-NET1')).toEqual([]);
    expect(() => ApiServerAccess.cidrs(['10.0.0.300/32'])).toThrow("Invalid 'apiServer.cidrs': received \"10.0.0.300/32\".");
    expect(() => ApiServerAccess.cidrs(['10.0.0.1'])).toThrow(/Invalid 'apiServer.cidrs'/);
    expect(() => ApiServerAccess.cidrs([])).toThrow(/Give at least one CIDR/);
  });

  test('cilium: no CIDR for the API server; a CiliumNetworkPolicy with the kube-apiserver entity, egress and webhook ingress', () => {
    const objects = render({ networkPolicy: { apiServer: ApiServerAccess.cilium() } });
    expect(cidrsOf(np(objects, 'spire-server').spec.egress)).toEqual([]);
    expect(np(objects, 'spire-server').spec.ingress.some((r: any) => r.ports.some((p: any) => p.port === 9443))).toBe(false);
    const cnp = objects.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'spire-server-api-server');
    expect(cnp.apiVersion).toBe('cilium.io/v2');
    expect(cnp.spec).toEqual({
      endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'spire-server', 'app.kubernetes.io/component': 'server' } },
      egress: [{ toEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }, { port: '6443', protocol: 'TCP' }] }] }],
      ingress: [{ fromEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: '9443', protocol: 'TCP' }] }] }],
    });
  });

  test('anyAddress(reason): the reason is on the NetworkPolicy and satisfies the checklist; a short reason is refused', () => {
    const objects = render({ networkPolicy: { apiServer: ApiServerAccess.anyAddress('managed control plane, addresses change') } });
    expect(np(objects, 'spire-server').metadata.annotations[WIDE_CIDR_REASON_ANNOTATION]).toBe('API server: managed control plane, addresses change');
    expect(findings(objects, 'SPIRE-NET1')).toEqual([]);
    expect(() => ApiServerAccess.anyAddress('because')).toThrow(/Invalid 'apiServer.anyAddress reason': received "because"/);
    expect(() => render({ networkPolicy: { apiServer: ApiServerAccess.cilium(), apiServerCidrs: ['10.0.0.1/32'] } })).toThrow(/Give either 'apiServer' or 'apiServerCidrs'/);
  });
});

describe('DNS beyond kube-dns', () => {
  const dnsRule = (objects: any[]) => np(objects, 'spire-server').spec.egress[0];
  test('NodeLocal DNSCache: its link-local address and the cluster DNS pods', () => {
    expect(dnsRule(render({ networkPolicy: { dns: DnsAccess.nodeLocalDnsCache() } })).to).toEqual([
      { ipBlock: { cidr: '169.254.20.10/32' } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } },
    ]);
  });
  test('OpenShift: the openshift-dns pods on 5353', () => {
    const rule = dnsRule(render({ networkPolicy: { dns: DnsAccess.openShift() } }));
    expect(rule.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'openshift-dns' } }, podSelector: { matchLabels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } } }]);
    expect(rule.ports).toEqual([{ protocol: 'UDP', port: 5353 }, { protocol: 'TCP', port: 5353 }]);
  });
});

describe('in-cluster peers by selectors, never by a silent 0.0.0.0/0', () => {
  test('an external PostgreSQL that is an in-cluster Service is selected by namespace (and labels)', () => {
    const objects = render({ database: PostgresDatabase.external({ host: 'pg-rw.databases.svc', clientCertSecret: 'pg-client', podLabels: { 'cnpg.io/cluster': 'pg' } }) });
    const rule = np(objects, 'spire-server').spec.egress.find((r: any) => r.ports[0].port === 5432);
    expect(rule.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } }, podSelector: { matchLabels: { 'cnpg.io/cluster': 'pg' } } }]);
  });
  test('an in-cluster external PostgreSQL without podLabels: every pod of its namespace, on its port (the default)', () => {
    const objects = render({ database: PostgresDatabase.external({ host: 'pg-rw.databases.svc.cluster.local', clientCertSecret: 'pg-client' }) });
    const rule = np(objects, 'spire-server').spec.egress.find((r: any) => r.ports[0].port === 5432);
    expect(rule.to).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'databases' } } }]);
  });
  test('an external PostgreSQL outside the cluster: its CIDR; without one, 0.0.0.0/0 on its port is flagged unless a reason is given', () => {
    const host = 'db.example.com';
    const narrowed = render({ database: PostgresDatabase.external({ host, clientCertSecret: 'pg-client', cidr: '192.0.2.10/32' }) });
    expect(cidrsOf(np(narrowed, 'spire-server').spec.egress.filter((r: any) => r.ports[0].port === 5432))).toEqual(['192.0.2.10/32']);
    const wide = render({ database: PostgresDatabase.external({ host, clientCertSecret: 'pg-client' }), networkPolicy: { apiServer: ApiServerAccess.cidrs(['10.0.0.1/32']) } });
    expect(findings(wide, 'SPIRE-NET1').map((f) => f.message)).toEqual([`admits 0.0.0.0/0 without a written reason (annotation ${WIDE_CIDR_REASON_ANNOTATION}).`]);
    const explained = render({
      database: PostgresDatabase.external({ host, clientCertSecret: 'pg-client', cidrReason: 'managed database behind a changing address' }),
      networkPolicy: { apiServer: ApiServerAccess.cidrs(['10.0.0.1/32']) },
    });
    expect(np(explained, 'spire-server').metadata.annotations[WIDE_CIDR_REASON_ANNOTATION]).toBe('port 5432: managed database behind a changing address');
    expect(() => PostgresDatabase.external({ host, clientCertSecret: 'x', cidr: '192.0.2.10' })).toThrow(/Invalid 'external.cidr': received "192.0.2.10"/);
  });
});

describe('the agent and CSI namespaces have NetworkPolicies', () => {
  test('agent: egress to its server\'s pods, DNS and the kubelet (with its reason); ingress for probes and Prometheus', () => {
    const objects = render();
    const policy = np(objects, 'spire-agent');
    expect(policy.metadata.namespace).toBe('spire-system');
    expect(policy.spec.egress[0]).toEqual({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'spire-server' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'spire-server', 'app.kubernetes.io/component': 'server' } } }],
      ports: [{ protocol: 'TCP', port: 8081 }],
    });
    expect(policy.spec.egress[2]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 10250 }] });
    expect(policy.metadata.annotations[WIDE_CIDR_REASON_ANNOTATION]).toMatch(/^kubelet: /);
    expect(findings(objects, 'SPIRE-NET1').map((f) => f.object)).toEqual(['NetworkPolicy spire-server/spire-server']);
  });
  test('agent on Cilium: the host entity for the kubelet', () => {
    const objects = render({}, { networkPolicy: { kubelet: KubeletAccess.cilium() } });
    expect(cidrsOf(np(objects, 'spire-agent').spec.egress)).toEqual([]);
    expect(objects.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'spire-agent-kubelet').spec.egress).toEqual([
      { toEntities: ['host'], toPorts: [{ ports: [{ port: '10250', protocol: 'TCP' }] }] },
    ]);
  });
});

test('no NetworkPolicy of any example renders an empty ingress or egress list (the API server stores it as none, and a second apply would change it)', () => {
  for (const build of [production, linkerd, quickstart]) {
    const app = build(Testing.app());
    const empty = app.charts.flatMap((c: Chart) => c.toJson() as any[])
      .filter((o: any) => o.kind === 'NetworkPolicy' && ['ingress', 'egress'].some((k) => Array.isArray(o.spec?.[k]) && o.spec[k].length === 0))
      .map((o: any) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(empty).toEqual([]);
  }
});
