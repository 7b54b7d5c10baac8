import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { OidcTls } from './oidc-tls';
import { LogLevel } from '../config/common';
import { checkOidcIssuer, OidcDiscoveryProviderConfig } from '../config/oidc-discovery-provider-config';
import { WORKLOAD_API_MOUNT_PATH, WORKLOAD_API_SOCKET } from '../csi/workload-api';
import { WorkloadIdentity } from '../identity/workload-identity';
import { Images } from '../images';
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from '../k8s/config-checksum';
import { k8s } from '../k8s/kube';
import { componentLabels, selectorLabels } from '../k8s/labels';
import { tcpPort } from '../k8s/network-peers';
import { ContainerResources, renderResources } from '../k8s/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../k8s/security';
import { checkUniqueObjects } from '../k8s/unique-objects';
import { SpireServer } from '../server/spire-server';
import { checkDnsLabel, invalidProp, requireWholeNumber, show, withConstructPath } from '../validation';

/** Properties of {@link OidcDiscoveryProvider}. */
export interface OidcDiscoveryProviderProps {
  /** The server whose JWT-SVIDs relying parties verify (trust domain, `jwt_issuer`, controller-manager class). */
  readonly server: SpireServer;
  /**
   * The issuer URL, `https://<host>`: the discovery document's `issuer`, and exactly the
   * server's `jwtIssuer` (the `iss` of its JWT-SVIDs). Cloud IAM fetches
   * `<issuer>/.well-known/openid-configuration` and `<issuer>/keys`.
   */
  readonly issuer: string;
  /** Where TLS for the issuer ends: `OidcTls.atIngress({...})` or `OidcTls.fromSecret({...})`. */
  readonly tls: OidcTls;
  /**
   * Namespace of the provider. Not the server's or the agents' namespace: the controller
   * manager ignores those, and the provider needs its own identity to read the JWT bundle.
   * @default 'spire-oidc'
   */
  readonly namespace?: string;
  /**
   * Name of the Deployment, ServiceAccount, Service, ConfigMap and (when rendered) Ingress,
   * NetworkPolicy and PodDisruptionBudget.
   * @default 'spiffe-oidc-discovery-provider'
   */
  readonly name?: string;
  /**
   * Number of replicas (a PodDisruptionBudget keeps one up when there are two or more).
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Provider image.
   * @default Images.OIDC_DISCOVERY_PROVIDER (pinned to SPIRE 1.15.3)
   */
  readonly image?: string;
  /**
   * More host names the provider answers for (`domains`), e.g. an in-cluster name with the
   * cluster domain. The issuer's host and the Service names (`<name>`, `<name>.<namespace>`,
   * `<name>.<namespace>.svc`) are always there.
   * @default - none
   */
  readonly additionalDomains?: string[];
  /**
   * Set `use: sig` on every key (`set_key_use`), for JWKS clients that require it.
   * @default false
   */
  readonly setKeyUse?: boolean;
  /**
   * How often the JWT bundle is fetched from the Workload API.
   * @default - SPIRE's default (10s)
   */
  readonly pollInterval?: Duration;
  /**
   * Log level.
   * @default LogLevel.INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * Resources of the provider container.
   * @default - requests 10m/32Mi, limits 200m/128Mi
   */
  readonly resources?: ContainerResources;
  /**
   * Render the NetworkPolicy (documents port from the Ingress controller, or from anywhere with
   * `OidcTls.fromSecret`; probes; no egress: the Workload API is a unix socket).
   * @default true
   */
  readonly networkPolicy?: boolean;
}

const CONFIG_DIR = '/run/spire/oidc/config';
const CONFIG_FILE = 'oidc-discovery-provider.conf';
const TLS_DIR = '/run/spire/oidc/tls';
const HEALTH_PORT = 8008;

