import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { KubeObject, expectValidManifests } from './util/validate';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const apps = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'main.ts'))).sort();

/** Synthesizes an example app in memory: every chart's objects. */
export function synthExample(name: string): Record<string, KubeObject[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(EXAMPLES, name, 'main')) as { buildApp(app?: App): App };
  const app = mod.buildApp(Testing.app());
  // Run the app's validations (cross-identity checks) like `cdk8s synth` does.
  app.synthYaml();
  return Object.fromEntries(app.charts.map((c) => [c.node.id, c.toJson() as KubeObject[]]));
}

describe.each(apps)('example %s', (name) => {
  const charts = synthExample(name);

  test('synthesizes and every object validates against its schema', () => {
    const objects = Object.values(charts).flat();
    expect(objects.length).toBeGreaterThan(0);
    expectValidManifests(objects);
  });

  test('manifests snapshot (for review)', () => {
    expect(charts).toMatchSnapshot();
  });
});
