#!/usr/bin/env node
// @ts-check
/**
 * Runs a TypeScript file of this repository (an example app, a script) with its TypeScript
 * transpiled once and cached, instead of on every run:
 *
 *   node scripts/ts-run.js <file.ts> [args...]     (the examples' `cdk8s.yaml` app, `npm run synth`)
 *   node -r ./scripts/ts-run.js <file.js>          (register the hook only)
 *
 * Each `.ts` file outside node_modules is transpiled by TypeScript's own `transpileModule` with
 * the compiler options of test/tsconfig.json: the emit `ts-node --transpile-only` produced, so
 * the program behaves the same (no type-check, as before: `npm test` type-checks). The result is
 * cached in .cache/ts-run/, one file per source file, keyed by the source text, the compiler
 * options and the TypeScript version; a run whose files are all cached does not load TypeScript.
 * The code carries inline source maps: `node --enable-source-maps` (or NODE_OPTIONS) maps stack
 * traces to the .ts lines (off by default: reading every map costs about 10% of a synth).
 *
 * Plain JavaScript on purpose: it is what loads the TypeScript.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const PROJECT = path.join(ROOT, 'test', 'tsconfig.json');
const CACHE = process.env.SPIRE_TS_RUN_CACHE ? path.resolve(process.env.SPIRE_TS_RUN_CACHE) : path.join(ROOT, '.cache', 'ts-run');
/** Bump when the way code is produced changes (invalidates every cached file). */
const FORMAT = '1';

/** @param {string | Buffer} text */
const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

/** @type {typeof import('typescript') | undefined} */
let tsModule;
const ts = () => (tsModule ??= require('typescript'));

/**
 * The compiler options and a key naming them, read from the cache when the tsconfig files it
 * was parsed from (test/tsconfig.json and what it extends) and TypeScript's version are unchanged.
 * @type {{ key: string, options: import('typescript').CompilerOptions } | undefined}
 */
let config;
function compilerConfig() {
  if (config) return config;
  const tsVersion = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json'), 'utf8')).version;
  const file = path.join(CACHE, 'config.json');
  try {
    const cached = JSON.parse(fs.readFileSync(file, 'utf8'));
    const fresh = cached.format === FORMAT && cached.tsVersion === tsVersion &&
      Object.entries(cached.files).every(([f, hash]) => fs.existsSync(f) && sha256(fs.readFileSync(f)) === hash);
    if (fresh) return (config = { key: cached.key, options: cached.options });
  } catch {
    // No cache yet (or unreadable): parse below.
  }
  /** @type {Record<string, string>} */
  const files = {};
  const host = {
    ...ts().sys,
    /** @param {string} f */
    readFile: (f) => {
      const text = ts().sys.readFile(f);
      if (text !== undefined) files[path.resolve(f)] = sha256(fs.readFileSync(f));
      return text;
    },
    /** @param {import('typescript').Diagnostic} d */
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts().flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  };
  const parsed = ts().getParsedCommandLineOfConfigFile(PROJECT, {}, host);
  if (!parsed) throw new Error(`Cannot read ${PROJECT}`);
  // What transpiling one file at a time needs (as ts-node --transpile-only): JavaScript only,
  // with a source map inline (no sources: the .ts files are next to the stack trace's path).
  /** @type {import('typescript').CompilerOptions} */
  const options = { ...parsed.options, noEmit: false, declaration: false, declarationMap: false, composite: false, incremental: false, emitDeclarationOnly: false, sourceMap: false, inlineSourceMap: true, inlineSources: false };
  for (const k of ['outDir', 'outFile', 'rootDir', 'declarationDir', 'tsBuildInfoFile', 'configFilePath']) delete options[/** @type {keyof typeof options} */ (k)];
  const key = sha256(JSON.stringify([FORMAT, tsVersion, options]));
  writeAtomically(file, JSON.stringify({ format: FORMAT, tsVersion, files, key, options }, null, 2));
  return (config = { key, options });
}

/**
 * Writes a cache file whole (concurrent runs each rename their own copy into place). Best effort:
 * a cache that cannot be written (a read-only checkout) only makes the next run transpile again.
 * @param {string} file
 * @param {string} text
 */
function writeAtomically(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // Nothing was written.
    }
  }
}

/**
 * The JavaScript of one TypeScript file (cached).
 * @param {string} source
 * @param {string} filename
 */
function javascriptOf(source, filename) {
  const { key, options } = compilerConfig();
  const header = `// ${sha256(`${key}\n${filename}\n${source}`)}\n`;
  const cached = path.join(CACHE, `${sha256(filename).slice(0, 32)}.js`);
  try {
    const text = fs.readFileSync(cached, 'utf8');
    if (text.startsWith(header)) return text.slice(header.length);
  } catch {
    // Not cached yet.
  }
  const out = ts().transpileModule(source, { fileName: filename, compilerOptions: options, reportDiagnostics: true });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts().DiagnosticCategory.Error);
  if (errors.length > 0) {
    const formatHost = { getCanonicalFileName: (/** @type {string} */ f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' };
    throw new Error(`TypeScript cannot transpile ${path.relative(process.cwd(), filename)}:\n${ts().formatDiagnostics(errors, formatHost)}`);
  }
  writeAtomically(cached, header + out.outputText);
  return out.outputText;
}

// require.extensions is deprecated, but it is how CommonJS loads another extension (as ts-node does).
require.extensions['.ts'] = (/** @type {any} */ module, /** @type {string} */ filename) => {
  if (filename.split(path.sep).includes('node_modules') || filename.endsWith('.d.ts')) {
    throw new Error(`scripts/ts-run.js does not transpile ${filename} (outside the repository's own TypeScript)`);
  }
  module._compile(javascriptOf(fs.readFileSync(filename, 'utf8'), filename), filename);
};

// `node scripts/ts-run.js <file> [args...]`: run <file> as the main module (`require.main === module`).
if (require.main === module) {
  const [, , main, ...args] = process.argv;
  if (!main) {
    console.error('usage: node scripts/ts-run.js <file.ts> [args...]');
    process.exit(2);
  }
  process.argv = [process.argv[0], path.resolve(main), ...args];
  // What `node <file>` calls: <file> becomes require.main.
  Module.runMain();
}
