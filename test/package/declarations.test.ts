import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

// A consumer compiles the package's declarations with skipLibCheck off: an internal symbol that
// a public declaration still names (stripped by stripInternal) fails here.
test('the shipped .d.ts type-check in a consumer without skipLibCheck (classic node resolution), both entry points', () => {
  const out = path.join(ROOT, '.cache', 'dts-check');
  fs.rmSync(out, { recursive: true, force: true });
  execFileSync(TSC, ['-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', path.join(out, 'lib')], { cwd: ROOT, stdio: 'pipe' });
  fs.writeFileSync(path.join(out, 'consumer.ts'), [
    "import { SpireStack, TrustDomain } from './lib/index';",
    "import { SpireStack as PulumiSpireStack } from './lib/pulumi/index';",
    'export const used = [SpireStack, TrustDomain, PulumiSpireStack];',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(out, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'commonjs', moduleResolution: 'node', target: 'es2022', types: ['node'] },
    files: ['consumer.ts'],
  }));
  let output = '';
  try {
    execFileSync(TSC, ['-p', path.join(out, 'tsconfig.json')], { cwd: out, stdio: 'pipe' });
  } catch (e) {
    output = String((e as { stdout?: Buffer }).stdout ?? e);
  }
  expect(output).toBe('');
  fs.rmSync(out, { recursive: true, force: true });
}, 180_000);
