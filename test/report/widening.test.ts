import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { allowlist, baseline, clone, find, Obj, setAllowlist } from './fixtures';
import { buildIdentityReport, diffIdentityReports, IdentityChangeKind, KubeObject } from '../../src';
import { runCli } from '../../src/cli/main';

const report = (objs: Obj[]) => buildIdentityReport(objs as KubeObject[]);
const idSpec = (objs: Obj[], name: string) => find(objs, 'ClusterSPIFFEID', name).spec;

/** Each kind of widening: a change to the hand-written baseline, the kind of change, and what the line says. */
const WIDENINGS: Array<[string, (o: Obj[]) => void, IdentityChangeKind, RegExp]> = [
  [
    'a new caller (Istio principal)',
    (o) => find(o, 'AuthorizationPolicy', 'api-allow-web').spec.rules[0].from[0].source.principals.push('example.org/ns/shop/sa/admin'),
    'caller',
    /^caller gained: spiffe:\/\/example.org\/ns\/shop\/sa\/admin → spiffe:\/\/example.org\/ns\/shop\/sa\/api POST \/orders :8080$/,
  ],
  [
    'a new foreign caller (allowlist)',
    (o) => {
      const l = allowlist(o);
      l.rules[0].callers.push('spiffe://partner.example/ns/shop/sa/web');
      setAllowlist(o, l);
    },
    'caller',
    /^caller gained: spiffe:\/\/partner.example\/ns\/shop\/sa\/web \(foreign trust domain partner.example\) → spiffe:\/\/example.org\/ns\/pay\/sa\/ledger POST/,
  ],
  [
    'a new grant (NetworkPolicy peer)',
    (o) => find(o, 'NetworkPolicy', 'api-from-web').spec.ingress[0].from.push({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } }),
    'network',
    /^network allow added: ingress to spiffe:\/\/example.org\/ns\/shop\/sa\/api from every pod in namespace batch on 8080\/TCP/,
  ],
  [
    'fewer workload selectors',
    (o) => (idSpec(o, 'shop-web').workloadSelectorTemplates = ['k8s:ns:shop']),
    'selector',
    /^ClusterSPIFFEID shop-web \(spiffe:\/\/example.org\/ns\/shop\/sa\/web\): workload selectors \[k8s:ns:shop, k8s:sa:web\] → \[k8s:ns:shop\] \(widened: k8s:sa:web no longer required\)$/,
  ],
  [
    'a removed podSelector',
    (o) => delete idSpec(o, 'shop-web').podSelector,
    'selector',
    /^ClusterSPIFFEID shop-web \(.*\): podSelector pods labelled app=web → every pod \(widened: app=web no longer required\)$/,
  ],
  [
    'a removed namespaceSelector constraint',
    (o) => delete idSpec(o, 'shop-web').namespaceSelector,
    'selector',
    /: namespaceSelector shop → \* \(widened: kubernetes.io\/metadata.name=shop no longer required\)$/,
  ],
  [
    '`In` with more values',
    (o) => idSpec(o, 'shop-web').namespaceSelector.matchExpressions[0].values.push('batch'),
    'selector',
    /: namespaceSelector shop → namespaces in \[shop, batch\] \(widened: kubernetes.io\/metadata.name=shop no longer required\)$/,
  ],
  [
    'ANY (no namespace, service account or pod constraint left)',
    (o) => {
      const s = idSpec(o, 'shop-web');
      delete s.namespaceSelector;
      delete s.podSelector;
      s.workloadSelectorTemplates = [];
    },
    'selector',
    /workload selectors \[k8s:ns:shop, k8s:sa:web\] → \[\] \(widened/,
  ],
  [
    'fallback switched off',
    (o) => (idSpec(o, 'shop-api').fallback = false),
    'selector',
    /: fallback true → false \(now also issued to pods that match another ClusterSPIFFEID\)$/,
  ],
  ['a longer TTL', (o) => (idSpec(o, 'shop-web').ttl = '4h'), 'ttl', /: X509-SVID TTL 1h → 4h$/],
  ['a longer JWT TTL', (o) => (idSpec(o, 'shop-web').jwtTtl = '1h'), 'ttl', /: JWT-SVID TTL 5m → 1h$/],
  [
    'a new unauthenticated path (allowlist)',
    (o) => {
      const l = allowlist(o);
      l.unauthenticatedPaths.push('/debug');
      setAllowlist(o, l);
    },
    'unauthenticated',
    /^unauthenticated access widened on spiffe:\/\/example.org\/ns\/pay\/sa\/ledger from any caller \(no identity checked\) \(ConfigMap pay\/ledger-allowed-callers, in-code allowlist\): \+ GET \/debug :\*, \+ HEAD \/debug :\*$/,
  ],
  [
    'a new health path (Istio)',
    (o) => find(o, 'AuthorizationPolicy', 'api-health').spec.rules[0].to[0].operation.paths.push('/metrics'),
    'unauthenticated',
    /^unauthenticated access widened on spiffe:\/\/example.org\/ns\/shop\/sa\/api from any caller .*AuthorizationPolicy shop\/api-health, istio\): \+ GET \/metrics :8080$/,
  ],
  [
    'a new health route (Linkerd)',
    (o) => find(o, 'HTTPRoute', 'ledger-probes').spec.rules[0].matches.push({ method: 'GET', path: { type: 'PathPrefix', value: '/admin' } }),
    'unauthenticated',
    /^unauthenticated access widened on spiffe:\/\/example.org\/ns\/pay\/sa\/ledger from networks 10.0.0.0\/16 .*: \+ GET \/admin \(prefix\) :8443$/,
  ],
  [
    'wider probe networks (Linkerd)',
    (o) => (find(o, 'NetworkAuthentication', 'ledger-probes').spec.networks = [{ cidr: '0.0.0.0/0' }]),
    'unauthenticated',
    /^unauthenticated access to spiffe:\/\/example.org\/ns\/pay\/sa\/ledger \(AuthorizationPolicy pay\/ledger-probes\): from networks 10.0.0.0\/16 → networks 0.0.0.0\/0 \(widened\)$/,
  ],
  ['a stage loosened (ENFORCE → STRICT)', (o) => setAllowlist(o, { ...allowlist(o), stage: 'STRICT' }), 'stage', /^stage of spiffe:\/\/example.org\/ns\/pay\/sa\/ledger: ENFORCE → STRICT \(loosened\)$/],
  [
    'mTLS STRICT → PERMISSIVE',
    (o) => (find(o, 'PeerAuthentication', 'default').spec.mtls.mode = 'PERMISSIVE'),
    'default',
    /^Istio mTLS of namespace shop: STRICT → PERMISSIVE \(loosened\) \(PeerAuthentication shop\/default\)$/,
  ],
  [
    'allow-nothing made dry-run',
    (o) => (find(o, 'AuthorizationPolicy', 'allow-nothing').metadata.annotations = { 'istio.io/dry-run': 'true' }),
    'default',
    /^Istio authorization of namespace shop: deny by default .* → deny by default, dry-run only .*\(loosened\)/,
  ],
  [
    'allow-nothing removed',
    (o) => o.splice(o.indexOf(find(o, 'AuthorizationPolicy', 'allow-nothing')), 1),
    'default',
    /^Istio authorization of namespace shop: deny by default .* removed \(AuthorizationPolicy shop\/allow-nothing\); the looser default applies$/,
  ],
  [
    'Linkerd Server accessPolicy deny → all-authenticated',
    (o) => (find(o, 'Server', 'ledger-8443').spec.accessPolicy = 'all-authenticated'),
    'default',
    /^Linkerd Server accessPolicy of Server pay\/ledger-8443 .*: deny \(only explicit authorizations\) → all-authenticated \(any meshed identity\) \(loosened\)/,
  ],
  [
    'Linkerd default inbound policy deny → audit',
    (o) => (find(o, 'Deployment', 'ledger').spec.template.metadata.annotations['config.linkerd.io/default-inbound-policy'] = 'audit'),
    'default',
    /^Linkerd default inbound policy of pods of Deployment pay\/ledger: deny .* → audit .*\(loosened\)/,
  ],
  [
    'NetworkPolicy default deny removed',
    (o) => o.splice(o.indexOf(find(o, 'NetworkPolicy', 'default-deny')), 1),
    'default',
    /^NetworkPolicy ingress of every pod in namespace shop: deny all ingress not allowed by another policy removed/,
  ],
  ['a new federatesWith', (o) => (idSpec(o, 'shop-api').federatesWith = ['partner.example']), 'federation', /^ClusterSPIFFEID shop-api \(.*\): now federates with partner.example/],
  [
    'a new wide CIDR',
    (o) => find(o, 'NetworkPolicy', 'api-from-web').spec.ingress[0].from.push({ ipBlock: { cidr: '0.0.0.0/0' } }),
    'wide-cidr',
    /^wide network allow added: ingress to spiffe:\/\/example.org\/ns\/shop\/sa\/api from CIDR 0.0.0.0\/0 on 8080\/TCP \(NetworkPolicy shop\/api-from-web\); no reason given$/,
  ],
];

