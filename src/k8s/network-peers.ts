import { k8s } from './kube';
import { invalidProp } from '../validation';

/**
 * The annotation that carries the written reason for a wide CIDR (`0.0.0.0/0`, `::/0`) in a
 * NetworkPolicy: the checklist flags wide CIDRs without it (SPIRE-NET1).
 */
export const WIDE_CIDR_REASON_ANNOTATION = 'spire-constructs.io/wide-cidr-reason';

/** True for a CIDR that matches every address. @internal */
export function isWideCidr(cidr: string): boolean {
  return /^0\.0\.0\.0\/0$|^::\/0$/.test(cidr);
}

/** Checks IPv4/IPv6 CIDRs (address/prefix, the prefix within the family's bits). @internal */
export function checkCidrs(cidrs: readonly string[], prop: string): string[] {
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    throw invalidProp(prop, cidrs, 'Give at least one CIDR, e.g. "10.0.0.10/32".');
  }
  for (const c of cidrs) {
    const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(c);
    const v6 = /^[0-9a-fA-F:]+\/(\d{1,3})$/.exec(c);
    const ok = v4
      ? v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32
      : v6 !== null && c.includes(':') && Number(v6[1]) <= 128 && (c.match(/::/g) ?? []).length <= 1;
    if (typeof c !== 'string' || !ok) {
      throw invalidProp(prop, c, 'Use CIDRs such as "10.0.0.10/32" or "fd00::/64" (address/prefix).');
    }
  }
  return [...cidrs];
}

/** A NetworkPolicy TCP port. @internal */
export function tcpPort(port: number): k8s.NetworkPolicyPort {
  return { protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) };
}

/** A selector of one namespace by its name label (set by Kubernetes on every namespace). @internal */
export function namespaceSelector(namespace: string): k8s.LabelSelector {
  return { matchLabels: { 'kubernetes.io/metadata.name': namespace } };
}


/** What a NetworkPolicy needs to reach the Kubernetes API server, and to be reached by it. @internal */
export interface ApiServerRules {
  /** Egress to the API server (TokenReview, watches), on its ports. */
  readonly egress: k8s.NetworkPolicyEgressRule[];
  /** The written reason for a wide CIDR, or none. */
  readonly reason?: string;
  /** Ingress from the API server to `port` (a webhook), or none. */
  ingress(port: number): k8s.NetworkPolicyIngressRule[];
  /** A CiliumNetworkPolicy spec doing what a NetworkPolicy cannot (Cilium's entities), or none. */
  cilium?(podLabels: Record<string, string>, webhookPort?: number): Record<string, unknown>;
}

/**
 * How pods reach the Kubernetes API server. The API server runs outside the pod network (on
 * control-plane nodes or as a managed endpoint), so no pod selector matches it; CNIs such as
 * Cilium apply CIDR rules only to traffic leaving the cluster, so a CIDR rule fails there when
 * the control plane is a cluster node.
 */
export abstract class ApiServerAccess {
  /** The API server's addresses (its endpoints, not the `kubernetes` Service IP: policies see the endpoint). */
  public static cidrs(cidrs: string[]): ApiServerAccess {
    return new CidrApiServerAccess(checkCidrs(cidrs, 'apiServer.cidrs'));
  }

  /**
   * Cilium: a CiliumNetworkPolicy with the `kube-apiserver` entity (egress, and ingress to the
   * webhook), which holds whether the API server is a node of the cluster or not.
   */
  public static cilium(): ApiServerAccess {
    return new CiliumApiServerAccess();
  }

  /**
   * Any address on the API server's ports (443, 6443), with the reason written down (shown in
   * the NetworkPolicy's annotation and the checklist report).
   */
  public static anyAddress(reason: string): ApiServerAccess {
    if (typeof reason !== 'string' || reason.trim().length < 10) {
      throw invalidProp('apiServer.anyAddress reason', reason, 'Say in at least 10 characters why the API server cannot be named by address (e.g. "managed control plane; its addresses change").');
    }
    return new CidrApiServerAccess(['0.0.0.0/0'], reason);
  }

  /** The old default: any address, no reason given (the checklist flags it). @internal */
  public static _unexplained(): ApiServerAccess {
    return new CidrApiServerAccess(['0.0.0.0/0']);
  }

  /** @internal */
  public abstract _rules(): ApiServerRules;
}

const API_PORTS = [443, 6443];

class CidrApiServerAccess extends ApiServerAccess {
  public constructor(private readonly cidrs: string[], private readonly reason?: string) {
    super();
  }

  public _rules(): ApiServerRules {
    const peers = this.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    return {
      egress: [{ to: peers, ports: API_PORTS.map(tcpPort) }],
      ingress: (port) => [{ from: peers, ports: [tcpPort(port)] }],
      reason: this.reason,
    };
  }
}

