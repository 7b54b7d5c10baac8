import { Construct } from 'constructs';
import { NO_POD_NEEDS } from './secret-mount';
import { UpstreamAuthority, UpstreamAuthorityBinding, UpstreamAuthorityContext } from './upstream-authority';
import { k8s } from '../k8s/kube';
import { componentLabels } from '../k8s/labels';
import { requireString } from '../validation';

/** Options of {@link UpstreamAuthority.certManager}. */
export interface CertManagerUpstreamAuthorityOptions {
  /** Namespace in which the server creates CertificateRequests. */
  readonly namespace: string;
  /** Name of the issuer that signs SPIRE's intermediate. */
  readonly issuerName: string;
  /**
   * Kind of the issuer. Always written, because `spire-server validate` fails without it.
   * @default 'Issuer'
   */
  readonly issuerKind?: string;
  /**
   * API group of the issuer.
   * @default 'cert-manager.io'
   */
  readonly issuerGroup?: string;
}

/** A cert-manager issuer as the upstream authority. @internal */
export class CertManagerUpstreamAuthority extends UpstreamAuthority {
  private readonly requestNamespace: string;

  public constructor(options: CertManagerUpstreamAuthorityOptions) {
    requireString(options.namespace, 'certManager.namespace', 'Give the namespace for CertificateRequests.');
    requireString(options.issuerName, 'certManager.issuerName', 'Give the name of the cert-manager issuer.');
    super({
      type: 'UpstreamAuthority',
      name: 'cert-manager',
      data: {
        namespace: options.namespace,
        issuer_name: options.issuerName,
        issuer_kind: options.issuerKind ?? 'Issuer',
        issuer_group: options.issuerGroup ?? 'cert-manager.io',
      },
    }, NO_POD_NEEDS);
    this.requestNamespace = options.namespace;
  }

  /** The server creates, reads and deletes CertificateRequests in the request namespace only. */
  public bind(scope: Construct, context: UpstreamAuthorityContext): UpstreamAuthorityBinding {
    const name = `${context.serviceAccountName}-cert-manager`;
    const labels = componentLabels(context.serviceAccountName, 'server');
    new k8s.KubeRole(scope, 'CertManagerRole', {
      metadata: { name, namespace: this.requestNamespace, labels },
      rules: [{ apiGroups: ['cert-manager.io'], resources: ['certificaterequests'], verbs: ['create', 'get', 'list', 'delete'] }],
    });
    new k8s.KubeRoleBinding(scope, 'CertManagerRoleBinding', {
      metadata: { name, namespace: this.requestNamespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name: context.serviceAccountName, namespace: context.namespace }],
    });
    // cert-manager runs in the cluster; the server reaches it through the API server only.
    return { podNeeds: NO_POD_NEEDS, egress: [] };
  }
}