describe('diff: every kind of widening, on hand-written manifests', () => {
  test('the baseline against itself: no change', () => {
    expect(diffIdentityReports(report(baseline()), report(baseline()))).toEqual([]);
  });

  test.each(WIDENINGS)('%s is widening, one line saying what; the reverse change is not', (_name, mutate, kind, text) => {
    const before = baseline();
    const after = clone(before);
    mutate(after);
    const changes = diffIdentityReports(report(before), report(after));
    const widening = changes.filter((c) => c.widening);
    expect(widening.length).toBeGreaterThan(0);
    expect(widening).toContainEqual({ widening: true, kind, text: expect.stringMatching(text) });
    expect(widening.every((c) => !c.text.includes('\n'))).toBe(true);
    expect(diffIdentityReports(report(after), report(before)).filter((c) => c.widening)).toEqual([]);
  });

  test('a changed selector is one change of the same ClusterSPIFFEID, with before, after and the written reason', () => {
    const before = baseline();
    const after = clone(before);
    const o = find(after, 'ClusterSPIFFEID', 'shop-web');
    o.metadata.annotations = { 'spire-constructs.io/exceptions': JSON.stringify({ broadSelector: 'legacy batch jobs share this identity' }) };
    o.spec.workloadSelectorTemplates = ['k8s:ns:shop'];
    const changes = diffIdentityReports(report(before), report(after));
    expect(changes.filter((c) => c.kind === 'identity')).toEqual([]);
    expect(changes).toContainEqual({
      widening: true,
      kind: 'selector',
      text:
        'ClusterSPIFFEID shop-web (spiffe://example.org/ns/shop/sa/web): workload selectors [k8s:ns:shop, k8s:sa:web] → [k8s:ns:shop] ' +
        '(widened: k8s:sa:web no longer required) (reason: broadSelector: legacy batch jobs share this identity)',
    });
  });

  test('identities renamed but with the same SPIFFE ID are matched by the ID; a new one is an identity added', () => {
    const before = baseline();
    const after = clone(before);
    find(after, 'ClusterSPIFFEID', 'shop-web').metadata.name = 'web-renamed';
    expect(diffIdentityReports(report(before), report(after)).filter((c) => c.kind === 'identity')).toEqual([]);
    const added = clone(before);
    added.push({ ...clone([find(before, 'ClusterSPIFFEID', 'shop-web')])[0], metadata: { name: 'shop-admin' } });
    idSpec(added, 'shop-admin').spiffeIDTemplate = 'spiffe://example.org/ns/shop/sa/admin';
    expect(diffIdentityReports(report(before), report(added))).toContainEqual({ widening: true, kind: 'identity', text: expect.stringMatching(/^identity added: spiffe:\/\/example.org\/ns\/shop\/sa\/admin \(ClusterSPIFFEID shop-admin;/) });
  });

  test('narrowing changes are not widening', () => {
    const before = baseline();
    const after = clone(before);
    idSpec(after, 'shop-web').ttl = '30m';
    idSpec(after, 'shop-web').podSelector.matchLabels.tier = 'front';
    find(after, 'Server', 'ledger-8443').spec.accessPolicy = 'deny';
    const changes = diffIdentityReports(report(before), report(after));
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.filter((c) => c.widening)).toEqual([]);
  });
});

