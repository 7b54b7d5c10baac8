/**
 * The objects of every example app, as the library synthesizes them, and the upstream CRDs the
 * examples' custom resources need (../shared/crds/).
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { KubeObject } from './kube';

const ROOT = path.resolve(__dirname, '..', '..');

export function exampleNames(): string[] {
  return fs.readdirSync(path.join(ROOT, 'examples'))
    .filter((d) => fs.existsSync(path.join(ROOT, 'examples', d, 'main.ts')))
    .sort();
}

/** Synthesizes one example app (the same `buildApp` its `main.ts` runs). */
export function exampleObjects(name: string): KubeObject[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(ROOT, 'examples', name, 'main')) as { buildApp(app?: App): App };
  const app = mod.buildApp(Testing.app());
  return app.charts.flatMap((c) => c.toJson() as KubeObject[]);
}

/** The upstream CRDs under ../shared/crds (SPIRE, CloudNativePG, Istio, Linkerd, prometheus-operator). */
export function upstreamCrds(): KubeObject[] {
  const dir = process.env.SPIRE_CONSTRUCTS_CRDS ?? path.resolve(ROOT, '..', 'shared', 'crds');
  if (!fs.existsSync(dir)) {
    throw new Error(`upstream CRDs not found at ${dir}: put the shared/ folder beside the clone or set SPIRE_CONSTRUCTS_CRDS`);
  }
  const out: KubeObject[] = [];
  for (const group of fs.readdirSync(dir).sort()) {
    const g = path.join(dir, group);
    if (!fs.statSync(g).isDirectory()) continue;
    for (const f of fs.readdirSync(g).filter((x) => x.endsWith('.yaml')).sort()) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(g, f), 'utf8'))) {
        const o = doc.toJSON() as KubeObject | null;
        if (o?.kind === 'CustomResourceDefinition') out.push(o);
      }
    }
  }
  return out;
}

/** Apply order: CRDs, Namespaces, then everything else in the order synthesized. */
export function applyOrder(objs: KubeObject[]): KubeObject[] {
  const rank = (o: KubeObject) => (o.kind === 'CustomResourceDefinition' ? 0 : o.kind === 'Namespace' ? 1 : 2);
  return objs.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
}

export const idOf = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
