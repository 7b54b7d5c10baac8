/**
 * Cilium's own code on the generated policies: the CiliumNetworkPolicy CRD of the Cilium module
 * (e2e/components.json, kept by build-components.sh), and e2e/cilium-policy, which runs the
 * agent's parsing (Sanitize, the translation to api.Rule and policy entries) and its policy
 * repository (pkg/policy) on them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { BIN, CACHE, VERSIONS } from './components';
import { KubeObject } from './kube';
import { run } from './proc';

/** The Cilium CRDs the library's objects need (CiliumNetworkPolicy), from the Cilium module. */
export function ciliumCrds(): KubeObject[] {
  const dir = path.join(CACHE, `cilium-${VERSIONS.cilium}`, 'crds');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort() : [];
  if (files.length === 0) throw new Error(`no Cilium CRDs in ${dir}: run \`bash e2e/install/build-components.sh cilium\``);
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJSON() as KubeObject))
    .filter((o) => o?.kind === 'CustomResourceDefinition');
}

/** A party of a flow: a pod (its labels and namespace's labels make its identity) or one of Cilium's reserved identities. */
export type CiliumEndpoint = { readonly name: string; readonly pod: KubeObject } | { readonly name: string; readonly entity: string };

export interface CiliumFlow {
  readonly from: string;
  readonly to: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
}

export type CiliumDecision = 'allowed' | 'denied';

export interface CiliumVerdict extends CiliumFlow {
  /** The source's egress verdict. */
  readonly egress: CiliumDecision;
  /** The destination's ingress verdict. */
  readonly ingress: CiliumDecision;
  readonly allowed: boolean;
}

export interface CiliumResult {
  /** What each policy became in Cilium: its policy entries (ingress and egress), as Cilium prints them. */
  readonly policies: Array<{ readonly object: string; readonly entries: number; readonly ingress: number; readonly egress: number; readonly rules: unknown }>;
  /** Each endpoint's numeric identity and its identity labels (source:key=value). */
  readonly endpoints: Record<string, { readonly id: number; readonly labels: string[] }>;
  readonly flows: CiliumVerdict[];
}

/** Thrown when Cilium refuses a policy, warns about one, or would drop a field of it. */
export class CiliumRefusal extends Error {}

/**
 * Runs e2e/cilium-policy: parses `policies` (NetworkPolicy, CiliumNetworkPolicy) as the Cilium
 * agent does, loads them into Cilium's policy repository, and looks each flow up.
 */
export function ciliumPolicy(dir: string, input: {
  readonly policies: KubeObject[];
  readonly namespaces: KubeObject[];
  readonly endpoints: CiliumEndpoint[];
  readonly flows: CiliumFlow[];
}): CiliumResult {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `input-${fs.readdirSync(dir).length}.json`);
  fs.writeFileSync(file, JSON.stringify({ clusterName: 'default', ...input }, null, 2));
  const r = run(BIN.ciliumPolicy, [file], { allowFail: true });
  if (r.code !== 0) {
    throw new CiliumRefusal(r.stderr.split('\n').filter((l) => l.startsWith('cilium-policy: ') || !/^time=/.test(l)).join('\n').trim() || `exit ${r.code}`);
  }
  return JSON.parse(r.stdout) as CiliumResult;
}

/** A flow and what the library intends for it (the reason shown in the report). */
export interface IntendedFlow extends CiliumFlow {
  readonly allowed: boolean;
  readonly why: string;
}

/** A pod as its controller would create it, for a peer that does not run here (labels are what Cilium's identity is made of). */
export function standInPod(name: string, namespace: string, labels: Record<string, string>, serviceAccount: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { serviceAccountName: serviceAccount } };
}

const flow = (from: string, to: string, protocol: 'TCP' | 'UDP', port: number, allowed: boolean, why: string): IntendedFlow => ({ from, to, protocol, port, allowed, why });

/**
 * What the library intends for the server and the agent (independent of the policies): each
 * peer by its own identity, the API server as Cilium's `kube-apiserver` entity, the kubelet as
 * `host`, and nothing else to or from the world.
 */
export function spireIntent(p: {
  readonly webhookPort: number;
  readonly grpcPort: number;
  readonly healthPort: number;
  readonly metricsPort: number;
  readonly postgresPort: number;
  readonly vaultPort: number;
}): IntendedFlow[] {
  return [
    flow('spire-server', 'kube-apiserver', 'TCP', 443, true, 'TokenReview, controller manager'),
    flow('spire-server', 'kube-apiserver', 'TCP', 6443, true, 'TokenReview, controller manager'),
    flow('spire-server', 'postgres', 'TCP', p.postgresPort, true, 'datastore, by its CNPG labels'),
    flow('spire-server', 'vault', 'TCP', p.vaultPort, true, 'upstream authority, by its namespace'),
    flow('spire-server', 'coredns', 'UDP', 53, true, 'DNS'),
    flow('spire-server', 'coredns', 'TCP', 53, true, 'DNS'),
    flow('kube-apiserver', 'spire-server', 'TCP', p.webhookPort, true, 'the validating webhook'),
    flow('spire-agent', 'spire-server', 'TCP', p.grpcPort, true, 'attestation, SVIDs'),
    flow('host', 'spire-server', 'TCP', p.healthPort, true, 'kubelet probes'),
    flow('prometheus', 'spire-server', 'TCP', p.metricsPort, true, 'metrics'),
    flow('spire-agent', 'host', 'TCP', 10250, true, "the node's kubelet (k8s workload attestor)"),
    flow('spire-agent', 'coredns', 'UDP', 53, true, 'DNS'),
    flow('spire-server', 'world', 'TCP', 443, false, 'nothing outside the cluster on the API ports'),
    flow('spire-server', 'world', 'TCP', 6443, false, 'nothing outside the cluster on the API ports'),
    flow('spire-server', 'world', 'TCP', p.postgresPort, false, 'the datastore only by its labels'),
    flow('spire-server', 'world', 'TCP', p.vaultPort, false, 'Vault only in its namespace'),
    flow('spire-server', 'other', 'TCP', p.postgresPort, false, 'another pod of the namespace is not the datastore'),
    flow('world', 'spire-server', 'TCP', p.webhookPort, false, 'the webhook for the API server only'),
    flow('world', 'spire-server', 'TCP', p.grpcPort, false, "agents' namespace only"),
    flow('other', 'spire-server', 'TCP', p.grpcPort, false, "agents' namespace only"),
    flow('spire-agent', 'world', 'TCP', 10250, false, 'the kubelet is the node, not any address'),
  ];
}

export const flowName = (f: CiliumFlow): string => `${f.from} → ${f.to} ${f.protocol}/${f.port}`;
