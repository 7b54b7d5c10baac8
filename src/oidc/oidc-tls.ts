import { Construct } from 'constructs';
import { k8s } from '../k8s/kube';
import { namespaceSelector } from '../k8s/network-peers';
import { checkDnsLabel, checkDnsSubdomain, invalidProp } from '../validation';

/** Options of {@link OidcTls.atIngress}. */
export interface OidcIngressOptions {
  /**
   * The `kubernetes.io/tls` Secret, in the provider's namespace, with a certificate for the
   * issuer's host that relying parties trust (cloud IAM: a publicly trusted one, e.g. from
   * cert-manager with an ACME issuer).
   */
  readonly tlsSecretName: string;
  /**
   * `ingressClassName` of the Ingress.
   * @default - the cluster's default IngressClass
   */
  readonly ingressClassName?: string;
  /**
   * Namespace of the Ingress controller's pods: the only pods the NetworkPolicy lets reach the
   * provider's HTTP port.
   * @default 'ingress-nginx'
   */
  readonly controllerNamespace?: string;
  /**
   * Annotations of the Ingress (e.g. `cert-manager.io/cluster-issuer`).
   * @default - none
   */
  readonly annotations?: Record<string, string>;
}

/** Options of {@link OidcTls.fromSecret}. */
export interface OidcSecretTlsOptions {
  /**
   * The `kubernetes.io/tls` Secret (keys `tls.crt`, `tls.key`), in the provider's namespace,
   * with a certificate for the issuer's host (e.g. from cert-manager). The provider reloads it
   * when it changes.
   */
  readonly secretName: string;
}

/** What a {@link OidcTls} is told when it is bound to a provider. */
export interface OidcTlsContext {
  /** Name of the provider's objects (the Service the Ingress routes to). */
  readonly name: string;
  /** The provider's namespace. */
  readonly namespace: string;
  /** Labels of the provider's objects. */
  readonly labels: Record<string, string>;
  /** The issuer's host. */
  readonly host: string;
}

/** What a {@link OidcTls} contributes to the provider it is bound to. */
export interface OidcTlsBinding {
  /** True when the provider serves HTTPS itself (`serving_cert_file`), false for plain HTTP (`insecure_addr`). */
  readonly servesTls: boolean;
  /** Container port of the documents. */
  readonly containerPort: number;
  /** Name of that port (`http` or `https`). */
  readonly portName: string;
  /** Port of the ClusterIP Service. */
  readonly servicePort: number;
  /**
   * The Secret with `tls.crt` and `tls.key` the pod mounts.
   * @default - none
   */
  readonly secretName?: string;
  /**
   * Who may reach the documents port (NetworkPolicy peers).
   * @default - anyone (the reason is in the variant)
   */
  readonly allowFrom?: k8s.NetworkPolicyPeer[];
}

/**
 * Where TLS for the issuer URL ends: the issuer is always `https://`, so either an Ingress in
 * front of the provider terminates it, or the provider serves HTTPS itself.
 */
export abstract class OidcTls {
  /**
   * TLS ends at an Ingress (`networking.k8s.io/v1`, rendered here) for the issuer's host, with
   * the certificate of `tlsSecretName`; it forwards the two document paths to the provider,
   * which serves plain HTTP on the pod network (`insecure_addr`) to the Ingress controller only.
   */
  public static atIngress(options: OidcIngressOptions): OidcTls {
    return new IngressTls(options);
  }

  /**
   * The provider serves HTTPS itself (`serving_cert_file`) with the certificate of a Secret;
   * its Service listens on 443. Expose it with a LoadBalancer or a TLS-passthrough
   * Ingress/Gateway of your own.
   */
  public static fromSecret(options: OidcSecretTlsOptions): OidcTls {
    return new SecretTls(options);
  }

  protected constructor() {}

  /** Creates what the variant needs in `scope` (the provider) and returns what the provider needs. */
  public abstract bind(scope: Construct, context: OidcTlsContext): OidcTlsBinding;
}

const HTTP_PORT = 8080;
const HTTPS_PORT = 8443;

class IngressTls extends OidcTls {
  public constructor(private readonly options: OidcIngressOptions) {
    super();
  }

  public bind(scope: Construct, context: OidcTlsContext): OidcTlsBinding {
    const o = this.options;
    const secretName = checkDnsSubdomain(o?.tlsSecretName, 'tls.tlsSecretName');
    const controllerNamespace = checkDnsLabel(o.controllerNamespace ?? 'ingress-nginx', 'tls.controllerNamespace');
    if (o.ingressClassName !== undefined) {
      checkDnsSubdomain(o.ingressClassName, 'tls.ingressClassName');
    }
    for (const [k, v] of Object.entries(o.annotations ?? {})) {
      if (typeof v !== 'string') {
        throw invalidProp('tls.annotations', `${k}=${String(v)}`, 'Annotation values are strings.');
      }
    }
    const servicePort = 80;
    const backend = { service: { name: context.name, port: { number: servicePort } } };
    new k8s.KubeIngress(scope, 'Ingress', {
      metadata: {
        name: context.name,
        namespace: context.namespace,
        labels: context.labels,
        ...(o.annotations && Object.keys(o.annotations).length > 0 ? { annotations: { ...o.annotations } } : {}),
      },
      spec: {
        ingressClassName: o.ingressClassName,
        tls: [{ hosts: [context.host], secretName }],
        rules: [
          {
            host: context.host,
            http: {
              // Only the two documents: nothing else of the provider is published.
              paths: ['/.well-known/openid-configuration', '/keys'].map((path) => ({ path, pathType: 'Exact', backend })),
            },
          },
        ],
      },
    });
    return {
      servesTls: false,
      containerPort: HTTP_PORT,
      portName: 'http',
      servicePort,
      allowFrom: [{ namespaceSelector: namespaceSelector(controllerNamespace) }],
    };
  }
}

class SecretTls extends OidcTls {
  public constructor(private readonly options: OidcSecretTlsOptions) {
    super();
  }

  public bind(_scope: Construct, _context: OidcTlsContext): OidcTlsBinding {
    return {
      servesTls: true,
      containerPort: HTTPS_PORT,
      portName: 'https',
      servicePort: 443,
      secretName: checkDnsSubdomain(this.options?.secretName, 'tls.secretName'),
      // From anywhere: cloud IAM (AWS STS, Google STS, Entra ID) fetches the documents from the
      // internet through whatever exposes this Service; their addresses are neither stable nor
      // published, and arrive as node or load-balancer addresses.
      allowFrom: undefined,
    };
  }
}
