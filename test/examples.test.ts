import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { appReports, Checklist, Finding, Level } from '../src';
import { KubeObject, expectValidManifests } from './util/validate';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const apps = fs.readdirSync(EXAMPLES).filter((d) => fs.existsSync(path.join(EXAMPLES, d, 'main.ts'))).sort();

/** Synthesizes an example app in memory (validations and checklist included). */
function synthExample(name: string): { app: App; charts: Record<string, KubeObject[]>; findings: Finding[] } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(path.join(EXAMPLES, name, 'main')) as { buildApp(app?: App): App };
  const app = mod.buildApp(Testing.app());
  // Run the app's validations (cross-identity checks, checklist) like `cdk8s synth` does.
  app.synthYaml();
  return {
    app,
    charts: Object.fromEntries(app.charts.map((c) => [c.node.id, c.toJson() as KubeObject[]])),
    findings: app.charts.flatMap((c) => Checklist.evaluate(c)),
  };
}

describe.each(apps)('example %s', (name) => {
  const { app, charts, findings } = synthExample(name);

  test('synthesizes and every object validates against its schema', () => {
    const objects = Object.values(charts).flat();
    expect(objects.length).toBeGreaterThan(0);
    expectValidManifests(objects);
  });

  test('the checklist runs on it', () => {
    expect(app.charts.every((c) => Checklist.isEnabled(c))).toBe(true);
  });

  test('manifests snapshot (for review)', () => {
    expect(charts).toMatchSnapshot();
  });

  test('checklist and identity reports snapshot (for review)', () => {
    const r = appReports(app);
    expect(r.checklistMarkdown).toMatchSnapshot('checklist.md');
    expect(r.identitiesMarkdown).toMatchSnapshot('identities.md');
  });

  if (name === 'quickstart') {
    test('every finding is listed and acknowledged with a reason', () => {
      expect(findings.map((f) => f.ruleId).sort()).toEqual(['SPIRE-ATT2', 'SPIRE-CA1', 'SPIRE-DS1', 'SPIRE-SRV1']);
      expect(findings.every((f) => (f.acknowledged ?? '').length >= 10)).toBe(true);
    });
  } else {
    test('production-grade: zero ERROR and zero unacknowledged WARN findings', () => {
      expect(findings.filter((f) => f.level === Level.ERROR)).toEqual([]);
      expect(findings.filter((f) => f.level === Level.WARN && f.acknowledged === undefined)).toEqual([]);
    });
  }
});
