// A consumer program importing both entry points. Compiled by consumer.sh under moduleResolution
// node, node16 and bundler (strict, skipLibCheck off), then run: synthesizes the smallest
// production stack with App.synth() and checks the kinds it wrote.
import * as fs from 'fs';
import * as path from 'path';
import { SpireStack as PulumiSpireStack, WorkloadIdentity as PulumiWorkloadIdentity } from 'spire-constructs/pulumi';
import { smallestProductionApp } from './stack';

const EXPECTED_KINDS = [
  'CSIDriver', 'Cluster', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'CustomResourceDefinition', 'DaemonSet', 'Namespace',
  'NetworkPolicy', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount', 'StatefulSet', 'ValidatingWebhookConfiguration',
];

function fail(message: string): never {
  console.error(`consumer program: ${message}`);
  process.exit(1);
}

const outdir = process.argv[2];
if (!outdir) {
  fail('usage: node main.js <outdir>');
}
if (typeof PulumiSpireStack !== 'function' || typeof PulumiWorkloadIdentity !== 'function') {
  fail("'spire-constructs/pulumi' did not load its components at run time");
}
smallestProductionApp(outdir).synth();

const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.k8s.yaml'));
if (files.length !== 1) {
  fail(`App.synth() wrote ${files.length} manifest file(s) to ${outdir} (${files.join(', ')}), expected spire.k8s.yaml`);
}
const text = fs.readFileSync(path.join(outdir, files[0]), 'utf8');
const kinds = new Set([...text.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]));
const missing = EXPECTED_KINDS.filter((k) => !kinds.has(k));
if (missing.length > 0) {
  fail(`${files[0]} has no ${missing.join(', ')} (kinds: ${[...kinds].sort().join(', ')})`);
}
console.log(`synthesized ${files[0]}: ${[...kinds].sort().join(', ')}`);
