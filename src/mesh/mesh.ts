import { Construct } from 'constructs';
import { AllowRule, CalleeView, Manifest, MeshCaller } from './intent';

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

/**
 * What a mesh renders for one {@link MeshPolicy}: the policy calls it once per namespace, once
 * per callee and once per allow, in declaration order.
 *
 * @internal
 */
export interface MeshRenderer {
  /** Ports the mesh's own data plane needs open in a NetworkPolicy, besides the app ports. */
  readonly dataPlanePorts: number[];
  /**
   * Refuses an allow the mesh cannot express, before anything is rendered (`options`: the
   * allow's methods and paths, already checked by the policy; `healthPaths`: its open paths).
   */
  checkAllow(caller: MeshCaller, callee: AllowRule['callee'], options: Pick<AllowRule, 'methods' | 'paths'>, healthPaths: string[]): void;
  /** The baseline of a namespace, when its first callee is declared. */
  namespace(namespace: string, stage: RolloutStage): Manifest[];
  /** The objects of a callee, at its first allow (health paths open to probes). */
  callee(callee: CalleeView, stage: RolloutStage, healthPaths: string[], ports: number[]): Manifest[];
  /** The objects of one allow (`index`: its position among the callee's allows). */
  allow(callee: CalleeView, rule: AllowRule, index: number, stage: RolloutStage, healthPaths: string[]): Manifest[];
  /** Files the mesh's control plane must be installed with (file name → content), at synth. */
  artifacts?(): Record<string, string>;
}

/**
 * The service mesh a {@link MeshPolicy} is rendered for. Each mesh is a class of its own
 * (`istio.ts`, `linkerd.ts`) whose `bind()` returns its renderer, so adding a mesh touches one
 * file.
 */
export abstract class Mesh {
  /** Istio (`security.istio.io/v1`). */
  public static istio(options: IstioMeshOptions = {}): Mesh {
    return new IstioMesh(options);
  }

  /** Linkerd (`policy.linkerd.io`). */
  public static linkerd(options: LinkerdMeshOptions = {}): Mesh {
    return new LinkerdMesh(options);
  }

  protected constructor(
    /** The mesh (shown in reports and the in-app allowlist). */
    public readonly kind: MeshKind,
  ) {}

  /** Ports the mesh's own data plane needs open in a NetworkPolicy, besides the app ports. */
  public abstract get dataPlanePorts(): number[];

  /** The renderer of one policy (`scope`), with the state it keeps across allows. @internal */
  public abstract _bind(scope: Construct): MeshRenderer;
}

// The meshes extend Mesh: imported after it is defined (aws-cdk's ContainerImage pattern).
/* eslint-disable import/order */
import { IstioMesh, IstioMeshOptions } from './istio';
import { LinkerdMesh, LinkerdMeshOptions } from './linkerd';
/* eslint-enable import/order */
