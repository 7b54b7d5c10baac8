import { JsonFile, javascript, typescript } from 'projen';

/**
 * The only build configuration of spire-constructs.
 *
 * Run `npx projen` after editing this file; it rewrites package.json, tsconfig*.json,
 * the eslint and jest configuration and the task definitions in .projen/.
 */
const project = new typescript.TypeScriptProject({
  name: 'spire-constructs',
  description:
    'Typed constructs that deploy SPIFFE/SPIRE workload identity on Kubernetes, production-grade (cdk8s and Pulumi).',
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  license: 'Apache-2.0',
  copyrightOwner: 'spire-constructs authors',
  minNodeVersion: '20.0.0',
  // The JavaScript the package ships is one bundle per entry point (scripts/bundle.ts, run by the
  // compile task after tsc); the declarations stay one file per module.
  entrypoint: 'lib/bundle/index.js',
  entrypointTypes: 'lib/index.d.ts',
  // TypeScript 7 has no JavaScript API (ts-node, ts-jest and typedoc need one).
  typescriptVersion: '~5.9.3',

  // No hosted CI, no release automation: CI is `.ci/run`.
  github: false,
  release: false,
  buildWorkflow: false,
  depsUpgrade: false,
  pullRequestTemplate: false,
  sampleCode: false,
  package: false,

  peerDeps: ['cdk8s@^2.70.0', 'cdk8s-plus-28@^2.5.0', 'constructs@^10.4.0', '@pulumi/pulumi@^3.100.0', '@pulumi/kubernetes@^4.5.0'],
  peerDependencyOptions: { pinnedDevDependency: false },
  devDeps: [
    // The peers, at the versions the tests run against.
    'cdk8s@^2.70.106',
    'cdk8s-plus-28@^2.5.6',
    'constructs@^10.8.1',
    // Pulumi front end (optional peers for users, see peerDependenciesMeta below).
    // @pulumi/pulumi 3.249+ needs Node 22; the machines run Node 20.
    '@pulumi/pulumi@~3.248.0',
    '@pulumi/kubernetes@^4.34.0',
    // Tooling.
    'cdk8s-cli@^2.207.0',
    'typedoc@^0.28.0',
    'typedoc-plugin-markdown@^4.14.0',
    'ajv@^8.17.0',
    // 5.x is ESM-only; 4.5.1 loads in CommonJS jest.
    'kubernetes-models@4.5.1',
    // Bundles the JavaScript the package ships (scripts/bundle.ts).
    'esbuild@^0.28.2',
  ],
  // YAML (the Istio artifacts, reading manifests in the CLI) when the copy cdk8s bundles cannot
  // be resolved; normally that copy is used, so one YAML implementation loads (src/k8s/yaml.ts).
  deps: ['yaml@^2.9.0'],

  tsconfig: {
    compilerOptions: {
      lib: ['es2022'],
      target: 'ES2022',
      noUnusedLocals: true,
      noUnusedParameters: true,
      noImplicitReturns: true,
      strict: true,
      // Source maps beside the JavaScript (lib/**/*.js.map, sources inside), not inline: a user's
      // process reads and parses every lib file it loads, and inline maps with sources made them
      // three times larger (about 5 ms more to load the library; `node --enable-source-maps`
      // reads the .map files the same way).
      inlineSourceMap: false,
      sourceMap: true,
      inlineSources: true,
    },
  },

  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    passWithNoTests: false,
    jestConfig: {
      collectCoverage: false,
      testTimeout: 60_000,
    },
  },

  gitignore: ['/dist/', '/.cache/', '/test-reports/', '/coverage/', '*.tsbuildinfo'],
});

project.package.addBin({ 'spire-constructs': 'lib/bundle/cli.js' });

// Two entry points: the cdk8s constructs and the Pulumi components.
project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/bundle/index.js' },
  './pulumi': { types: './lib/pulumi/index.d.ts', default: './lib/bundle/pulumi.js' },
  './package.json': './package.json',
});