class CiliumApiServerAccess extends ApiServerAccess {
  public _rules(): ApiServerRules {
    return {
      egress: [],
      ingress: () => [],
      cilium: (podLabels, webhookPort) => ({
        endpointSelector: { matchLabels: { ...podLabels } },
        egress: [{ toEntities: ['kube-apiserver'], toPorts: [{ ports: API_PORTS.map((p) => ({ port: String(p), protocol: 'TCP' })) }] }],
        ...(webhookPort !== undefined
          ? { ingress: [{ fromEntities: ['kube-apiserver'], toPorts: [{ ports: [{ port: String(webhookPort), protocol: 'TCP' }] }] }] }
          : {}),
      }),
    };
  }
}

/**
 * Where pods resolve names. The default is the cluster DNS Service's pods (`k8s-app: kube-dns`
 * in `kube-system`, CoreDNS or kube-dns); NodeLocal DNSCache answers on a link-local address of
 * the node, and OpenShift runs its own DNS pods.
 */
export abstract class DnsAccess {
  /** CoreDNS / kube-dns pods (`k8s-app: kube-dns` in `kube-system`), port 53. */
  public static kubeDns(): DnsAccess {
    return DnsAccess.pods('kube-system', { 'k8s-app': 'kube-dns' }, [53]);
  }

  /**
   * NodeLocal DNSCache: its link-local address (a /32 on every node) on port 53, and the cluster
   * DNS pods it forwards to for pods that bypass it.
   */
  public static nodeLocalDnsCache(address = '169.254.20.10'): DnsAccess {
    checkCidrs([`${address}/32`], 'dns.nodeLocalDnsCache address');
    return new PeersDnsAccess([{ ipBlock: { cidr: `${address}/32` } }, { namespaceSelector: namespaceSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], [53]);
  }

  /** OpenShift's DNS pods (`openshift-dns`, `dns.operator.openshift.io/daemonset-dns: default`), port 5353 (the Service maps 53 to it). */
  public static openShift(): DnsAccess {
    return DnsAccess.pods('openshift-dns', { 'dns.operator.openshift.io/daemonset-dns': 'default' }, [5353]);
  }

  /** Any DNS pods, by namespace and labels, on the ports they listen on. */
  public static pods(namespace: string, podLabels: Record<string, string>, ports: number[] = [53]): DnsAccess {
    return new PeersDnsAccess([{ namespaceSelector: namespaceSelector(namespace), podSelector: { matchLabels: { ...podLabels } } }], ports);
  }

  /** @internal */
  public abstract _egress(): k8s.NetworkPolicyEgressRule;
}

class PeersDnsAccess extends DnsAccess {
  public constructor(private readonly peers: k8s.NetworkPolicyPeer[], private readonly ports: number[]) {
    super();
  }

  public _egress(): k8s.NetworkPolicyEgressRule {
    return {
      to: this.peers,
      ports: this.ports.flatMap((p) => [
        { protocol: 'UDP', port: k8s.IntOrString.fromNumber(p) },
        { protocol: 'TCP', port: k8s.IntOrString.fromNumber(p) },
      ]),
    };
  }
}

/** The kubelet's port, where the agent's k8s workload attestor asks about a caller's pod. */
const KUBELET_PORT = 10250;

/**
 * How the SPIRE agent reaches its node's kubelet (`status.hostIP`, port 10250), which the k8s
 * workload attestor asks about every caller. The node's address is not a pod: no selector
 * matches it, and Cilium treats it as the `host` entity rather than a CIDR.
 */
export abstract class KubeletAccess {
  /** The nodes' addresses. */
  public static cidrs(cidrs: string[]): KubeletAccess {
    return new KubeletRules(checkCidrs(cidrs, 'kubelet.cidrs'));
  }

  /** Cilium: a CiliumNetworkPolicy with the `host` entity (the agent's own node). */
  public static cilium(): KubeletAccess {
    return new KubeletRules([], true);
  }

  /**
   * Any address on port 10250 only (the default), with the reason shown in the annotation. Not on
   * Cilium: it applies CIDR rules to no node, so the agent would not reach the kubelet; use
   * `KubeletAccess.cilium()` there.
   */
  public static anyAddress(reason = "the kubelet listens on the node's own address (status.hostIP), which no pod selector matches; port 10250 only"): KubeletAccess {
    return new KubeletRules(['0.0.0.0/0'], false, reason);
  }

  /** @internal */
  public abstract _rules(): { egress: k8s.NetworkPolicyEgressRule[]; cilium?: (podLabels: Record<string, string>) => Record<string, unknown>; reason?: string };
}

class KubeletRules extends KubeletAccess {
  public constructor(private readonly cidrs: string[], private readonly useCilium = false, private readonly reason?: string) {
    super();
  }

  public _rules() {
    return {
      egress: this.cidrs.length > 0 ? [{ to: this.cidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcpPort(KUBELET_PORT)] }] : [],
      cilium: this.useCilium
        ? (podLabels: Record<string, string>) => ({
          endpointSelector: { matchLabels: { ...podLabels } },
          egress: [{ toEntities: ['host'], toPorts: [{ ports: [{ port: String(KUBELET_PORT), protocol: 'TCP' }] }] }],
        })
        : undefined,
      reason: this.reason,
    };
  }
}
