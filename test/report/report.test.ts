import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { buildApp as production } from '../../examples/production/main';
import { buildIdentityReport, diffIdentityReports, IdentityReport, KubeObject, renderDiffMarkdown, renderIdentityMarkdown, synthWithReports } from '../../src';
import { runCli } from '../../src/cli/main';

const objects = (): KubeObject[] => production(Testing.app()).charts.flatMap((c) => c.toJson() as KubeObject[]);

describe('identity report', () => {
  const report = buildIdentityReport(objects());

  test('identities with namespace, service account, pod selector, TTLs; calls with methods, paths, stage, caller trust domain', () => {
    expect(report.identities.map((i) => i.spiffeId)).toEqual([
      'spiffe://prod.example.com/ns/payments/sa/order-service',
      'spiffe://prod.example.com/ns/payments/sa/payment-service',
      'spiffe://prod.example.com/ns/payments/sa/subscription-service',
      'spiffe://prod.example.com/ns/spire-oidc/sa/spiffe-oidc-discovery-provider',
    ]);
    expect(report.identities[0]).toMatchObject({
      name: 'payments-order-service',
      namespace: 'payments',
      serviceAccount: 'order-service',
      pins: ['pods labelled spire-constructs.io/service-account=order-service'],
      x509SvidTtl: '1h',
      jwtSvidTtl: '5m',
    });
    expect(report.trustDomains).toEqual(['prod.example.com']);
    expect(report.calls).toContainEqual({
      caller: 'spiffe://prod.example.com/ns/payments/sa/order-service',
      callerTrustDomain: 'prod.example.com',
      foreign: false,
      callee: 'spiffe://prod.example.com/ns/payments/sa/payment-service',
      methods: ['POST'],
      paths: ['/api/payments/refund'],
      ports: [8443],
      stage: 'ENFORCE',
      mesh: 'istio',
    });
  });

  test('markdown has the two tables and a Mermaid graph', () => {
    const md = renderIdentityMarkdown(report);
    expect(md).toContain('| SPIFFE ID | namespace | service account |');
    expect(md).toContain('| caller | caller trust domain | callee | methods | paths | ports | stage | mesh |');
    expect(md).toContain('```mermaid\ngraph LR');
    expect(md).toMatch(/n\d -->\|"POST \/api\/payments\/refund"\| n\d/);
  });
});

describe('diff', () => {
  const before = buildIdentityReport(objects());
  type Mutable = { -readonly [K in keyof IdentityReport]: IdentityReport[K] };
  const widen = (r: IdentityReport): Mutable => JSON.parse(JSON.stringify(r));

  test('no change, no diff', () => {
    expect(diffIdentityReports(before, before)).toEqual([]);
    expect(renderDiffMarkdown([])).toContain('No identity changes.');
  });

  test('widening changes come first and are marked', () => {
    const after = widen(before);
    const first = after.identities[0];
    after.identities[0] = { ...first, serviceAccount: '*', selector: { ...first.selector, workloadSelectors: ['k8s:ns:payments'] }, x509SvidTtl: '4h' };
    after.calls.push({ ...after.calls[0], caller: 'spiffe://prod.example.com/ns/shop/sa/web' });
    after.calls.splice(1, 1);
    after.identities.pop();
    const changes = diffIdentityReports(before, after);
    expect(changes.filter((c) => c.widening).map((c) => c.text)).toEqual([
      'ClusterSPIFFEID payments-order-service (spiffe://prod.example.com/ns/payments/sa/order-service): ' +
        'workload selectors [k8s:ns:payments, k8s:sa:order-service] → [k8s:ns:payments] (widened: k8s:sa:order-service no longer required)',
      'ClusterSPIFFEID payments-order-service (spiffe://prod.example.com/ns/payments/sa/order-service): X509-SVID TTL 1h → 4h',
      expect.stringMatching(/^caller gained: spiffe:\/\/prod.example.com\/ns\/shop\/sa\/web → /),
    ]);
    expect(changes.filter((c) => !c.widening).map((c) => c.text)).toEqual([
      'identity removed: spiffe://prod.example.com/ns/spire-oidc/sa/spiffe-oidc-discovery-provider (ClusterSPIFFEID spire-oidc-spiffe-oidc-discovery-provider)',
      expect.stringMatching(/^caller lost: /),
    ]);
    const md = renderDiffMarkdown(changes);
    expect(md.indexOf('⚠ Widening')).toBeLessThan(md.indexOf('## Other'));
  });

  test('a stage going back is widening; TTL going down is not', () => {
    const after = widen(before);
    after.calls = after.calls.map((c) => ({ ...c, stage: 'PERMISSIVE' }));
    after.identities[1] = { ...after.identities[1], x509SvidTtl: '30m' };
    const changes = diffIdentityReports(before, after);
    expect(changes).toContainEqual({ widening: true, kind: 'stage', text: 'stage of spiffe://prod.example.com/ns/payments/sa/payment-service: ENFORCE → PERMISSIVE (loosened)' });
    expect(changes).toContainEqual({
      widening: false,
      kind: 'ttl',
      text: 'ClusterSPIFFEID payments-payment-service (spiffe://prod.example.com/ns/payments/sa/payment-service): X509-SVID TTL 1h → 30m',
    });
  });
});

