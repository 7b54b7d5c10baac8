import { AllowRule, CalleeView } from './intent';
import { RolloutStage } from './mesh';

type Obj = Record<string, unknown>;

const GROUP = 'policy.linkerd.io';

/** Server `accessPolicy` and the pods' default inbound policy by stage. @internal */
export function linkerdAccessPolicy(stage: RolloutStage): string {
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

/** @internal */
export function linkerdServerName(callee: CalleeView, port: number): string {
  return `${callee.name}-${port}`;
}

/**
 * A Server for one callee port, and the probe route authorized from the probe networks (once an
 * HTTPRoute targets a Server, Linkerd no longer authorizes probes by itself).
 *
 * @internal
 */
export function linkerdServer(callee: CalleeView, port: number, stage: RolloutStage, healthPaths: string[], probeNetworks: string[]): Obj[] {
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
 *
 * @internal
 */
export function linkerdAllow(callee: CalleeView, rule: AllowRule, index: number, port: number): Obj[] {
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
