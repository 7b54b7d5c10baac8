/**
 * The JavaScript the package ships: lib/bundle/index.js (the cdk8s constructs), pulumi.js (the
 * Pulumi components) and cli.js (the `spire-constructs` bin), each one file bundled by esbuild
 * from the CommonJS that tsc writes into lib/ (run after the compile: `npx projen compile`, then
 * `node scripts/ts-run.js scripts/bundle.ts`; the post-compile and test:package tasks do both).
 *
 * Why: a process that loads the library resolved, read and compiled its 134 modules one by one
 * (about 29 ms); one file loads in about 17 ms. Why from tsc's output and not from src/: esbuild
 * keeps each CommonJS module in its own function, called at its first `require`, so modules load
 * in the same order with the same semantics as the files tsc writes (three abstract classes
 * import their variants after their own definition, which an ES-module bundle would hoist).
 *
 * The Pulumi and CLI bundles hold only their own folder's modules: they take everything else from
 * the package index (`import … from '..'` in src/pulumi and src/cli), which becomes
 * `require('./index.js')`, so a process that loads both entry points holds one copy of every class.
 * Any other import out of their folder fails the bundle. cdk8s, constructs, yaml and the Pulumi
 * packages stay `require`d from node_modules (peer and regular dependencies).
 *
 * Source maps: lib/bundle/*.js.map, mapping to the TypeScript sources (chained through tsc's
 * maps), with the sources inside.
 */
import * as fs from 'fs';
import * as path from 'path';
import { build, Plugin } from 'esbuild';

const ROOT = path.resolve(__dirname, '..');
const LIB = path.join(ROOT, 'lib');
const OUT = path.join(LIB, 'bundle');

interface Bundle {
  /** tsc's output for the entry point. */
  readonly entry: string;
  /** The bundle's file name in lib/bundle/. */
  readonly out: string;
  /** Modules out of the entry's folder come from the package index (lib/bundle/index.js). */
  readonly fromIndex: boolean;
}

const BUNDLES: readonly Bundle[] = [
  { entry: 'lib/index.js', out: 'index.js', fromIndex: false },
  { entry: 'lib/pulumi/index.js', out: 'pulumi.js', fromIndex: true },
  { entry: 'lib/cli/main.js', out: 'cli.js', fromIndex: true },
];

/** Relative imports of the entry's folder stay in the bundle; `..` (the package index) becomes ./index.js; anything else fails. */
function fromIndexOnly(entry: string): Plugin {
  const folder = path.dirname(path.join(ROOT, entry));
  return {
    name: 'from-index-only',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const target = path.resolve(args.resolveDir, args.path);
        if (target === LIB || target === path.join(LIB, 'index') || target === path.join(LIB, 'index.js')) {
          return { path: './index.js', external: true };
        }
        if (target.startsWith(folder + path.sep)) {
          return undefined;
        }
        return {
          errors: [
            {
              text:
                `${path.relative(ROOT, args.importer)} imports '${args.path}' (${path.relative(ROOT, target)}): ${entry} may import its own folder and the package index ('..') only; ` +
                'anything else would put a second copy of the library into its bundle.',
            },
          ],
        };
      });
    },
  };
}

async function main(): Promise<void> {
  for (const b of BUNDLES) {
    if (!fs.existsSync(path.join(ROOT, b.entry))) {
      throw new Error(`${b.entry} is missing: compile first (npx projen compile).`);
    }
  }
  fs.rmSync(OUT, { recursive: true, force: true });
  for (const b of BUNDLES) {
    const result = await build({
      absWorkingDir: ROOT,
      entryPoints: [b.entry],
      outfile: path.join(OUT, b.out),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Dependencies and peers load from node_modules, as with the per-file output.
      packages: 'external',
      sourcemap: 'linked',
      sourcesContent: true,
      legalComments: 'none',
      logLevel: 'warning',
      plugins: b.fromIndex ? [fromIndexOnly(b.entry)] : [],
    });
    if (result.errors.length > 0 || result.warnings.length > 0) {
      throw new Error(`bundling ${b.entry}: ${result.errors.length} errors, ${result.warnings.length} warnings (above)`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
