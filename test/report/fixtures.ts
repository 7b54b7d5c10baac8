/**
 * Small manifest sets written by hand (not by this library's generator): a SPIRE server
 * configuration, two workloads with their ClusterSPIFFEIDs, Istio and Linkerd policies, an
 * allowlist ConfigMap and NetworkPolicies. Each test mutates a fresh copy.
 */
export type Obj = Record<string, any>;

export const serverConf = (td = 'example.org'): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'spire-server', namespace: 'spire' },
  data: { 'server.conf': JSON.stringify({ server: { trust_domain: td } }) },
});

const deployment = (name: string, ns: string, labels: Record<string, string>, annotations: Record<string, string> = {}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: {
    selector: { matchLabels: labels },
    template: { metadata: { labels, annotations }, spec: { serviceAccountName: name, containers: [{ name, image: `example/${name}:1.0.0` }] } },
  },
});

const identity = (name: string, ns: string, sa: string, extra: Obj = {}): Obj => ({
  apiVersion: 'spire.spiffe.io/v1alpha1',
  kind: 'ClusterSPIFFEID',
  metadata: { name },
  spec: {
    className: 'spire',
    spiffeIDTemplate: `spiffe://example.org/ns/${ns}/sa/${sa}`,
    namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [ns] }] },
    podSelector: { matchLabels: { app: sa } },
    workloadSelectorTemplates: [`k8s:ns:${ns}`, `k8s:sa:${sa}`],
    ttl: '1h',
    jwtTtl: '5m',
    ...extra,
  },
});

/** The hand-written baseline: shop (Istio) and pay (Linkerd). */
export function baseline(): Obj[] {
  return [
    serverConf(),
    deployment('web', 'shop', { app: 'web' }),
    deployment('api', 'shop', { app: 'api' }),
    identity('shop-web', 'shop', 'web'),
    identity('shop-api', 'shop', 'api', { fallback: true }),
    { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'shop' }, spec: { mtls: { mode: 'STRICT' } } },
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-nothing', namespace: 'shop' }, spec: {} },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'api-health', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'api' } }, action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/healthz'], ports: ['8080'] } }] }] },
    },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'api-allow-web', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'api' } },
        action: 'ALLOW',
        rules: [{ from: [{ source: { principals: ['example.org/ns/shop/sa/web'] } }], to: [{ operation: { methods: ['POST'], paths: ['/orders'], ports: ['8080'] } }] }],
      },
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'api-from-web', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'api' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 8080, protocol: 'TCP' }] }],
      },
    },
    // pay: Linkerd, with an in-code allowlist.
    deployment('ledger', 'pay', { app: 'ledger' }, { 'config.linkerd.io/default-inbound-policy': 'deny' }),
    identity('pay-ledger', 'pay', 'ledger'),
    { apiVersion: 'policy.linkerd.io/v1beta3', kind: 'Server', metadata: { name: 'ledger-8443', namespace: 'pay' }, spec: { podSelector: { matchLabels: { app: 'ledger' } }, port: 8443, accessPolicy: 'deny' } },
    {
      apiVersion: 'policy.linkerd.io/v1beta3',
      kind: 'HTTPRoute',
      metadata: { name: 'ledger-probes', namespace: 'pay' },
      spec: { parentRefs: [{ group: 'policy.linkerd.io', kind: 'Server', name: 'ledger-8443' }], rules: [{ matches: [{ method: 'GET', path: { type: 'Exact', value: '/ready' } }] }] },
    },
    { apiVersion: 'policy.linkerd.io/v1alpha1', kind: 'NetworkAuthentication', metadata: { name: 'ledger-probes', namespace: 'pay' }, spec: { networks: [{ cidr: '10.0.0.0/16' }] } },
    {
      apiVersion: 'policy.linkerd.io/v1alpha1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'ledger-probes', namespace: 'pay' },
      spec: {
        targetRef: { group: 'policy.linkerd.io', kind: 'HTTPRoute', name: 'ledger-probes' },
        requiredAuthenticationRefs: [{ group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'ledger-probes' }],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ledger-allowed-callers', namespace: 'pay' },
      data: {
        'allowed-callers.json': JSON.stringify({
          callee: 'spiffe://example.org/ns/pay/sa/ledger',
          mesh: 'linkerd',
          stage: 'ENFORCE',
          rules: [{ methods: ['POST'], paths: ['/entries'], ports: [8443], callers: ['spiffe://example.org/ns/shop/sa/api'] }],
          unauthenticatedPaths: ['/ready'],
        }),
      },
    },
  ];
}

