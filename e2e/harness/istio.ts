/**
 * Istio's own code on the generated policy: `istioctl analyze` (files only), and
 * e2e/istio-authz, which runs istiod's sidecar-listener plugins (authz: the RBAC HTTP filters of
 * pilot/pkg/security/authz/builder; authn: the downstream TLS context from the PeerAuthentication
 * mode) in Istio's in-memory environment for one workload.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify as toYaml } from 'yaml';
import { BIN } from './components';
import { KubeObject } from './kube';
import { run } from './proc';

/** One message of `istioctl analyze -o json`. */
export interface AnalyzeMessage {
  readonly code: string;
  readonly level: 'Error' | 'Warning' | 'Info';
  readonly message: string;
  readonly origin?: string;
  readonly reference?: string;
}

export interface AnalyzeResult {
  readonly messages: AnalyzeMessage[];
  /** Analyzers istioctl ran, and those it skipped (their inputs are cluster-only kinds: Pods, Namespaces, ...). */
  readonly executed: string[];
  readonly skipped: string[];
  readonly output: string;
}

/** Writes objects as one multi-document YAML file. */
export function writeYaml(file: string, objs: KubeObject[]): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, objs.map((o) => toYaml(o)).join('---\n'));
  return file;
}

/**
 * `istioctl analyze --all-namespaces -o json --verbose`: of `files` only (`--use-kube=false`), or,
 * with `kubeconfig`, of what that API server holds.
 */
export function istioctlAnalyze(files: string[], kubeconfig?: string): AnalyzeResult {
  const source = kubeconfig ? ['--kubeconfig', kubeconfig] : ['--use-kube=false'];
  const r = run(BIN.istioctl, ['analyze', ...source, '--all-namespaces', '--output-threshold', 'Info', '-o', 'json', '--verbose', ...files], { allowFail: true, timeout: 180_000 });
  let messages: AnalyzeMessage[];
  try {
    messages = JSON.parse(r.stdout) as AnalyzeMessage[];
  } catch {
    throw new Error(`istioctl analyze printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  // --verbose lists, on stderr, "Skipped analyzers:" then "Executed analyzers:", one per tab-indented line.
  const section = (title: string) => {
    const lines = r.stderr.split('\n');
    const i = lines.findIndex((l) => l.trim() === title);
    if (i < 0) return [];
    const out: string[] = [];
    for (const l of lines.slice(i + 1)) {
      if (!/^\s+\S/.test(l)) break;
      out.push(l.trim());
    }
    return out;
  };
  return { messages, executed: section('Executed analyzers:'), skipped: section('Skipped analyzers:'), output: `${r.stdout}${r.stderr}` };
}

/** What istiod would configure on the workload's inbound sidecar listener (e2e/istio-authz's output). */
export interface SidecarInbound {
  /** Policies Istio selected for the workload, `<ns>/<name>`, by action. */
  readonly policies: Record<'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM', string[]>;
  /** The PeerAuthentication mode Istio resolved for the port. */
  readonly mtlsMode: string;
  /** DownstreamTlsContext (as an Any with `@type`), or null without mutual TLS. */
  readonly downstreamTlsContext: any;
  /** envoy.filters.http.rbac filters, in order (HttpFilter JSON). */
  readonly httpFilters: any[];
  readonly customFilters: any[];
  /** Istio's own log of the build (its `authorization` scope). */
  readonly log: string;
}

export interface SidecarWorkload {
  readonly namespace: string;
  /** The pod's labels (from the workload's pod template). */
  readonly labels: Record<string, string>;
  readonly port: number;
  /** meshConfig.trustDomain: istiod with SPIRE must use SPIRE's trust domain. */
  readonly trustDomain: string;
  readonly trustDomainAliases?: string[];
}

/** Runs e2e/istio-authz on the YAML files for one workload; fails on any error Istio logged. */
export function sidecarInbound(files: string[], w: SidecarWorkload): SidecarInbound {
  const labels = Object.entries(w.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const args = ['-namespace', w.namespace, '-labels', labels, '-port', String(w.port), '-trust-domain', w.trustDomain];
  if (w.trustDomainAliases?.length) args.push('-trust-domain-aliases', w.trustDomainAliases.join(','));
  const r = run(BIN.istioAuthz, [...args, ...files]);
  // Istio's log lines: "<time>\t<level>\t<scope>\t<message>".
  const errors = r.stderr.split('\n').filter((l) => /^\S+\t(error|warn)\t/.test(l));
  if (errors.length > 0) throw new Error(`Istio logged while building the sidecar's filters:\n${errors.join('\n')}`);
  return { ...(JSON.parse(r.stdout) as Omit<SidecarInbound, 'log'>), log: r.stderr.trim() };
}
