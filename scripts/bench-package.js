// @ts-check
/**
 * Preload for the benchmarks (scripts/bench.ts): a program of this repository that imports the
 * library's src/index.ts or src/pulumi/index.ts (an example, scripts/bench-pulumi.ts) loads the
 * JavaScript the package ships instead, lib/bundle/index.js and pulumi.js (scripts/bundle.ts),
 * as a user's program loads the installed package:
 *
 *   node -r ./scripts/bench-package.js scripts/ts-run.js <file.ts>
 *
 * Any other file of src/ the program would load fails: it would be a second copy of the library.
 * lib/bundle/ must be current (`npx projen compile`); the bench task compiles first.
 */
'use strict';
const Module = require('module');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const SRC = path.join(ROOT, 'src') + path.sep;
/** @type {Record<string, string>} */
const BUNDLES = {
  [path.join(ROOT, 'src', 'index.ts')]: path.join(ROOT, 'lib', 'bundle', 'index.js'),
  [path.join(ROOT, 'src', 'pulumi', 'index.ts')]: path.join(ROOT, 'lib', 'bundle', 'pulumi.js'),
};

// @ts-expect-error: Module._resolveFilename is Node's internal resolver (not in @types/node).
const resolve = /** @type {(request: string, parent: unknown, ...rest: unknown[]) => string} */ (Module._resolveFilename);
// @ts-expect-error: as above.
Module._resolveFilename = function (/** @type {string} */ request, /** @type {unknown} */ parent, /** @type {unknown[]} */ ...rest) {
  const file = resolve.call(this, request, parent, ...rest);
  const bundle = BUNDLES[file];
  if (bundle) return bundle;
  if (file.startsWith(SRC)) {
    throw new Error(`scripts/bench-package.js: '${request}' resolves to ${path.relative(ROOT, file)}, a module of the library besides its entry points; import the index (the package ships one bundle per entry point).`);
  }
  return file;
};
