#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
import { blockingFindings, formatFinding, runChecklist } from '../checklist/engine';
import { Level } from '../checklist/rule';
import { renderChecklistMarkdown } from '../report/checklist-report';
import { diffIdentityReports, renderDiffMarkdown } from '../report/diff';
import { buildIdentityReport, IdentityReport, renderIdentityMarkdown } from '../report/identity-report';
import { readManifests } from '../report/manifests';

/** Where the CLI writes. */
export interface CliOutput {
  /** Normal output. */
  log(line: string): void;
  /** Errors and progress. */
  error(line: string): void;
}

const USAGE = `usage:
  spire-constructs check <dir> [--strict] [--markdown]   run the production checklist on a directory of manifests
  spire-constructs report <dir>                          print the identity report (Markdown) of a directory of manifests
  spire-constructs diff <old-dir> <new-dir>              what changed in identity terms (widening changes first)`;

function identityReportOf(dir: string): IdentityReport {
  const json = path.join(dir, 'identities.json');
  if (fs.existsSync(json)) {
    return JSON.parse(fs.readFileSync(json, 'utf8')) as IdentityReport;
  }
  return buildIdentityReport(readManifests(dir));
}

/**
 * Runs the CLI. Returns the exit code: 0 success, 1 blocking findings, 2 bad usage or input.
 */
export function runCli(argv: string[], out: CliOutput): number {
  const [command, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  try {
    switch (command) {
      case 'check': {
        if (args.length !== 1) break;
        const objects = readManifests(args[0]);
        out.error(`Checking ${objects.length} objects from ${args[0]} …`);
        const findings = runChecklist(objects);
        if (flags.includes('--markdown')) {
          out.log(renderChecklistMarkdown(findings));
        } else {
          findings.forEach((f) => out.log(formatFinding(f)));
        }
        const blocking = blockingFindings(findings, flags.includes('--strict'));
        const errors = findings.filter((f) => f.level === Level.ERROR).length;
        out.error(`${findings.length} finding(s): ${errors} ERROR, ${findings.length - errors} WARN/INFO.`);
        return blocking.length > 0 ? 1 : 0;
      }
      case 'report': {
        if (args.length !== 1) break;
        out.log(renderIdentityMarkdown(buildIdentityReport(readManifests(args[0]))));
        return 0;
      }
      case 'diff': {
        if (args.length !== 2) break;
        out.log(renderDiffMarkdown(diffIdentityReports(identityReportOf(args[0]), identityReportOf(args[1]))));
        return 0;
      }
      case undefined:
      case '--help':
      case 'help':
        out.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        out.error(`Unknown command "${command}".`);
        out.error(USAGE);
        return 2;
    }
    out.error(`Wrong arguments for "${command}".`);
    out.error(USAGE);
    return 2;
  } catch (e) {
    out.error(`Error: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = runCli(process.argv.slice(2), { log: (l) => console.log(l), error: (l) => console.error(l) });
}
