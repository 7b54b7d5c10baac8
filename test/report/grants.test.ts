import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { baseline, clone, find, helmChart, Obj } from './fixtures';
import { buildApp as linkerd } from '../../examples/linkerd/main';
import { buildApp as production } from '../../examples/production/main';
import { buildIdentityReport, KubeObject, renderIdentityMarkdown, synthWithReports } from '../../src';
import { runCli } from '../../src/cli/main';
import { cidrContains, isWideCidr } from '../../src/report/identity-report';

const objectsOf = (build: (app: any) => any): KubeObject[] => build(Testing.app()).charts.flatMap((c: any) => c.toJson() as KubeObject[]);
const PAYMENT = 'spiffe://prod.example.com/ns/payments/sa/payment-service';

describe('every grant shows in identities.md and identities.json', () => {
  test('production (Istio): health route, in-code unauthenticated paths, allow-nothing, mTLS mode, default deny, wide CIDRs with their reasons', () => {
    const r = buildIdentityReport(objectsOf(production));
    expect(r.unauthenticated).toEqual([
      {
        target: PAYMENT,
        namespace: 'payments',
        from: 'any caller (no identity checked)',
        methods: ['GET', 'HEAD'],
        paths: ['/health', '/ready'],
        ports: ['8443'],
        enforced: true,
        wide: true,
        mesh: 'istio',
        object: 'AuthorizationPolicy payments/payment-service-health',
      },
      {
        target: PAYMENT,
        namespace: 'payments',
        from: 'any caller (no identity checked)',
        methods: ['GET', 'HEAD'],
        paths: ['/health', '/ready'],
        ports: ['*'],
        enforced: true,
        wide: true,
        mesh: 'in-code allowlist',
        object: 'ConfigMap payments/payment-service-allowed-callers',
      },
    ]);
    expect(r.defaults).toEqual(expect.arrayContaining([
      { scope: 'namespace payments', setting: 'Istio mTLS', value: 'STRICT', rank: 2, object: 'PeerAuthentication payments/default' },
      { scope: 'namespace payments', setting: 'Istio authorization', value: 'deny by default (ALLOW policy with no rules: allow-nothing)', rank: 2, object: 'AuthorizationPolicy payments/allow-nothing' },
      { scope: 'every pod in namespace payments', setting: 'NetworkPolicy ingress', value: 'deny all ingress not allowed by another policy', rank: 1, object: 'NetworkPolicy payments/default-deny-ingress' },
    ]));
    const api = r.networkAllows.find((n) => n.peer === 'CIDR 0.0.0.0/0' && n.direction === 'egress' && n.namespace === 'spire-server');
    expect(api).toMatchObject({ wide: true, ports: '443/TCP, 6443/TCP', reason: expect.stringMatching(/^API server: /) });
    expect(r.networkAllows.filter((n) => n.namespace === 'payments').map((n) => n.pods)).toEqual([PAYMENT, PAYMENT, PAYMENT]);
    const md = renderIdentityMarkdown(r);
    expect(md).toContain('## Access without identity');
    expect(md).toContain('| `spiffe://prod.example.com/ns/payments/sa/payment-service` | any caller (no identity checked) ⚠ | GET, HEAD | `/health`, `/ready` | 8443 | yes | istio | AuthorizationPolicy payments/payment-service-health |');
    expect(md).toContain('| namespace payments | Istio mTLS | STRICT | PeerAuthentication payments/default |');
    expect(md).toMatch(/\| spire-server \| egress \| StatefulSet spire-server\/spire-server \| CIDR 0\.0\.0\.0\/0 \| 443\/TCP, 6443\/TCP \| ⚠ yes \| API server: /);
    expect(md).toMatch(/n\d -.->\|"GET,HEAD \/health \/ready"\| n\d/);
  });

  test('linkerd: the probe route from the probe networks, Server accessPolicy, the pods\' default inbound policy', () => {
    const r = buildIdentityReport(objectsOf(linkerd));
    expect(r.unauthenticated).toContainEqual({
      target: PAYMENT,
      namespace: 'payments',
      from: 'networks 0.0.0.0/0, ::/0',
      methods: ['GET', 'HEAD'],
      paths: ['/health', '/ready'],
      ports: ['8443'],
      enforced: true,
      wide: true,
      networks: ['0.0.0.0/0', '::/0'],
      mesh: 'linkerd',
      object: 'AuthorizationPolicy payments/payment-service-8443-probes',
    });
    expect(r.defaults).toContainEqual({
      scope: `Server payments/payment-service-8443 (port 8443, ${PAYMENT})`, setting: 'Linkerd Server accessPolicy', value: 'deny (only explicit authorizations)', rank: 5, object: 'Server payments/payment-service-8443',
    });
    expect(r.defaults).toContainEqual({
      scope: 'pods of Deployment payments/payment-service', setting: 'Linkerd default inbound policy', value: 'deny (only explicit authorizations)', rank: 5, object: 'Deployment payments/payment-service',
    });
    // The Linkerd authorizations of declared callers are the allowlist's calls, not listed twice.
    expect(r.calls).toHaveLength(3);
  });

  test('identities.json written by synth holds the grants', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-grants-'));
    try {
      const out = path.join(tmp, 'p');
      synthWithReports(production(new App({ outdir: out })));
      const json = JSON.parse(fs.readFileSync(path.join(out, 'identities.json'), 'utf8'));
      expect(Object.keys(json)).toEqual(['trustDomains', 'identities', 'calls', 'unauthenticated', 'defaults', 'networkAllows']);
      expect(json.unauthenticated.length).toBe(2);
      expect(json.networkAllows.some((n: any) => n.wide && n.reason)).toBe(true);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('foreign callers', () => {
  const withForeign = (): Obj[] => {
    const o = clone(baseline());
    // A foreign caller in the Istio policy and in the allowlist, beside the local /ns/shop/sa/web.
    find(o, 'AuthorizationPolicy', 'api-allow-web').spec.rules[0].from[0].source.principals.push('partner.example/ns/shop/sa/web');
    const cm = find(o, 'ConfigMap', 'ledger-allowed-callers');
    const list = JSON.parse(cm.data['allowed-callers.json']);
    list.rules[0].callers.push('spiffe://partner.example/ns/shop/sa/web');
    cm.data['allowed-callers.json'] = JSON.stringify(list);
    return o;
  };

  test('show as foreign in identities.json and identities.md', () => {
    const r = buildIdentityReport(withForeign() as KubeObject[]);
    expect(r.trustDomains).toEqual(['example.org']);
    const foreign = r.calls.filter((c) => c.foreign);
    expect(foreign.map((c) => [c.caller, c.callerTrustDomain, c.callee])).toEqual([
      ['spiffe://partner.example/ns/shop/sa/web', 'partner.example', 'spiffe://example.org/ns/pay/sa/ledger'],
      ['spiffe://partner.example/ns/shop/sa/web', 'partner.example', 'spiffe://example.org/ns/shop/sa/api'],
    ]);
    expect(r.calls.filter((c) => !c.foreign).every((c) => c.callerTrustDomain === 'example.org')).toBe(true);
    const md = renderIdentityMarkdown(r);
    expect(md).toContain('| `spiffe://partner.example/ns/shop/sa/web` | **partner.example (foreign)** |');
    expect(md).toContain('(2 from foreign trust domains)');
  });

  test('the Mermaid graph labels a foreign workload with its trust domain: it is not the local one of the same path', () => {
    const md = renderIdentityMarkdown(buildIdentityReport(withForeign() as KubeObject[]));
    const graph = md.slice(md.indexOf('```mermaid'));
    expect(graph).toMatch(/n\d+\["partner\.example\/ns\/shop\/sa\/web \(foreign\)"\]/);
    expect(graph).toMatch(/n\d+\["\/ns\/shop\/sa\/web"\]/);
    const labels = [...graph.matchAll(/n\d+\["([^"]+)"\]/g)].map((m) => m[1]);
    expect(new Set(labels).size).toBe(labels.length);
  });

  test('without a known local trust domain, every node carries its trust domain', () => {
    const o = withForeign().filter((x) => !(x.kind === 'ConfigMap' && x.metadata.name === 'spire-server') && x.kind !== 'ClusterSPIFFEID');
    const md = renderIdentityMarkdown(buildIdentityReport(o as KubeObject[]));
    expect(md).toContain('Local trust domains: unknown.');
    expect(md).toMatch(/\["example\.org\/ns\/shop\/sa\/web"\]/);
    expect(md).toMatch(/\["partner\.example\/ns\/shop\/sa\/web"\]/);
  });
});

describe('foreign manifests (the official Helm chart\'s ClusterSPIFFEIDs)', () => {
  const r = buildIdentityReport(helmChart() as KubeObject[]);
  const byName = (name: string) => r.identities.find((i) => i.name === name)!;

  test('NotIn namespaces, any service account, fallback: rendered faithfully', () => {
    expect(byName('spire-server-spire-default')).toMatchObject({
      spiffeId: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
      trustDomain: '{{ .TrustDomain }}',
      namespace: 'namespaces not in [spire-server, spire-system]',
      serviceAccount: '*',
      pins: ['fallback (only pods no other ClusterSPIFFEID matches)'],
      x509SvidTtl: 'server default',
    });
  });

  test('In namespaces, pod labels, DNS name templates and autoPopulateDNSNames', () => {
    expect(byName('spire-server-spire-oidc-discovery-provider')).toMatchObject({
      namespace: 'namespaces in [spire-server, spire-system]',
      pins: ['pods labelled release=spire, release-namespace=spire-server, component=oidc-discovery-provider'],
      dnsNames: ['oidc-discovery.{{ .TrustDomain }}', '(pod DNS names, autoPopulateDNSNames)'],
    });
    expect(byName('spire-server-spire-test-keys')).toMatchObject({ namespace: '*', pins: ['pods labelled component=test-keys'] });
  });

  test('label expressions of every operator, namespace labels and other selectors: no constraint dropped', () => {
    expect(byName('batch')).toMatchObject({
      namespace: 'namespaces labelled team=data and namespaces labelled env in [prod, staging]',
      pins: ['pods with tier not in [web], with label batch, without label debug', 'k8s:pod-label:batch:true'],
      x509SvidTtl: '30m',
    });
  });

  test('the markdown names the local trust domain and the templates as written', () => {
    const md = renderIdentityMarkdown(r);
    expect(md).toContain('Local trust domain: example.org.');
    expect(md).toContain('| `spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}` | namespaces not in [spire-server, spire-system] | * | fallback');
    expect(md).toContain('No mesh policy declared.');
  });
});

describe('spire-constructs check/report on directories with other files', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-cli-input-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCli(argv, { log: (l) => out.push(l), error: (l) => err.push(l) });
    return { code, out, err };
  };

  test('values files, kustomization.yaml, istiod-values.yaml, lists with non-objects: skipped with a note, never a crash', () => {
    const dir = path.join(tmp, 'mixed');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'manifests.yaml'), objectsOf(production).map((o) => YAML.stringify(o)).join('---\n'));
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'global:\n  spire:\n    trustDomain: example.org\nspire-server:\n  kind: statefulset\n');
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- manifests.yaml\n');
    fs.writeFileSync(path.join(dir, 'istiod-values.yaml'), '# Helm values\nmeshConfig:\n  trustDomain: prod.example.com\n');
    fs.writeFileSync(path.join(dir, 'list.yaml'), 'apiVersion: v1\nkind: List\nitems: [null, 3]\n---\n- a\n- b\n---\njust a string\n');
    fs.writeFileSync(path.join(dir, 'weird.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: null\n');
    const r = run(['check', dir]);
    expect(r.err.filter((l) => l.startsWith('Note: '))).toEqual([
      `Note: ${path.join(dir, 'istiod-values.yaml')}: not a Kubernetes object (no apiVersion/kind; a values or configuration file?); skipped.`,
      `Note: ${path.join(dir, 'kustomization.yaml')}: Kustomization (kustomize.config.k8s.io/v1beta1) is tool configuration, not a Kubernetes object; skipped.`,
      `Note: ${path.join(dir, 'list.yaml (document 1) item 1')}: not a Kubernetes object (a null, not a mapping with apiVersion and kind); skipped.`,
      `Note: ${path.join(dir, 'list.yaml (document 1) item 2')}: not a Kubernetes object (a number, not a mapping with apiVersion and kind); skipped.`,
      `Note: ${path.join(dir, 'list.yaml (document 2)')}: not a Kubernetes object (a list, not a mapping with apiVersion and kind); skipped.`,
      `Note: ${path.join(dir, 'list.yaml (document 3)')}: not a Kubernetes object (a string, not a mapping with apiVersion and kind); skipped.`,
      `Note: ${path.join(dir, 'values.yaml')}: not a Kubernetes object (no apiVersion/kind; a values or configuration file?); skipped.`,
      `Note: ${path.join(dir, 'weird.yaml')}: ConfigMap: metadata is not a mapping; skipped.`,
    ]);
    expect(r.out.join('\n')).not.toContain('SPIRE-RuleError');
    expect(r.code).toBe(0);
    expect(run(['report', dir]).code).toBe(0);
  });

  test('unreadable YAML fails (exit 2), naming the file', () => {
    const dir = path.join(tmp, 'broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'ok.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n');
    fs.writeFileSync(path.join(dir, 'values.yaml'), 'image: {{ .Values.image }\n');
    const r = run(['check', dir]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^Error: .*values\.yaml: cannot be read as YAML/);
  });
});

describe('CIDRs', () => {
  test('wide and containment, IPv4 and IPv6', () => {
    expect(['0.0.0.0/0', '10.0.0.0/8', '::/0', '2001:db8::/32'].map(isWideCidr)).toEqual([true, true, true, true]);
    expect(['10.0.0.0/16', '2001:db8::/48', 'not-a-cidr'].map(isWideCidr)).toEqual([false, false, false]);
    expect(cidrContains('10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(cidrContains('10.1.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(cidrContains('2001:db8::/32', '2001:db8:1::/48')).toBe(true);
    expect(cidrContains('2001:db8::/32', '2001:db9::/48')).toBe(false);
    expect(cidrContains('::/0', '10.0.0.0/8')).toBe(false);
  });
});

describe('local trust domains from a controller manager configuration', () => {
  const report = (text: string) =>
    buildIdentityReport([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'spire' }, data: { 'controller-manager-config.yaml': text } }] as KubeObject[]);

  test.each([
    ['as this library writes it', 'apiVersion: spire.spiffe.io/v1alpha1\nkind: ControllerManagerConfig\ntrustDomain: a.example\nclusterName: c\n', ['a.example']],
    ['quoted', 'kind: ControllerManagerConfig\ntrustDomain: "b.example"\n', ['b.example']],
    ['with a comment', 'trustDomain: c.example # the trust domain\n', ['c.example']],
    ['behind a document marker', '---\ntrustDomain: d.example\n', ['d.example']],
    ['as flow mapping', '{trustDomain: e.example, clusterName: c}\n', ['e.example']],
    ['nested under another key only', 'other:\n  trustDomain: f.example\n', []],
    ['an anchor reused', 'base: &td g.example\ntrustDomain: *td\n', ['g.example']],
    ['a block scalar at the top', 'trustDomain: >-\n  h.example\n', ['h.example']],
  ])('%s', (_what, text, expected) => {
    expect(report(text).trustDomains).toEqual(expected);
  });
});