describe('synthWithReports and the CLI', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-report-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const outdir = path.join(tmp, 'production');
  synthWithReports(production(new App({ outdir })));
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { log: (l: string) => out.push(l), error: (l: string) => err.push(l) } };
  };

  test('writes manifests, identities.md/json, checklist.md/json and the Istio installation artifacts', () => {
    expect(fs.readdirSync(outdir).sort()).toEqual([
      'checklist.json', 'checklist.md', 'identities.json', 'identities.md', 'istio-operator.yaml', 'istiod-values.yaml', 'production.k8s.yaml',
    ]);
    expect(fs.readFileSync(path.join(outdir, 'checklist.md'), 'utf8')).toContain('0 ERROR, 0 WARN, 0 INFO open; 0 acknowledged.');
  });

  test('check: passes on the production manifests (exit 0)', () => {
    const { out, err, io: o } = io();
    expect(runCli(['check', outdir], o)).toBe(0);
    expect(out).toEqual([]);
    expect(err.join('\n')).toContain('0 finding(s)');
  });

  test('check: fails (exit 1) on manifests with ERROR findings, listing them', () => {
    const bad = path.join(tmp, 'bad');
    fs.mkdirSync(bad);
    fs.writeFileSync(
      path.join(bad, 'server.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: spire-server, namespace: spire}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n      - name: spire-server\n        image: ghcr.io/spiffe/spire-server:latest\n',
    );
    const { out, io: o } = io();
    expect(runCli(['check', bad], o)).toBe(1);
    expect(out.join('\n')).toContain('SPIRE-SRV1 ERROR Deployment spire/spire-server');
    expect(out.join('\n')).toContain('SPIRE-SEC2 ERROR');
    // Blocking findings first (SPIRE-SEC2 is the last rule, SPIRE-SRV2 WARN the second), the others after their heading.
    const heading = out.indexOf('Not blocking:');
    expect(heading).toBeGreaterThan(0);
    expect(out.slice(0, heading).every((l) => / ERROR /.test(l))).toBe(true);
    expect(out.slice(0, heading).some((l) => l.startsWith('SPIRE-SEC2 ERROR'))).toBe(true);
    expect(out.slice(heading + 1).every((l) => !/ ERROR /.test(l))).toBe(true);
    expect(out.slice(heading + 1).some((l) => l.startsWith('SPIRE-SRV2 WARN'))).toBe(true);
  });

  test('report and diff', () => {
    const { out, io: o } = io();
    expect(runCli(['report', outdir], o)).toBe(0);
    expect(out.join('\n')).toContain('# Workload identities');
    const d = io();
    expect(runCli(['diff', outdir, outdir], d.io)).toBe(0);
    expect(d.out.join('\n')).toContain('No identity changes.');
  });

  test('bad input gets a clear message and exit 2', () => {
    const a = io();
    expect(runCli(['check', path.join(tmp, 'missing')], a.io)).toBe(2);
    expect(a.err[0]).toMatch(/Error: .*missing: no such directory\./);
    const b = io();
    const file = path.join(tmp, 'file.txt');
    fs.writeFileSync(file, 'x');
    expect(runCli(['check', file], b.io)).toBe(2);
    expect(b.err[0]).toMatch(/not a directory/);
    const c = io();
    const broken = path.join(tmp, 'broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'x.yaml'), 'a: [unclosed');
    expect(runCli(['check', broken], c.io)).toBe(2);
    expect(c.err[0]).toMatch(/x\.yaml: cannot be read as YAML/);
    const e = io();
    expect(runCli(['frobnicate'], e.io)).toBe(2);
    expect(e.err[0]).toBe('Unknown command "frobnicate".');
    expect(runCli(['check'], io().io)).toBe(2);
  });
});
