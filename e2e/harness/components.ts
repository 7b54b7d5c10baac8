/**
 * Where the real components live: built once by `e2e/install/build-components.sh` into a cache
 * outside the clone (CI runs in a fresh clone on the same machine), at the versions of
 * `e2e/components.json`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { run } from './proc';

export const VERSIONS: Record<'kubernetes' | 'kwok' | 'spire' | 'spire-controller-manager' | 'openbao' | 'istio' | 'envoy' | 'cilium', string> =
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'components.json'), 'utf8'));

export const CACHE = process.env.SPIRE_E2E_CACHE ?? path.join(os.homedir(), '.cache', 'spire-constructs-e2e');

const dir = (component: keyof typeof VERSIONS) => path.join(CACHE, `${component}-${VERSIONS[component]}`);

export const BIN = {
  kubeApiserver: path.join(dir('kubernetes'), 'kube-apiserver'),
  kubeControllerManager: path.join(dir('kubernetes'), 'kube-controller-manager'),
  kubeScheduler: path.join(dir('kubernetes'), 'kube-scheduler'),
  kwok: path.join(dir('kwok'), 'kwok'),
  kwokStages: path.join(dir('kwok'), 'stage'),
  spireServer: path.join(dir('spire'), 'spire-server'),
  spireAgent: path.join(dir('spire'), 'spire-agent'),
  oidcDiscoveryProvider: path.join(CACHE, `spire-oidc-discovery-provider-${VERSIONS.spire}`, 'oidc-discovery-provider'),
  controllerManager: path.join(dir('spire-controller-manager'), 'spire-controller-manager'),
  bao: path.join(dir('openbao'), 'bao'),
  istioctl: path.join(dir('istio'), 'istioctl'),
  envoy: path.join(dir('envoy'), 'envoy'),
  etcd: '/usr/bin/etcd',
  postgresBin: '/usr/lib/postgresql/15/bin',
  /** The suite's test workload (e2e/workloads/spiffe-http), built by e2e/run.sh. */
  spiffeHttp: path.join(CACHE, 'workloads', 'spiffe-http'),
  /** Istio's sidecar authz/authn plugins on the generated policy (e2e/istio-authz), built by e2e/run.sh. */
  istioAuthz: path.join(CACHE, 'workloads', 'istio-authz'),
  /** Cilium's policy parsing and repository on the generated policies (e2e/cilium-policy), built by e2e/run.sh. */
  ciliumPolicy: path.join(CACHE, 'workloads', 'cilium-policy'),
};

/** Fails with what to run when a component is missing. */
export function requireComponents(): void {
  const missing = Object.entries(BIN).filter(([, p]) => !fs.existsSync(p)).map(([k, p]) => `${k} (${p})`);
  if (missing.length > 0) {
    throw new Error(`end-to-end components missing: ${missing.join(', ')}.\n` +
      'Run `bash e2e/install/build-components.sh` (Go builds from the module proxy) and ' +
      '`apt-get install etcd-server postgresql` first; `bash .ci/run` does both.');
  }
}

export function versionOf(bin: string, args: string[]): string {
  const r = run(bin, args, { allowFail: true });
  return (r.stdout.trim() || r.stderr.trim()).split('\n')[0];
}