describe('spire-constructs diff --fail-on-widening', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-widening-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const write = (name: string, objs: Obj[]) => {
    const dir = path.join(tmp, name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'manifests.yaml'), objs.map((o) => YAML.stringify(o)).join('---\n'));
    return dir;
  };
  const run = (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCli(argv, { log: (l) => out.push(l), error: (l) => err.push(l) });
    return { code, out: out.join('\n'), err };
  };
  const before = write('before', baseline());

  test.each(WIDENINGS)('exits 1 on %s, naming it on one line', (name, mutate, kind) => {
    const after = clone(baseline());
    mutate(after);
    const dir = write(`after-${name.replace(/[^a-z0-9]+/gi, '-')}`, after);
    const r = run(['diff', '--fail-on-widening', before, dir]);
    expect(r.code).toBe(1);
    expect(r.err).toContainEqual(expect.stringMatching(new RegExp(`^WIDENING ${kind}: `)));
    expect(r.out).toContain('⚠ Widening');
    // Without the flag the diff is a report: exit 0.
    expect(run(['diff', before, dir]).code).toBe(0);
  });

  test('exits 0 when nothing widened (a narrowing change), and on no change', () => {
    const after = clone(baseline());
    idSpec(after, 'shop-web').ttl = '30m';
    expect(run(['diff', '--fail-on-widening', before, write('narrower', after)]).code).toBe(0);
    expect(run(['diff', '--fail-on-widening', before, before])).toMatchObject({ code: 0, out: expect.stringContaining('No identity changes.') });
  });

  test('a mistyped flag is refused (exit 2), not ignored', () => {
    const r = run(['diff', '--fail-on-widen', before, before]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('Unknown option "--fail-on-widen" for "diff".');
  });
});
