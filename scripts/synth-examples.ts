/**
 * Synthesizes every example app (examples/<name>/main.ts) into dist/<name>/.
 *
 * Each app runs as `cdk8s synth` runs it: the `app` command of its cdk8s.yaml, in its directory,
 * with CDK8S_OUTDIR set (`node ../../scripts/ts-run.js main.ts`: TypeScript transpiled once and
 * cached, see scripts/ts-run.js). Each app is synthesized into a temporary directory first and
 * moved into place only when it succeeds, so a failing app never leaves partial output behind.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const DIST = path.join(ROOT, 'dist');

const only = process.argv.slice(2);
const apps = fs
  .readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(EXAMPLES, e.name, 'main.ts')))
  .map((e) => e.name)
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

if (apps.length === 0) {
  console.error(`No example app found under ${path.relative(ROOT, EXAMPLES)}/ (looked for <name>/main.ts).`);
  process.exit(1);
}

/** The `app` command of an example's cdk8s.yaml (what `cdk8s synth` runs there). */
function appCommand(app: string): string {
  const file = path.join(EXAMPLES, app, 'cdk8s.yaml');
  const command = fs.existsSync(file) ? (parse(fs.readFileSync(file, 'utf8')) as { app?: unknown } | null)?.app : undefined;
  if (typeof command !== 'string') {
    console.error(`${path.relative(ROOT, file)}: no 'app' command (cdk8s synth runs it).`);
    process.exit(1);
  }
  return command;
}

fs.mkdirSync(DIST, { recursive: true });
let failed = 0;
for (const app of apps) {
  const tmp = path.join(DIST, `.tmp-${app}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const res = spawnSync(appCommand(app), { cwd: path.join(EXAMPLES, app), env: { ...process.env, CDK8S_OUTDIR: tmp }, stdio: 'inherit', shell: true });
  if (res.status !== 0) {
    failed++;
    fs.rmSync(tmp, { recursive: true, force: true });
    console.error(`✗ ${app}: synth failed (nothing written)`);
    continue;
  }
  const out = path.join(DIST, app);
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  const files = fs.readdirSync(out).sort();
  console.log(`✓ ${app} → ${path.relative(ROOT, out)}/ (${files.join(', ')})`);
}
process.exit(failed === 0 ? 0 : 1);
