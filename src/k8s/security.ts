import { k8s } from './kube';

/** UID/GID the SPIRE images run as when not root. */
export const SPIRE_UID = 1000;

/**
 * The restricted container security context (Pod Security Standards `restricted`): non-root,
 * read-only root filesystem, no privilege escalation, every capability dropped, RuntimeDefault
 * seccomp.
 *
 * @internal
 */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: SPIRE_UID,
    runAsGroup: SPIRE_UID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * The restricted pod security context. `fsGroup` gives the non-root user its volumes without a
 * root `chown` init container.
 *
 * @internal
 */
export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: SPIRE_UID,
    runAsGroup: SPIRE_UID,
    fsGroup: SPIRE_UID,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * uid 0 with no capabilities at all, a read-only root filesystem, no privilege escalation and
 * RuntimeDefault seccomp: for containers that must own a root-owned host directory (and nothing
 * more). Callers say why in a comment.
 *
 * @internal
 */
export function rootWithoutCapabilities(): k8s.SecurityContext {
  return {
    runAsUser: 0,
    runAsNonRoot: false,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
