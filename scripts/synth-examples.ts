/**
 * Synthesizes every example app (examples/<name>/main.ts) into dist/<name>/.
 *
 * Each app is synthesized into a temporary directory first and moved into place only when it
 * succeeds, so a failing app never leaves partial output behind.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

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

fs.mkdirSync(DIST, { recursive: true });
let failed = 0;
for (const app of apps) {
  const tmp = path.join(DIST, `.tmp-${app}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  const res = spawnSync(
    process.execPath,
    [require.resolve('ts-node/dist/bin'), '--transpile-only', '--project', path.join(ROOT, 'test', 'tsconfig.json'), path.join(EXAMPLES, app, 'main.ts')],
    { cwd: path.join(EXAMPLES, app), env: { ...process.env, CDK8S_OUTDIR: tmp }, stdio: 'inherit' },
  );
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