export const clone = (objs: Obj[]): Obj[] => JSON.parse(JSON.stringify(objs));
export const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
  if (!o) throw new Error(`no ${kind} ${name}`);
  return o;
};
export const allowlist = (objs: Obj[]): Obj => {
  const cm = find(objs, 'ConfigMap', 'ledger-allowed-callers');
  return JSON.parse(cm.data['allowed-callers.json']);
};
export const setAllowlist = (objs: Obj[], list: Obj): void => {
  find(objs, 'ConfigMap', 'ledger-allowed-callers').data['allowed-callers.json'] = JSON.stringify(list);
};

/** What the official SPIRE Helm chart renders for its default ClusterSPIFFEIDs (release spire in spire-server). */
export function helmChart(): Obj[] {
  const helm = { 'app.kubernetes.io/managed-by': 'Helm', 'spire.spiffe.io/class-name': 'spire-server-spire' };
  const ns = ['spire-server', 'spire-system'];
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'spire-server', namespace: 'spire-server', labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
      data: { 'server.conf': JSON.stringify({ server: { trust_domain: 'example.org', ca_ttl: '24h', default_x509_svid_ttl: '4h' } }) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'spire-server', namespace: 'spire-server', labels: { 'app.kubernetes.io/managed-by': 'Helm', 'app.kubernetes.io/name': 'server' } },
      spec: {
        replicas: 1,
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'server' } },
          spec: { serviceAccountName: 'spire-server', containers: [{ name: 'spire-server', image: 'ghcr.io/spiffe/spire-server:1.15.3', args: ['-config', '/run/spire/config/server.conf'] }] },
        },
      },
    },
    {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterSPIFFEID',
      metadata: { name: 'spire-server-spire-default', labels: helm },
      spec: {
        className: 'spire-server-spire',
        hint: 'default',
        spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ns }] },
        fallback: true,
      },
    },
    {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterSPIFFEID',
      metadata: { name: 'spire-server-spire-oidc-discovery-provider', labels: helm },
      spec: {
        className: 'spire-server-spire',
        hint: 'oidc-discovery-provider',
        spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ns }] },
        podSelector: { matchLabels: { 'release': 'spire', 'release-namespace': 'spire-server', 'component': 'oidc-discovery-provider' } },
        dnsNameTemplates: ['oidc-discovery.{{ .TrustDomain }}'],
        autoPopulateDNSNames: true,
      },
    },
    {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterSPIFFEID',
      metadata: { name: 'spire-server-spire-test-keys', labels: helm },
      spec: {
        className: 'spire-server-spire',
        hint: 'test-keys',
        spiffeIDTemplate: 'spiffe://{{ .TrustDomain }}/ns/{{ .PodMeta.Namespace }}/sa/{{ .PodSpec.ServiceAccountName }}',
        podSelector: { matchLabels: { component: 'test-keys' } },
      },
    },
    // Not the chart's: a hand-written entry with every kind of expression.
    {
      apiVersion: 'spire.spiffe.io/v1alpha1',
      kind: 'ClusterSPIFFEID',
      metadata: { name: 'batch', labels: { 'app.kubernetes.io/managed-by': 'Helm' } },
      spec: {
        className: 'spire-server-spire',
        spiffeIDTemplate: 'spiffe://example.org/batch/{{ .PodMeta.Name }}',
        namespaceSelector: { matchLabels: { team: 'data' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'staging'] }] },
        podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['web'] }, { key: 'batch', operator: 'Exists' }, { key: 'debug', operator: 'DoesNotExist' }] },
        workloadSelectorTemplates: ['k8s:pod-label:batch:true'],
        ttl: '30m',
      },
    },
  ];
}
