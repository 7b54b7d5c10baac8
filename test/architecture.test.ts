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

  test('each layer imports only from layers below it (no cycles, nothing upward)', () => {
    const upward: string[] = [];
    for (const f of files) {
      const from = layerOf(f);
      for (const m of fs.readFileSync(f, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const to = layerOf(path.resolve(path.dirname(f), m[1]));
        if (to !== from && layers.indexOf(to) <= layers.indexOf(from)) {
          upward.push(`${path.relative(ROOT, f)} (${from}) imports ${m[1]} (${to})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });
});