/**
 * SPIRE's OIDC discovery provider: serves `/.well-known/openid-configuration` and the JWKS
 * (`/keys`) of the server's trust domain, so cloud IAM (AWS, GCP, Azure) and any OIDC relying
 * party can verify JWT-SVIDs. Keys come from the agent's Workload API (CSI volume), under an
 * identity of its own (a {@link WorkloadIdentity} bound to the Deployment).
 *
 * The provider never changes the server: the server's `jwtIssuer` must already be `issuer`
 * (`SpireStack`'s `oidcDiscoveryProvider` option sets both). Renders a Deployment (Pod Security
 * `restricted`, read-only root, probes), its ConfigMap, ServiceAccount, a ClusterIP Service, the
 * Ingress of `OidcTls.atIngress`, a NetworkPolicy and a PodDisruptionBudget. The primary child
 * (`Resource`) is the Deployment.
 */
export class OidcDiscoveryProvider extends Construct {
  /** The issuer URL (`jwt_issuer`). */
  public readonly issuer: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Name of the Deployment, ServiceAccount, Service and ConfigMap. */
  public readonly name: string;
  /** The rendered configuration. */
  public readonly config: OidcDiscoveryProviderConfig;
  /** The provider's own identity (reads the JWT bundle from the Workload API). */
  public readonly identity: WorkloadIdentity;
  /** The Deployment (escape hatch: `deployment.addJsonPatch(...)`). */
  public readonly deployment: ApiObject;

