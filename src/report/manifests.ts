import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../checklist/rule';
import { yaml } from '../k8s/yaml';
import { compareStrings } from '../order';

/** What {@link readManifestDirectory} found: the Kubernetes objects, and the documents it skipped. */
export interface ManifestDirectory {
  /** Every Kubernetes object (a document with a string `apiVersion` and `kind`), `List` items included. */
  readonly objects: KubeObject[];
  /** One note per skipped document: `file (document n): why`. */
  readonly skipped: string[];
}

/** Configuration files that look like objects but are never applied to a cluster. */
const NOT_APPLIED = /^(kustomize\.config\.k8s\.io|config\.kubernetes\.io|kpt\.dev)\//;

/** Reports this library writes beside the manifests (not manifests themselves). */
const REPORTS = /^(identities|checklist)\.json$/;

/**
 * Reads every Kubernetes object of the `.yaml`, `.yml` and `.json` files below a directory.
 * Documents that are not Kubernetes objects (no `apiVersion`/`kind`: Helm values, the generated
 * `istiod-values.yaml`, a `kustomization.yaml`) are skipped with a note; a file that cannot be
 * parsed at all fails, naming the file.
 */
export function readManifestDirectory(dir: string): ManifestDirectory {
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
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml)$/.test(e.name) || (e.name.endsWith('.json') && !REPORTS.test(e.name))) files.push(p);
    }
  };
  walk(dir);
  const objects: KubeObject[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    let docs: unknown[];
    try {
      docs = f.endsWith('.json') ? [JSON.parse(fs.readFileSync(f, 'utf8'))] : parseYaml(fs.readFileSync(f, 'utf8'));
    } catch (e) {
      throw new Error(`${f}: cannot be read as ${f.endsWith('.json') ? 'JSON' : 'YAML'} (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`);
    }
    const rel = path.relative(dir, f) || path.basename(f);
    docs.forEach((doc, i) => {
      const where = docs.length > 1 ? `${rel} (document ${i + 1})` : rel;
      if (doc === null || doc === undefined) return; // an empty document (`---` at the end)
      const problem = notAnObject(doc);
      if (problem) {
        skipped.push(`${where}: ${problem}`);
        return;
      }
      const d = doc as KubeObject & { items?: unknown[] };
      if (d.kind === 'List' || (d.kind.endsWith('List') && Array.isArray(d.items))) {
        (Array.isArray(d.items) ? d.items : []).forEach((item, j) => {
          const p = notAnObject(item);
          if (p) skipped.push(`${where} item ${j + 1}: ${p}`);
          else objects.push(item as KubeObject);
        });
        return;
      }
      objects.push(d);
    });
  }
  return { objects, skipped };
}

/** Reads every Kubernetes object below a directory (see {@link readManifestDirectory}; skipped documents are dropped silently). */
export function readManifests(dir: string): KubeObject[] {
  return readManifestDirectory(dir).objects;
}

/** Why a parsed document is not a Kubernetes object, or undefined when it is one. */
function notAnObject(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    return `not a Kubernetes object (a ${Array.isArray(doc) ? 'list' : typeof doc === 'object' ? 'null' : typeof doc}, not a mapping with apiVersion and kind); skipped.`;
  }
  const d = doc as Record<string, unknown>;
  if (typeof d.apiVersion !== 'string' || typeof d.kind !== 'string' || d.apiVersion === '' || d.kind === '') {
    return 'not a Kubernetes object (no apiVersion/kind; a values or configuration file?); skipped.';
  }
  if (NOT_APPLIED.test(d.apiVersion)) {
    return `${d.kind} (${d.apiVersion}) is tool configuration, not a Kubernetes object; skipped.`;
  }
  if (d.metadata !== undefined && (typeof d.metadata !== 'object' || d.metadata === null || Array.isArray(d.metadata))) {
    return `${d.kind}: metadata is not a mapping; skipped.`;
  }
  return undefined;
}

function parseYaml(text: string): unknown[] {
  return yaml().parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(doc.errors[0].message);
    }
    return doc.toJS();
  });
}