// `spire-constructs/pulumi` for TypeScript's classic `moduleResolution: node` (which ignores
// `exports`); node16/nodenext/bundler resolve it through `exports`.
project.package.addField('typesVersions', { '*': { pulumi: ['lib/pulumi/index.d.ts'] } });

// Optional peers for the Pulumi entry point.
project.package.addField('peerDependenciesMeta', {
  '@pulumi/pulumi': { optional: true },
  '@pulumi/kubernetes': { optional: true },
});
// esbuild's postinstall only checks the binary its platform package (an optional dependency) installs.
project.package.addField('allowScripts', { '@pulumi/kubernetes': false, 'esbuild': false });
// A fresh lockfile can fail `npm ci` with "Missing: @unrs/resolver-binding-..." otherwise.
project.package.addField('overrides', { 'unrs-resolver': '1.12.2' });

// Examples and scripts are type-checked and linted like the library.
project.tsconfigDev.addInclude('../examples/**/*.ts');
project.tsconfigDev.addInclude('../scripts/**/*.ts');
project.tsconfigDev.addInclude('../src/**/*.ts');
// eslint's project service uses the nearest tsconfig.json: give examples/ and scripts/ their own.
for (const dir of ['examples', 'scripts']) {
  new JsonFile(project, `${dir}/tsconfig.json`, {
    obj: {
      extends: '../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '..' },
      include: ['**/*.ts'],
    },
  });
}
project.eslint?.addLintPattern('examples');
project.eslint?.allowDevDeps('scripts/**');
// Error messages and test expectations are long strings; keep them greppable on one line.
project.eslint?.addRules({
  '@stylistic/max-len': ['error', { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreComments: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
});
project.eslint?.allowDevDeps('examples/**');
project.eslint?.addLintPattern('scripts');

// Scripts run through scripts/ts-run.js (TypeScript transpiled once and cached, as the examples
// run): ts-node only runs .projenrc.ts (projen's default task).
// API.md from the code (typedoc + typedoc-plugin-markdown), regenerated after every compile.
const docgen = project.addTask('docgen', {
  description: 'Generate API.md from the TypeScript sources',
  exec: 'node scripts/ts-run.js scripts/docgen.ts',
});
project.postCompileTask.spawn(docgen);

// Generated code (src/imports/): L1 classes and CRD manifests from the pinned CRD files in
// ../shared/crds, and the built-in kinds' apiVersion and JSON field names from cdk8s-plus-28 (what
// src/k8s/kube.ts renders them with, without loading cdk8s-plus-28).
const importTask = project.addTask('import', {
  description: 'Regenerate src/imports/ from ../shared/crds/spire/ and cdk8s-plus-28',
  exec: 'node scripts/ts-run.js scripts/import-crds.ts',
});
importTask.exec('node scripts/ts-run.js scripts/import-k8s.ts');
project.eslint?.addIgnorePattern('src/imports/');
project.gitattributes.addAttributes('/src/imports/**', 'linguist-generated');

// Synthesize every example app under examples/ into dist/<example>/: each app's cdk8s.yaml
// `app`, `node ../../scripts/ts-run.js main.ts` (TypeScript transpiled once, cached in .cache/ts-run/).
project.addTask('synth', {
  description: 'Synthesize every example app into dist/<example>/',
  exec: 'node scripts/ts-run.js scripts/synth-examples.ts',
});

// Generated files must be current: CI fails when API.md is stale.
const checkGenerated = project.addTask('check:generated', {
  description: 'Fail when a generated file (API.md) differs from what the code generates',
  exec: 'node scripts/ts-run.js scripts/docgen.ts --check',
});
project.testTask.spawn(checkGenerated);

// RULES.md from the checklist rules' metadata; CI fails when it is stale.
const rulesgen = project.addTask('rulesgen', {
  description: 'Generate RULES.md from the checklist rule metadata',
  exec: 'node scripts/ts-run.js scripts/rulesgen.ts',
});
project.postCompileTask.spawn(rulesgen);
project.testTask.exec('node scripts/ts-run.js scripts/rulesgen.ts --check');

// Speed and memory as identities grow (writes BENCHMARKS.md); not part of the tests.
// Compiles first: the whole-process and Pulumi figures load the library as the package ships it (lib/bundle/).
project.addTask('bench', {
  description: 'Benchmark synth cost as identities grow, against the cdk8s floor (writes BENCHMARKS.md)',
  steps: [{ spawn: 'compile' }, { exec: 'node scripts/ts-run.js scripts/bench.ts', receiveArgs: true }],
});

// Real spire-agent validates every example's agent.conf (groundwork for the e2e issue; not in CI:
// it builds SPIRE from the Go module proxy).
project.addTask('validate:agent-configs', {
  description: "Run real 'spire-agent validate' on every example's agent.conf",
  exec: 'node scripts/ts-run.js scripts/validate-agent-configs.ts',
});

// End-to-end on real components (Kubernetes API server, SPIRE, controller manager, PostgreSQL,
// OpenBao): builds them once into ~/.cache/spire-constructs-e2e, then runs e2e/*.e2e.ts in a
// network namespace with loopback only. Needs root and Go; `.ci/run` calls it after `npm test`.
project.addTask('test:e2e', {
  description: 'End-to-end suite on real components (writes E2E.md)',
  exec: 'bash e2e/run.sh',
  receiveArgs: true,
});
project.tsconfigDev.addInclude('../e2e/**/*.ts');
project.npmignore?.exclude('/e2e/', '/E2E.md');
// The JavaScript ships as the bundles of lib/bundle/ with their source maps; tsc's one file per
// module stays out of the package (the bundles hold it), its declarations ship.
project.npmignore?.exclude('/lib/**/*.js', '/lib/**/*.js.map');
project.npmignore?.include('/lib/bundle/*.js', '/lib/bundle/*.js.map');
project.compileTask.exec('node scripts/ts-run.js scripts/bundle.ts');
project.eslint?.addLintPattern('e2e');
project.eslint?.allowDevDeps('e2e/**');
new JsonFile(project, 'e2e/tsconfig.json', {
  obj: { extends: '../tsconfig.json', compilerOptions: { noEmit: true, rootDir: '..' }, include: ['**/*.ts'] },
});

// The package as a consumer gets it: `npm pack`, installed with its peers into a scratch project
// outside the clone, compiled under moduleResolution node/node16/bundler without skipLibCheck, run,
// and the installed bin; a `file:` install with a second cdk8s fails with the two-copies message.
// Not part of `npm test` (it installs from the registry); `.ci/run` calls it after `npm test`.
project.addTask('test:package', {
  description: 'Pack the package, install it into a scratch consumer project and compile, synthesize and check there',
  steps: [{ spawn: 'compile' }, { exec: 'bash test/package/consumer.sh' }],
});
// The consumer program imports 'spire-constructs' as a consumer does; it is compiled in the scratch project only.
project.tsconfigDev.addExclude('package/consumer/**');
project.eslint?.addIgnorePattern('test/package/consumer/');
// Only lib/, README, API docs and license ship: the examples import ../../src, which does not.
project.npmignore?.exclude('/.ci/', '/scripts/', '/examples/');

// Type-check everything jest does not load (examples, scripts), strictly.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check src, test, examples and scripts',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
// scripts/ts-run.js (JavaScript: it loads the TypeScript) is checked through its JSDoc types.
typecheck.exec('tsc --noEmit --allowJs --checkJs --strict --target ES2022 --module CommonJS --types node scripts/ts-run.js scripts/bench-package.js');
project.testTask.prependSpawn(typecheck);

project.synth();
