#!/usr/bin/env node
import * as fs from 'fs';
import * as path from 'path';
// From the package index, not the modules: the CLI bundle takes the library from lib/bundle/index.js (scripts/bundle.ts).
import {
  blockingFindings,
  buildIdentityReport,
  diffIdentityReports,
  formatFindings,
  IdentityReport,
  Level,
  normalizeIdentityReport,
  readManifestDirectory,
  renderChecklistMarkdown,
  renderDiffMarkdown,
  renderIdentityMarkdown,
  runChecklist,
  wideningChanges,
} from '..';

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
  spire-constructs diff [--fail-on-widening] <old-dir> <new-dir>
                                                         what changed in identity terms (widening changes first);
                                                         --fail-on-widening: exit 1 when anything widened`;

const FLAGS: Record<string, string[]> = { check: ['--strict', '--markdown'], report: [], diff: ['--fail-on-widening'] };

/** Reads the manifests of a directory, noting each skipped document on stderr. */
function manifestsOf(dir: string, out: CliOutput) {
  const { objects, skipped } = readManifestDirectory(dir);
  for (const note of skipped) out.error(`Note: ${path.join(dir, note)}`);
  return objects;
}

/** The identity report of a directory: built from its manifests, else read from its `identities.json`. */
function identityReportOf(dir: string, out: CliOutput): IdentityReport {
  const objects = manifestsOf(dir, out);
  const json = path.join(dir, 'identities.json');
  if (objects.length === 0 && fs.existsSync(json)) {
    out.error(`Note: ${dir} holds no manifests; reading ${json}.`);
    return normalizeIdentityReport(JSON.parse(fs.readFileSync(json, 'utf8')) as IdentityReport);
  }
  return buildIdentityReport(objects);
}

/**
 * Runs the CLI. Returns the exit code: 0 success, 1 blocking findings (check) or widening
 * (diff --fail-on-widening), 2 bad usage or input.
 */
export function runCli(argv: string[], out: CliOutput): number {
  const [command, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const args = rest.filter((a) => !a.startsWith('--'));
  const unknown = flags.filter((f) => FLAGS[command] !== undefined && !FLAGS[command].includes(f));
  if (unknown.length > 0) {
    out.error(`Unknown option ${unknown.map((f) => `"${f}"`).join(', ')} for "${command}".`);
    out.error(USAGE);
    return 2;
  }
  try {
    switch (command) {
      case 'check': {
        if (args.length !== 1) break;
        const objects = manifestsOf(args[0], out);
        out.error(`Checking ${objects.length} objects from ${args[0]} …`);
        const findings = runChecklist(objects);
        const strict = flags.includes('--strict');
        if (flags.includes('--markdown')) {
          out.log(renderChecklistMarkdown(findings));
        } else {
          formatFindings(findings, strict).forEach((l) => out.log(l));
        }
        const blocking = blockingFindings(findings, strict);
        const errors = findings.filter((f) => f.level === Level.ERROR).length;
        const acked = findings.filter((f) => f.acknowledged !== undefined).length;
        out.error(`${findings.length} finding(s): ${errors} ERROR, ${findings.length - errors} WARN/INFO; ${blocking.length} blocking, ${acked} acknowledged.`);
        return blocking.length > 0 ? 1 : 0;
      }
      case 'report': {
        if (args.length !== 1) break;
        out.log(renderIdentityMarkdown(buildIdentityReport(manifestsOf(args[0], out))));
        return 0;
      }
      case 'diff': {
        if (args.length !== 2) break;
        const changes = diffIdentityReports(identityReportOf(args[0], out), identityReportOf(args[1], out));
        out.log(renderDiffMarkdown(changes));
        const widening = wideningChanges(changes);
        if (flags.includes('--fail-on-widening') && widening.length > 0) {
          out.error(`${widening.length} widening change(s):`);
          widening.forEach((c) => out.error(`WIDENING ${c.kind}: ${c.text}`));
          return 1;
        }
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
