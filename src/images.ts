import { invalidProp } from './validation';

/**
 * Container images, pinned by version (never `latest`). SPIRE 1.15.3 with the controller
 * manager, CSI driver and registrar versions the official chart for that release ships.
 */
export const Images = {
  /** SPIRE server. */
  SPIRE_SERVER: 'ghcr.io/spiffe/spire-server:1.15.3',
  /** SPIRE agent. */
  SPIRE_AGENT: 'ghcr.io/spiffe/spire-agent:1.15.3',
  /** spire-controller-manager. */
  CONTROLLER_MANAGER: 'ghcr.io/spiffe/spire-controller-manager:0.7.0',
  /** SPIFFE CSI driver. */
  CSI_DRIVER: 'ghcr.io/spiffe/spiffe-csi-driver:0.2.7',
  /** CSI node-driver-registrar. */
  CSI_NODE_DRIVER_REGISTRAR: 'registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.15.0',
  /** SPIRE's OIDC discovery provider. */
  OIDC_DISCOVERY_PROVIDER: 'ghcr.io/spiffe/oidc-discovery-provider:1.15.3',
  /** The agent's init container (prepares the socket directory). */
  BUSYBOX: 'docker.io/library/busybox:1.37.0',
  /** CSI livenessprobe sidecar (probes the driver over its CSI socket). */
  CSI_LIVENESS_PROBE: 'registry.k8s.io/sig-storage/livenessprobe:v2.15.0',
  /** PostgreSQL operand image for CloudNativePG. */
  POSTGRES: 'ghcr.io/cloudnative-pg/postgresql:17.6',
} as const;

/** The SPIRE version the constructs deploy. */
export const SPIRE_VERSION = '1.15.3';

/**
 * An image pinned by digest (`<image>@sha256:<digest>`), for any `image` prop: a tag can be moved
 * to other content, a digest cannot. Keeps the tag for readers (`repo:tag@sha256:…`).
 */
export function pinnedImage(image: string, digest: string): string {
  if (typeof image !== 'string' || image.includes('@') || !/^[a-z0-9.\-/:_]+$/.test(image)) {
    throw invalidProp('image', image, 'Give an image reference without a digest, e.g. Images.SPIRE_SERVER.');
  }
  if (typeof digest !== 'string' || !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw invalidProp('digest', digest, 'Give the sha256 digest of the image, e.g. "sha256:<64 hex digits>" (crane digest, docker buildx imagetools inspect).');
  }
  return `${image}@${digest}`;
}
