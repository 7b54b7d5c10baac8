import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';

const ROOT = path.join(__dirname, '..');
const TS_RUN = path.join(ROOT, 'scripts', 'ts-run.js');
const EXAMPLES = path.join(ROOT, 'examples');
const apps = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'main.ts'))).sort();

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-ts-run-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Runs a command as `cdk8s synth` runs an app (a shell, in its directory), with its own transpile cache. */
function run(command: string, cwd: string, env: Record<string, string> = {}) {
  return spawnSync(command, { cwd, shell: true, encoding: 'utf8', env: { ...process.env, SPIRE_TS_RUN_CACHE: path.join(tmp, 'cache'), ...env } });
}

describe.each(apps)("example %s: its cdk8s.yaml 'app' (what `cdk8s synth` and `npm run synth` run)", (name) => {
  test('writes the manifests the app synthesizes in memory', () => {
    const config = parseAllDocuments(fs.readFileSync(path.join(EXAMPLES, name, 'cdk8s.yaml'), 'utf8'))[0].toJSON() as { app: string };
    expect(config.app).toBe('node ../../scripts/ts-run.js main.ts');
    const out = path.join(tmp, `out-${name}`);
    const res = run(config.app, path.join(EXAMPLES, name), { CDK8S_OUTDIR: out });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const app = (require(path.join(EXAMPLES, name, 'main')) as { buildApp(app?: App): App }).buildApp(Testing.app());
    for (const chart of app.charts) {
      const written = parseAllDocuments(fs.readFileSync(path.join(out, `${chart.node.id}.k8s.yaml`), 'utf8')).map((d) => d.toJSON());
      expect(written).toEqual(JSON.parse(JSON.stringify(chart.toJson())));
    }
  });
});

describe('scripts/ts-run.js', () => {
  const dir = path.join(tmp, 'program');
  const file = path.join(dir, 'main.ts');
  fs.mkdirSync(dir, { recursive: true });
  const program = (value: number) =>
    `enum E { A = ${value} }\n` +
    "const loadedTypeScript = Object.keys(require.cache).some((k) => k.endsWith('/node_modules/typescript/lib/typescript.js'));\n" +
    'console.log(JSON.stringify({ value: E.A, main: require.main === module, args: process.argv.slice(2), loadedTypeScript }));\n';

  test('transpiles on the first run only; a changed file is transpiled again', () => {
    fs.writeFileSync(file, program(1));
    const first = run(`node ${TS_RUN} main.ts a b`, dir);
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual({ value: 1, main: true, args: ['a', 'b'], loadedTypeScript: true });
    // Cached: TypeScript is not even loaded.
    expect(JSON.parse(run(`node ${TS_RUN} main.ts`, dir).stdout)).toEqual({ value: 1, main: true, args: [], loadedTypeScript: false });
    fs.writeFileSync(file, program(2));
    expect(JSON.parse(run(`node ${TS_RUN} main.ts`, dir).stdout)).toMatchObject({ value: 2, loadedTypeScript: true });
    expect(JSON.parse(run(`node ${TS_RUN} main.ts`, dir).stdout)).toMatchObject({ value: 2, loadedTypeScript: false });
  });

  test('a cache that cannot be written only costs the transpile: the run succeeds', () => {
    fs.writeFileSync(file, program(3));
    const notADirectory = path.join(tmp, 'a-file');
    fs.writeFileSync(notADirectory, '');
    const res = run(`node ${TS_RUN} main.ts`, dir, { SPIRE_TS_RUN_CACHE: path.join(notADirectory, 'cache') });
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toMatchObject({ value: 3, loadedTypeScript: true });
  });

  test('a syntax error fails the run, naming the file and the error (and is not cached)', () => {
    const bad = path.join(dir, 'bad.ts');
    fs.writeFileSync(bad, 'const x: number = ;\n');
    for (let i = 0; i < 2; i++) {
      const res = run(`node ${TS_RUN} bad.ts`, dir);
      expect(res.status).not.toBe(0);
      expect(res.stderr).toMatch(/TypeScript cannot transpile bad\.ts:[\s\S]*error TS1109: Expression expected/);
    }
  });
});
