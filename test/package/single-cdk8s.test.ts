import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { SpireCrds, SpireStack } from '../../src';
import { productionStackProps } from '../util/stack-props';

// A second copy of cdk8s and constructs on disk, as a `file:` dependency or `npm link` on a
// checkout with its own node_modules produces: same version, other files, other classes.
let tmp: string;
let second: { cdk8s: typeof import('cdk8s'); constructs: typeof import('constructs') };

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'spire-constructs-second-cdk8s-'));
  for (const lib of ['cdk8s', 'constructs']) {
    fs.cpSync(path.dirname(require.resolve(`${lib}/package.json`)), path.join(tmp, 'node_modules', lib), { recursive: true });
  }
  second = {
    cdk8s: jest.requireActual<typeof import('cdk8s')>(path.join(tmp, 'node_modules', 'cdk8s')),
    constructs: jest.requireActual<typeof import('constructs')>(path.join(tmp, 'node_modules', 'constructs')),
  };
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function stack(scope: Construct): SpireStack {
  return new SpireStack(scope, 'spire', productionStackProps());
}

test('the second copy really is another cdk8s: instanceof answers true across copies, the prototype chain does not', () => {
  const chart = new second.cdk8s.Chart(new second.cdk8s.App(), 'spire');
  expect(chart instanceof Chart).toBe(true); // cdk8s's Symbol.for('cdk8s.Chart'), shared by every copy
  expect(Object.prototype.isPrototypeOf.call(Chart.prototype, chart)).toBe(false);
});

test('fails at construction when the App and Chart come from another copy of cdk8s, saying what happened and what to do', () => {
  const chart = new second.cdk8s.Chart(new second.cdk8s.App(), 'spire');
  const ours = path.dirname(require.resolve('cdk8s/package.json'));
  const version = (JSON.parse(fs.readFileSync(path.join(ours, 'package.json'), 'utf8')) as { version: string }).version;
  expect(() => stack(chart)).toThrow(
    `Two copies of cdk8s are loaded: 'spire/spire/Crds' (spire-constructs) is being added to the App, which was created with cdk8s ${version}` +
      ` at ${path.join(tmp, 'node_modules', 'cdk8s')}, while spire-constructs uses cdk8s ${version} at ${ours}. cdk8s cannot synthesize objects across copies` +
      ' (synth would fail with "can\'t render non-simple object of type \'Lazy\'"). cdk8s, cdk8s-plus-28 and constructs are peer dependencies of spire-constructs:' +
      " declare them in your project's package.json and run `npm dedupe` (`npm ls cdk8s constructs` must show one version of each)." +
      " A `file:` dependency or `npm link` on a spire-constructs checkout loads the checkout's own node_modules: install it with" +
      " `npm install --install-links <path>` or from an `npm pack` tarball instead, or remove cdk8s, cdk8s-plus-28 and constructs from the checkout's node_modules.",
  );
});

test('fails when only the Chart comes from another copy of cdk8s (App of ours)', () => {
  const chart = new second.cdk8s.Chart(new App(), 'spire');
  expect(() => new SpireCrds(chart, 'crds')).toThrow(/^Two copies of cdk8s are loaded: 'spire\/crds' \(spire-constructs\) is being added to the Chart 'spire', which was created with cdk8s /);
});

test('fails when a construct in between comes from another copy of constructs', () => {
  const group = new second.constructs.Construct(new Chart(new App(), 'spire'), 'group');
  expect(() => new SpireCrds(group, 'crds')).toThrow(/^Two copies of constructs are loaded: 'spire\/group\/crds' \(spire-constructs\) is being added to the construct 'spire\/group', which was created with constructs \d+\.\d+\.\d+ at .*npm dedupe/);
});

test('one copy, subclassed App and Chart: no error, and synth works', () => {
  class MyApp extends App {}
  class MyChart extends Chart {}
  const chart = new MyChart(new MyApp(), 'spire');
  stack(chart);
  expect(chart.toJson().length).toBeGreaterThan(10);
});
