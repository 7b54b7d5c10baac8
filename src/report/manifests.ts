import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { KubeObject } from '../checklist/rule';

/** Reads every Kubernetes object of the `.yaml`, `.yml` and `.json` files below a directory. */
export function readManifests(dir: string): KubeObject[] {
  let stat;
  try {
    stat = fs.statSync(dir);
  } catch {
    throw new Error(`${dir}: no such directory.`);
  }
  if (!stat.isDirectory()) {
    throw new Error(`${dir}: not a directory; give the directory that holds the manifests.`);
  }
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml)$/.test(e.name) || (e.name.endsWith('.json') && !/^(identities|checklist)\.json$/.test(e.name))) files.push(p);
    }
  };
  walk(dir);
  const objects: KubeObject[] = [];
  for (const f of files) {
    let docs: unknown[];
    try {
      docs = f.endsWith('.json') ? [JSON.parse(fs.readFileSync(f, 'utf8'))] : parseYaml(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`${f}: cannot be read as ${f.endsWith('.json') ? 'JSON' : 'YAML'} (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`);
    }
    for (const doc of docs) {
      const d = doc as { kind?: string; apiVersion?: string; items?: unknown[] } | null;
      if (!d || typeof d !== 'object') continue;
      if (d.kind === 'List' && Array.isArray(d.items)) objects.push(...(d.items as KubeObject[]));
      else if (d.kind && d.apiVersion) objects.push(d as KubeObject);
    }
  }
  return objects;
}

function parseYaml(text: string): unknown[] {
  return YAML.parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(doc.errors[0].message);
    }
    return doc.toJS();
  });
}
