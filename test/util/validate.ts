/**
 * Validates synthesized Kubernetes objects against the Kubernetes schemas (kubernetes-models)
 * and custom resources against the CRD schemas in ../shared/crds/, with fields the schema does
 * not list treated as errors (the API server would silently prune them).
 */
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as YAML from 'yaml';

export type KubeObject = { apiVersion: string; kind: string; metadata?: { name?: string; namespace?: string }; [k: string]: unknown };

/** The upstream CRD schemas: $SPIRE_CONSTRUCTS_CRDS, or the shared/ folder beside the clone. */
const CRD_ROOT = process.env.SPIRE_CONSTRUCTS_CRDS ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'crds');

type Schema = { [k: string]: unknown };

/** Makes every object schema that lists properties refuse unlisted ones. */
function strictify(schema: unknown): void {
  if (Array.isArray(schema)) {
    schema.forEach(strictify);
    return;
  }
  if (!schema || typeof schema !== 'object') return;
  const s = schema as Schema;
  if (s.properties && s.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) {
    s.additionalProperties = false;
  }
  for (const v of Object.values(s)) strictify(v);
}

/** CRD patterns are Go regular expressions; translate the `(?i)` group into a JS flag. */
function goRegExp(pattern: string, flags: string): RegExp {
  return pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags);
}
goRegExp.code = 'new RegExp';

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
let crdSchemas: Map<string, Schema> | undefined;
const compiled = new Map<string, ValidateFunction>();

function crdValidator(key: string): ValidateFunction | undefined {
  const schema = loadCrdSchemas().get(key);
  if (!schema) return undefined;
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile(schema);
    compiled.set(key, v);
  }
  return v;
}

function loadCrdSchemas(): Map<string, Schema> {
  if (crdSchemas) return crdSchemas;
  const map = new Map<string, Schema>();
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.yaml') ? [path.join(dir, e.name)] : [],
    );
  if (!fs.existsSync(CRD_ROOT)) {
    throw new Error(
      `The upstream CRD schemas are missing: ${CRD_ROOT} does not exist. Put the project's shared/ folder beside the clone ` +
        '(../shared/crds), or set SPIRE_CONSTRUCTS_CRDS to a folder of CRD YAML files.',
    );
  }
  for (const file of walk(CRD_ROOT)) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
      type Version = { name: string; schema?: { openAPIV3Schema: Schema } };
      const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Version[] } };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        if (!v.schema) continue;
        const schema = JSON.parse(JSON.stringify(v.schema.openAPIV3Schema)) as Schema;
        strictify(schema);
        // apiVersion/kind/metadata are checked by the API server itself.
        const props = (schema.properties ??= {}) as Schema;
        props.apiVersion = { type: 'string' };
        props.kind = { type: 'string' };
        props.metadata = { type: 'object' };
        map.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema);
      }
    }
  }
  crdSchemas = map;
  return map;
}

function modelModule(apiVersion: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return group === '' ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
}

/** Returns the problems of one object (empty when valid). */
export function problemsOf(obj: KubeObject): string[] {
  const name = `${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? '?'}`;
  const key = `${obj.apiVersion}/${obj.kind}`;
  const crd = crdValidator(key);
  if (crd) {
    if (crd(obj)) return [];
    return (crd.errors ?? []).map((e) => `${name}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(modelModule(obj.apiVersion));
  } catch {
    return [`${name}: no schema known for ${obj.apiVersion} ${obj.kind}`];
  }
  const Model = mod[obj.kind] as (new (data: unknown) => { validate(): void }) | undefined;
  if (!Model) return [`${name}: no schema known for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${name}: ${(e as Error).message}`];
  }
}

/** Throws with every problem of every object. */
export function expectValidManifests(objects: KubeObject[]): void {
  const problems = objects.flatMap(problemsOf);
  if (problems.length > 0) {
    throw new Error(`Invalid manifests:\n${problems.join('\n')}`);
  }
}
