import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as plus from 'cdk8s-plus-28';
import * as ts from 'typescript';
import * as lib from '../src';

/** The README's MeshPolicy example, exactly as written there. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### MeshPolicy'));
  const start = section.indexOf('```ts\n') + '```ts\n'.length;
  return section.slice(start, section.indexOf('```', start));
}

test('the README MeshPolicy example runs as written (federation, a foreign caller through a gateway) and renders what it says', () => {
  const chart = new Chart(Testing.app(), 'readme');
  // What the example takes as given: a stack, a caller identity, the callee's Deployment, the partner's bundle.
  const stack = new lib.SpireStack(chart, 'spire', { trustDomain: lib.TrustDomain.of('prod.example.com'), clusterName: 'prod', database: lib.PostgresDatabase.cloudNativePg(), checklist: false });
  const deployment = (name: string) => new plus.Deployment(chart, `${name}-deployment`, { metadata: { name, namespace: 'payments' }, containers: [{ image: `example/${name}:1.0.0`, portNumber: 8443 }] });
  const orderService = new lib.WorkloadIdentity(chart, 'order-service', { server: stack.server, namespace: 'payments', serviceAccount: 'order-service' });
  orderService.bind(deployment('order-service'));
  const given = { ...lib, chart, stack, orderService, paymentDeployment: deployment('payment-service'), partnerBundleJson: fs.readFileSync(path.join(__dirname, 'fixtures', 'partner-bundle.json'), 'utf8') };
  const js = ts.transpileModule(readmeExample(), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 } }).outputText;
  const run = new Function(...Object.keys(given), js);
  run(...Object.values(given));

  const objects = Testing.synth(chart) as any[];
  const cftd = objects.find((o) => o.kind === 'ClusterFederatedTrustDomain');
  expect(cftd.spec.trustDomainBundle).toContain('x509-svid');
  const allow = objects.find((o) => o.kind === 'AuthorizationPolicy' && o.spec?.rules?.[0]?.from?.[0]?.source?.principals?.includes('partner.example/ns/shop/sa/web'));
  expect(allow.spec.rules[0].to[0].operation).toMatchObject({ methods: ['GET'], paths: ['/api/payments/status'] });
  const ingress = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === 'payments').flatMap((o) => o.spec.ingress ?? []);
  expect(ingress.some((r: any) => r.from?.[0]?.podSelector?.matchLabels?.istio === 'eastwestgateway')).toBe(true);
});