  public constructor(scope: Construct, id: string, props: OidcDiscoveryProviderProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.server instanceof SpireServer)) {
        throw invalidProp('server', props.server, 'Give the SpireServer whose JWT-SVIDs relying parties verify.');
      }
      if (!(props.tls instanceof OidcTls)) {
        throw invalidProp('tls', props.tls, 'Use OidcTls.atIngress({ tlsSecretName }) or OidcTls.fromSecret({ secretName }).');
      }
      const server = props.server;
      const host = checkOidcIssuer(props.issuer, 'issuer');
      if (server.jwtIssuer !== props.issuer) {
        throw invalidProp(
          'issuer',
          props.issuer,
          `Server '${server.node.path}' has jwtIssuer ${show(server.jwtIssuer)}: its JWT-SVIDs would carry another \`iss\` than this discovery document, and relying parties refuse them. ` +
            `Set jwtIssuer on the SpireServer (or in SpireStack's 'server' options) to ${JSON.stringify(props.issuer)}, or use SpireStack's 'oidcDiscoveryProvider' option, which sets both.`,
        );
      }
      this.issuer = props.issuer;
      this.namespace = checkDnsLabel(props.namespace ?? 'spire-oidc', 'namespace');
      const ignoredBy = server.ignoredNamespaces.find((p) => new RegExp(p).test(this.namespace));
      if (ignoredBy !== undefined) {
        throw invalidProp(
          'namespace',
          this.namespace,
          `Server '${server.node.path}''s controller manager ignores this namespace (ignoreNamespaces "${ignoredBy}"), so the provider would get no identity and no keys. ` +
            "Give it a namespace of its own (default 'spire-oidc').",
        );
      }
      this.name = checkDnsLabel(props.name ?? 'spiffe-oidc-discovery-provider', 'name');
      const replicas = requireWholeNumber(props.replicas ?? 2, 'replicas', 1, '(2 or more for HA).');
      const labels = componentLabels(this.name, 'oidc-discovery-provider');
      const selector = selectorLabels(this.name, 'oidc-discovery-provider');

      // The variant renders what it needs (the Ingress) and says how the provider serves.
      const serving = props.tls.bind(this, { name: this.name, namespace: this.namespace, labels, host });
      this.config = new OidcDiscoveryProviderConfig({
        trustDomain: server.trustDomain,
        jwtIssuer: this.issuer,
        domains: [host, this.name, `${this.name}.${this.namespace}`, `${this.name}.${this.namespace}.svc`, ...(props.additionalDomains ?? [])],
        workloadApiSocketPath: `${WORKLOAD_API_MOUNT_PATH}/${WORKLOAD_API_SOCKET}`,
        pollInterval: props.pollInterval,
        servingCertFile: serving.servesTls ? { certFilePath: `${TLS_DIR}/tls.crt`, keyFilePath: `${TLS_DIR}/tls.key`, port: serving.containerPort } : undefined,
        insecurePort: serving.servesTls ? undefined : serving.containerPort,
        healthPort: HEALTH_PORT,
        setKeyUse: props.setKeyUse,
        logLevel: props.logLevel,
      });
      const conf = this.config.toJson();

      const serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        automountServiceAccountToken: false,
      });
      new k8s.KubeConfigMap(this, 'Config', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        data: { [CONFIG_FILE]: conf },
      });

      // The pod spec as every component of this library renders it: restricted security contexts,
      // probes on the health listener (ready once a JWT bundle was fetched), the config and TLS files.
      const httpGet = (path: string) => ({ path, port: k8s.IntOrString.fromString('healthz') });
      const files = [
        { name: 'config', mountPath: CONFIG_DIR, volume: { configMap: { name: this.name } } },
        ...(serving.secretName === undefined ? [] : [{ name: 'tls', mountPath: TLS_DIR, volume: { secret: { secretName: serving.secretName } } }]),
      ];
      this.deployment = new k8s.KubeDeployment(this, 'Resource', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          // The API server's defaults, written out as the Deployment always rendered them.
          minReadySeconds: 0,
          progressDeadlineSeconds: 600,
          replicas,
          selector: { matchLabels: selector },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromString('25%') } },
          template: {
            metadata: { labels, annotations: { [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(conf) } },
            spec: {
              automountServiceAccountToken: false,
              containers: [
                {
                  name: 'oidc-discovery-provider',
                  image: props.image ?? Images.OIDC_DISCOVERY_PROVIDER,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['-config', `${CONFIG_DIR}/${CONFIG_FILE}`],
                  ports: [
                    { name: serving.portName, containerPort: serving.containerPort, protocol: 'TCP' },
                    { name: 'healthz', containerPort: HEALTH_PORT, protocol: 'TCP' },
                  ],
                  securityContext: restrictedContainerSecurityContext(),
                  resources: renderResources(props.resources, { cpuRequest: '10m', memoryRequest: '32Mi', cpuLimit: '200m', memoryLimit: '128Mi' }),
                  readinessProbe: { httpGet: httpGet('/ready'), initialDelaySeconds: 5, periodSeconds: 5 },
                  livenessProbe: { httpGet: httpGet('/live'), initialDelaySeconds: 5, periodSeconds: 30, timeoutSeconds: 3 },
                  volumeMounts: files.map((f) => ({ name: f.name, mountPath: f.mountPath, readOnly: true })),
                },
              ],
              dnsPolicy: 'ClusterFirst',
              hostNetwork: false,
              restartPolicy: 'Always',
              securityContext: restrictedPodSecurityContext(),
              setHostnameAsFqdn: false,
              terminationGracePeriodSeconds: 30,
              volumes: files.map((f) => ({ name: f.name, ...f.volume })),
            },
          },
        },
      });

      // The provider's own identity: the agent hands out the JWT bundle only to registered workloads.
      this.identity = new WorkloadIdentity(this, 'Identity', {
        server,
        namespace: this.namespace,
        serviceAccount: serviceAccount.name,
      });
      this.identity.bind(this.deployment);

      new k8s.KubeService(this, 'Service', {
        metadata: { name: this.name, namespace: this.namespace, labels },
        spec: {
          type: 'ClusterIP',
          selector,
          ports: [{ name: serving.portName, port: serving.servicePort, targetPort: k8s.IntOrString.fromString(serving.portName), protocol: 'TCP' }],
        },
      });
      if (replicas > 1) {
        new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
          metadata: { name: this.name, namespace: this.namespace, labels },
          spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
        });
      }
      if (props.networkPolicy ?? true) {
        new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
          metadata: { name: this.name, namespace: this.namespace, labels },
          spec: {
            podSelector: { matchLabels: selector },
            policyTypes: ['Ingress', 'Egress'],
            ingress: [
              { ...(serving.allowFrom ? { from: serving.allowFrom } : {}), ports: [tcpPort(serving.containerPort)] },
              // Kubelet probes come from the node, whose address no selector matches.
              { ports: [tcpPort(HEALTH_PORT)] },
            ],
            // No egress (Egress in policyTypes, no rules; the API server stores an empty list as
            // none): the Workload API is a unix socket (CSI volume), and the provider resolves no names.
          },
        });
      }
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }
}
