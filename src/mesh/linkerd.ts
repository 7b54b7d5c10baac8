import { Construct } from 'constructs';
import { AllowRule, CalleeView, Manifest as Obj } from './intent';
import { Mesh, MeshKind, MeshRenderer, RolloutStage } from './mesh';
import { identitiesOf } from '../identity/registry';
import { WorkloadIdentity } from '../identity/workload-identity';

/** Options of {@link Mesh.linkerd}. */
export interface LinkerdMeshOptions {
  /**
   * Networks kubelet probes come from (authorized for the health paths).
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly probeNetworks?: string[];
}

const GROUP = 'policy.linkerd.io';

/** Linkerd: Server, HTTPRoute, MeshTLSAuthentication, AuthorizationPolicy (`policy.linkerd.io`). @internal */
export class LinkerdMesh extends Mesh {
  private readonly probeNetworks: string[];

  public constructor(options: LinkerdMeshOptions) {
    super(MeshKind.LINKERD);
    this.probeNetworks = [...(options.probeNetworks ?? ['0.0.0.0/0', '::/0'])];
  }

  public get dataPlanePorts(): number[] {
    // Linkerd (2.18+) sends meshed traffic to the peer proxy's inbound port 4143.
    return [4143];
  }

  public _bind(scope: Construct): MeshRenderer {
    const servers = new Set<string>();
    return {
      dataPlanePorts: this.dataPlanePorts,
      checkAllow: () => undefined,
      namespace: (ns, stage) => {
        // The namespace baseline: every workload bound to an identity in the namespace gets the
        // default inbound policy of the stage (the policy controller reads it from pods).
        for (const registered of identitiesOf(scope)) {
          const identity = registered.construct;
          if (identity instanceof WorkloadIdentity && identity.namespace === ns) {
            for (const w of identity.boundWorkloads) {
              w.podMetadata.addAnnotation('config.linkerd.io/default-inbound-policy', linkerdAccessPolicy(stage));
            }
          }
        }
        return [];
      },
      callee: () => [],
      allow: (callee, rule, index, stage, healthPaths) => rule.ports.flatMap((port) => {
        const key = `${callee.namespace}/${callee.name}/${port}`;
        const out: Obj[] = [];
        if (!servers.has(key)) {
          servers.add(key);
          out.push(...linkerdServer(callee, port, stage, healthPaths, this.probeNetworks));
        }
        out.push(...linkerdAllow(callee, rule, index, port));
        return out;
      }),
    };
  }
}

/** Server `accessPolicy` and the pods' default inbound policy by stage. */
function linkerdAccessPolicy(stage: RolloutStage): string {
  switch (stage) {
    case RolloutStage.OBSERVE:
      return 'audit';
    case RolloutStage.PERMISSIVE:
      return 'all-unauthenticated';
    case RolloutStage.STRICT:
      return 'all-authenticated';
    default:
      return 'deny';
  }
}

function linkerdServerName(callee: CalleeView, port: number): string {
  return `${callee.name}-${port}`;
}

/**
 * A Server for one callee port, and the probe route authorized from the probe networks (once an
 * HTTPRoute targets a Server, Linkerd no longer authorizes probes by itself).
 */
function linkerdServer(callee: CalleeView, port: number, stage: RolloutStage, healthPaths: string[], probeNetworks: string[]): Obj[] {
  const server = linkerdServerName(callee, port);
  const ns = callee.namespace;
  const out: Obj[] = [
    {
      apiVersion: `${GROUP}/v1beta3`,
      kind: 'Server',
      metadata: { name: server, namespace: ns },
      spec: { podSelector: { matchLabels: { ...callee.labels } }, port, proxyProtocol: 'HTTP/1', accessPolicy: linkerdAccessPolicy(stage) },
    },
  ];
  if (healthPaths.length > 0) {
    const probe = `${server}-probes`;
    out.push(
      {
        apiVersion: `${GROUP}/v1beta3`,
        kind: 'HTTPRoute',
        metadata: { name: probe, namespace: ns },
        spec: {
          parentRefs: [{ group: GROUP, kind: 'Server', name: server }],
          rules: [{ matches: healthPaths.flatMap((p) => ['GET', 'HEAD'].map((method) => ({ path: { type: 'Exact', value: p }, method }))) }],
        },
      },
      { apiVersion: `${GROUP}/v1alpha1`, kind: 'NetworkAuthentication', metadata: { name: probe, namespace: ns }, spec: { networks: probeNetworks.map((cidr) => ({ cidr })) } },
      authorization(probe, ns, { group: GROUP, kind: 'HTTPRoute', name: probe }, probe, 'NetworkAuthentication'),
    );
  }
  return out;
}

/**
 * One declared allow on one port: an HTTPRoute when methods or paths are named (else the Server
 * is the target), a MeshTLSAuthentication (identityRefs for a declared caller, the exact SPIFFE
 * ID for a federated one) and the AuthorizationPolicy joining them.
 */
function linkerdAllow(callee: CalleeView, rule: AllowRule, index: number, port: number): Obj[] {
  const ns = callee.namespace;
  const server = linkerdServerName(callee, port);
  const base = `${server}-allow-${index}`;
  const out: Obj[] = [];
  let target: Obj = { group: GROUP, kind: 'Server', name: server };
  if (rule.methods || rule.paths) {
    const matches: Obj[] = [];
    for (const path of rule.paths ?? [undefined]) {
      for (const method of rule.methods ?? [undefined]) {
        matches.push({
          ...(path ? { path: path.endsWith('*') ? { type: 'PathPrefix', value: path.slice(0, -1) } : { type: 'Exact', value: path } } : {}),
          ...(method ? { method } : {}),
        });
      }
    }
    out.push({
      apiVersion: `${GROUP}/v1beta3`,
      kind: 'HTTPRoute',
      metadata: { name: base, namespace: ns },
      spec: { parentRefs: [{ group: GROUP, kind: 'Server', name: server }], rules: [{ matches }] },
    });
    target = { group: GROUP, kind: 'HTTPRoute', name: base };
  }
  const identity = rule.caller.identity;
  out.push({
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'MeshTLSAuthentication',
    metadata: { name: base, namespace: ns },
    spec: identity
      ? { identityRefs: [{ kind: 'ServiceAccount', name: identity.serviceAccount, namespace: identity.namespace }] }
      : { identities: [rule.caller.spiffeId.uri] },
  });
  out.push(authorization(base, ns, target, base, 'MeshTLSAuthentication'));
  return out;
}

function authorization(name: string, namespace: string, targetRef: Obj, authn: string, kind: string): Obj {
  return {
    apiVersion: `${GROUP}/v1alpha1`,
    kind: 'AuthorizationPolicy',
    metadata: { name, namespace },
    spec: { targetRef, requiredAuthenticationRefs: [{ group: GROUP, kind, name: authn }] },
  };
}
