import { TrustDomain } from '../spiffe/trust-domain';
import { invalidProp } from '../validation';

/**
 * Rollout stages of a mesh policy, per namespace. Authorization is first observed, then mTLS is
 * tightened, then deny-by-default is enforced.
 */
export enum RolloutStage {
  /**
   * Nothing enforced: no PeerAuthentication; authorization policies are rendered in dry-run
   * (Istio `istio.io/dry-run`, Linkerd `accessPolicy: audit`) so what would be denied is logged.
   */
  OBSERVE = 'OBSERVE',
  /**
   * mTLS PERMISSIVE while clients migrate; authorization still dry-run (principal-based ALLOW
   * rules would already refuse plaintext clients under PERMISSIVE, so they are not enforced yet).
   */
  PERMISSIVE = 'PERMISSIVE',
  /** mTLS STRICT (every caller must present an SVID); authorization still dry-run. */
  STRICT = 'STRICT',
  /**
   * mTLS STRICT, deny-by-default authorization enforced (allow-nothing baseline plus explicit
   * allows), NetworkPolicy default-deny ingress with allows from declared callers.
   */
  ENFORCE = 'ENFORCE',
}

/** Which service mesh enforces the policy. */
export enum MeshKind {
  /** Istio (sidecars with SPIRE as CA). */
  ISTIO = 'istio',
  /** Linkerd. */
  LINKERD = 'linkerd',
}

/** Options of {@link Mesh.istio}. */
export interface IstioMeshOptions {
  /**
   * The mesh config's `trustDomainAliases`: declared callers are also allowed under each alias
   * (`<alias>/ns/<ns>/sa/<sa>`), so policies keep matching during a trust-domain migration.
   * @default - none
   */
  readonly trustDomainAliases?: string[];
}

/** Options of {@link Mesh.linkerd}. */
export interface LinkerdMeshOptions {
  /**
   * Networks kubelet probes come from (authorized for the health paths).
   * @default ['0.0.0.0/0', '::/0']
   */
  readonly probeNetworks?: string[];
}

/** The service mesh a {@link MeshPolicy} is rendered for. */
export class Mesh {
  /** Istio (`security.istio.io/v1`). */
  public static istio(options: IstioMeshOptions = {}): Mesh {
    for (const alias of options.trustDomainAliases ?? []) {
      const problem = TrustDomain.problemWith(alias);
      if (problem) {
        throw invalidProp('trustDomainAliases', alias, `${problem}.`);
      }
    }
    return new Mesh(MeshKind.ISTIO, [...(options.trustDomainAliases ?? [])], []);
  }

  /** Linkerd (`policy.linkerd.io`). */
  public static linkerd(options: LinkerdMeshOptions = {}): Mesh {
    return new Mesh(MeshKind.LINKERD, [], [...(options.probeNetworks ?? ['0.0.0.0/0', '::/0'])]);
  }

  private constructor(
    /** The mesh. */
    public readonly kind: MeshKind,
    /** Istio trust domain aliases. */
    public readonly trustDomainAliases: string[],
    /** Linkerd probe networks. */
    public readonly probeNetworks: string[],
  ) {}

  /** Ports the mesh's own data plane needs open in a NetworkPolicy, besides the app ports. */
  public get dataPlanePorts(): number[] {
    // Linkerd (2.18+) sends meshed traffic to the peer proxy's inbound port 4143.
    return this.kind === MeshKind.LINKERD ? [4143] : [];
  }
}
