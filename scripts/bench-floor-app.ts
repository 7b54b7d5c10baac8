/**
 * The floor of the whole-process benchmark (scripts/bench.ts): a cdk8s app that synthesizes the
 * objects of an example as plain ApiObjects, with the example's other output files written as
 * they are, so its output is byte-for-byte the example's. Run as the example runs (its
 * cdk8s.yaml `app` command, CDK8S_OUTDIR set):
 *
 *   node ../../scripts/ts-run.js ../../scripts/bench-floor-app.ts <fixture.json>
 *
 * The fixture ({ charts: [{ id, objects }], files: { name: text } }) is written by scripts/bench.ts
 * from the example's own output. It imports cdk8s and nothing of this library.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, ApiObjectProps, App, Chart } from 'cdk8s';

interface Fixture {
  readonly charts: ReadonlyArray<{ readonly id: string; readonly objects: ApiObjectProps[] }>;
  readonly files: Readonly<Record<string, string>>;
}

const fixture = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as Fixture;
const app = new App();
for (const c of fixture.charts) {
  const chart = new Chart(app, c.id);
  c.objects.forEach((o, i) => new ApiObject(chart, `o${i}`, o));
}
app.synth();
for (const [name, text] of Object.entries(fixture.files)) {
  fs.writeFileSync(path.join(app.outdir, name), text);
}
