import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { renderChecklistMarkdown } from './checklist-report';
import { buildIdentityReport, renderIdentityMarkdown } from './identity-report';
import { Checklist } from '../checklist/checklist';
import { Finding } from '../checklist/engine';
import { KubeObject } from '../checklist/rule';
import { MeshPolicy } from '../mesh/mesh-policy';
import { compareStrings } from '../order';
import { ValidationError } from '../validation';

/** The reports of an app (what {@link synthWithReports} writes). */
export interface AppReports {
  /** `identities.md`. */
  readonly identitiesMarkdown: string;
  /** `identities.json`. */
  readonly identitiesJson: string;
  /** `checklist.md`. */
  readonly checklistMarkdown: string;
  /** `checklist.json`. */
  readonly checklistJson: string;
  /** Files the meshes' control planes must be installed with (file name → content), e.g. `istiod-values.yaml`. */
  readonly artifacts: Record<string, string>;
}

/**
 * Builds the reports of an app: identities and checklist findings over all its charts (from the
 * last synth when there was one, else by rendering the charts).
 */
export function appReports(app: App): AppReports {
  const runs = app.charts.map((c) => Checklist.lastRun(c) ?? { objects: c.toJson() as KubeObject[], findings: Checklist.evaluate(c) });
  const objects = runs.flatMap((r) => r.objects);
  const findings: Finding[] = runs.flatMap((r) => r.findings);
  const identities = buildIdentityReport(objects);
  return {
    identitiesMarkdown: renderIdentityMarkdown(identities),
    identitiesJson: JSON.stringify(identities, undefined, 2) + '\n',
    checklistMarkdown: renderChecklistMarkdown(findings),
    checklistJson: JSON.stringify(findings, undefined, 2) + '\n',
    artifacts: meshArtifacts(app),
  };
}

/** The mesh artifacts of every MeshPolicy of the app; two policies must agree on a file they share. */
function meshArtifacts(app: App): Record<string, string> {
  const files: Record<string, string> = {};
  for (const policy of MeshPolicy._ofApp(app)) {
    for (const [name, content] of Object.entries(policy.artifacts)) {
      if (files[name] !== undefined && files[name] !== content) {
        throw new ValidationError(`Two MeshPolicies need different '${name}' (one per mesh installation): '${policy.node.path}' and an earlier one; give them one trust domain and the same mesh options.`);
      }
      files[name] = content;
    }
  }
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => compareStrings(a, b)));
}

/**
 * `app.synth()` (the checklist fails it on unacknowledged ERROR findings), then writes
 * `identities.md`, `identities.json`, `checklist.md` and `checklist.json` beside the manifests,
 * and the meshes' installation artifacts (for Istio `istiod-values.yaml`, `istio-operator.yaml`).
 */
export function synthWithReports(app: App): AppReports {
  app.synth();
  const reports = appReports(app);
  fs.writeFileSync(path.join(app.outdir, 'identities.md'), reports.identitiesMarkdown);
  fs.writeFileSync(path.join(app.outdir, 'identities.json'), reports.identitiesJson);
  fs.writeFileSync(path.join(app.outdir, 'checklist.md'), reports.checklistMarkdown);
  fs.writeFileSync(path.join(app.outdir, 'checklist.json'), reports.checklistJson);
  for (const [name, content] of Object.entries(reports.artifacts)) {
    fs.writeFileSync(path.join(app.outdir, name), content);
  }
  return reports;
}
