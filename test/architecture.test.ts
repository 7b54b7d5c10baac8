import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src');

/** The layers as the README's architecture picture lists them, top to bottom. */
function readmeLayers(): string[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('## Benchmarks'));
  const block = section.slice(section.indexOf('```') + 3, section.indexOf('```', section.indexOf('```') + 3));
  return block.split('\n').map((l) => /^src\/([a-z0-9-]+)/.exec(l)?.[1]).filter((x): x is string => x !== undefined);
}

/** The layer of a file under src/ (its folder, or its name for files at the top). */
function layerOf(file: string): string {
  if (file === SRC) return 'index';
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0] : rel[0].replace(/\.ts$/, '');
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('the README architecture picture matches the imports', () => {
  const layers = readmeLayers();
  const files = sourceFiles(SRC).filter((f) => layerOf(f) !== 'index');

  test('every folder and top-level module of src/ is in the picture, once', () => {
    const present = [...new Set(files.map(layerOf))].sort();
    expect([...layers].sort()).toEqual(present);
    expect(new Set(layers).size).toBe(layers.length);
  });

  /** Relative imports of a file, resolved (`..` and `../index` are the package index, src/index.ts). */
  const importsOf = (f: string) =>
    [...fs.readFileSync(f, 'utf8').matchAll(/from '(\.{1,2}(?:\/[^']*)?)'/g)].map((m) => ({ spec: m[1], to: layerOf(path.resolve(path.dirname(f), m[1])) }));
  /** The layers src/index.ts re-exports (what the package's main entry point holds). */
  const inIndex = new Set(importsOf(path.join(SRC, 'index.ts')).map((i) => i.to));

  test('each layer imports only from layers below it (no cycles, nothing upward)', () => {
    const upward: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const { spec, to } of importsOf(f)) {
        if (to === 'index') {
          // Only the entry points above the index (not re-exported by it) may import it.
          if (inIndex.has(from)) upward.push(`${path.relative(ROOT, f)} (${from}) imports ${spec} (the package index, which re-exports ${from})`);
        } else if (to !== from && layers.indexOf(to) <= layers.indexOf(from)) {
          upward.push(`${path.relative(ROOT, f)} (${from}) imports ${spec} (${to})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  test('the entry points beside the index (pulumi, cli) take the library from the index only (their bundles hold one copy of it)', () => {
    // The layers above everything the index re-exports.
    const top = Math.min(...[...inIndex].map((l) => layers.indexOf(l)).filter((i) => i >= 0));
    const beside = layers.slice(0, top);
    expect(beside.sort()).toEqual(['cli', 'pulumi']);
    const deep: string[] = [];
    for (const f of files.filter((x) => beside.includes(layerOf(x)))) {
      for (const { spec, to } of importsOf(f)) {
        if (to !== layerOf(f) && to !== 'index') deep.push(`${path.relative(ROOT, f)} imports ${spec} (${to}): import it from '..'`);
      }
    }
    expect(deep).toEqual([]);
  });
});
