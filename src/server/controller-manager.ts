import { Construct } from 'constructs';
import { CONTROLLER_MANAGER_CONFIG_DIR, SOCKET_DIR } from './server-layout';
import { ControllerManagerConfig } from '../config/controller-manager-config';
import { Images } from '../images';
import { clusterScoped } from '../k8s/cluster-scoped';
import { k8s } from '../k8s/kube';
import { ContainerResources, renderResources } from '../k8s/resources';
import { restrictedContainerSecurityContext } from '../k8s/security';
import { checkEnum } from '../validation';

/** What happens to custom-resource writes while the controller manager's webhook is down. */
export enum WebhookFailurePolicy {
  /**
   * Admit (the default). GitOps-safe: one `kubectl apply` of everything works before the
   * controller manager has started and patched its CA into the webhook; the manager still
   * reports render failures in each resource's status.
   */
  IGNORE = 'Ignore',
  /** Refuse writes while the webhook cannot be reached. */
  FAIL = 'Fail',
}

/** Options of the spire-controller-manager sidecar. */
export interface ControllerManagerOptions {
  /**
   * Run the controller manager (registration through ClusterSPIFFEID resources).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Image.
   * @default Images.CONTROLLER_MANAGER (pinned)
   */
  readonly image?: string;
  /**
   * Class name: only identities with this `className` are reconciled.
   * @default '<namespace>-spire'
   */
  readonly className?: string;
  /**
   * Namespaces (regular expressions) never given entries, in addition to kube-system,
   * kube-public and the SPIRE namespaces.
   * @default - none
   */
  readonly extraIgnoreNamespaces?: string[];
  /**
   * failurePolicy of the validating webhook.
   * @default WebhookFailurePolicy.IGNORE
   */
  readonly webhookFailurePolicy?: WebhookFailurePolicy;
  /**
   * Resources of the container.
   * @default - requests 50m/64Mi, limits 500m/256Mi
   */
  readonly resources?: ContainerResources;
}

/** Where the controller manager runs: the server it sidecars. @internal */
export interface ControllerManagerHost {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

/**
 * The spire-controller-manager sidecar of a server: its config, container, volumes, RBAC,
 * webhook Service and ValidatingWebhookConfiguration.
 *
 * @internal
 */
export class ControllerManager {
  /** Name of the ValidatingWebhookConfiguration (cluster-scoped: the namespace keeps it unique). */
  public static webhookConfigurationName(namespace: string): string {
    return `${namespace}-spire-controller-manager-webhook`;
  }

  public readonly config: ControllerManagerConfig;
  private readonly failurePolicy: WebhookFailurePolicy;

  public constructor(
    private readonly host: ControllerManagerHost,
    private readonly options: ControllerManagerOptions,
    config: ControllerManagerConfig,
  ) {
    this.config = config;
    this.failurePolicy = checkEnum(options.webhookFailurePolicy ?? WebhookFailurePolicy.IGNORE, 'controllerManager.webhookFailurePolicy', WebhookFailurePolicy);
  }

  private get objectName(): string {
    return `${this.host.name}-controller-manager`;
  }

  public container(): k8s.Container {
    const cm = this.config;
    return {
      name: 'spire-controller-manager',
      image: this.options.image ?? Images.CONTROLLER_MANAGER,
      imagePullPolicy: 'IfNotPresent',
      args: [`--config=${CONTROLLER_MANAGER_CONFIG_DIR}/controller-manager-config.yaml`],
      env: [{ name: 'ENABLE_WEBHOOKS', value: 'true' }],
      ports: [
        { name: 'webhook', containerPort: cm.webhookPort, protocol: 'TCP' },
        { name: 'cm-health', containerPort: cm.healthPort, protocol: 'TCP' },
        { name: 'cm-metrics', containerPort: cm.metricsPort, protocol: 'TCP' },
      ],
      livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('cm-health') }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('cm-health') }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      resources: renderResources(this.options.resources, { cpuRequest: '50m', memoryRequest: '64Mi', cpuLimit: '500m', memoryLimit: '256Mi' }),
      securityContext: restrictedContainerSecurityContext(),
      volumeMounts: [
        { name: 'controller-manager-config', mountPath: CONTROLLER_MANAGER_CONFIG_DIR, readOnly: true },
        // The admin socket: connecting to a unix socket needs no write access to the mount.
        { name: 'spire-server-socket', mountPath: SOCKET_DIR, readOnly: true },
        { name: 'controller-manager-tmp', mountPath: '/tmp' },
      ],
    };
  }

  public volumes(): k8s.Volume[] {
    return [
      { name: 'controller-manager-config', configMap: { name: this.objectName } },
      { name: 'controller-manager-tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
    ];
  }

  /** The ConfigMap, RBAC, leader election, webhook Service and webhook configuration, in `scope`. */
  public addObjects(scope: Construct): void {
    const { labels, namespace, selector } = this.host;
    const subject = { kind: 'ServiceAccount', name: this.host.serviceAccountName, namespace };
    const name = this.objectName;
    const webhookConfigurationName = ControllerManager.webhookConfigurationName(namespace);
    new k8s.KubeConfigMap(scope, 'ControllerManagerConfig', {
      metadata: { name, namespace, labels },
      data: { 'controller-manager-config.yaml': this.config.toYaml() },
    });
    const clusterRoleName = `${namespace}-spire-controller-manager`;
    const crds = ['clusterfederatedtrustdomains', 'clusterspiffeids', 'clusterstaticentries'];
    clusterScoped(new k8s.KubeClusterRole(scope, 'ControllerManagerClusterRole', {
      metadata: { name: clusterRoleName, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'nodes', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['admissionregistration.k8s.io'], resources: ['validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch'] },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations'],
          resourceNames: [webhookConfigurationName],
          verbs: ['patch'],
        },
        { apiGroups: ['spire.spiffe.io'], resources: crds, verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['spire.spiffe.io'], resources: crds.map((c) => `${c}/finalizers`), verbs: ['update'] },
        { apiGroups: ['spire.spiffe.io'], resources: crds.map((c) => `${c}/status`), verbs: ['get', 'patch', 'update'] },
      ],
    }));
    clusterScoped(new k8s.KubeClusterRoleBinding(scope, 'ControllerManagerClusterRoleBinding', {
      metadata: { name: clusterRoleName, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRoleName },
      subjects: [subject],
    }));
    // Leader election: its Lease and events, in the server namespace only.
    new k8s.KubeRole(scope, 'LeaderElectionRole', {
      metadata: { name: `${name}-leader-election`, namespace, labels },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
      ],
    });
    new k8s.KubeRoleBinding(scope, 'LeaderElectionRoleBinding', {
      metadata: { name: `${name}-leader-election`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-leader-election` },
      subjects: [subject],
    });
    const webhookService = `${name}-webhook`;
    new k8s.KubeService(scope, 'WebhookService', {
      metadata: { name: webhookService, namespace, labels },
      spec: { selector, ports: [{ name: 'https', port: 443, targetPort: k8s.IntOrString.fromString('webhook'), protocol: 'TCP' }] },
    });
    const hook = (kind: string, plural: string) => ({
      name: `v${kind}.kb.io`,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: this.failurePolicy,
      timeoutSeconds: 10,
      // No caBundle: the controller manager patches in a SPIRE-issued CA itself.
      clientConfig: { service: { name: webhookService, namespace, path: `/validate-spire-spiffe-io-v1alpha1-${kind}`, port: 443 } },
      rules: [{ apiGroups: ['spire.spiffe.io'], apiVersions: ['v1alpha1'], operations: ['CREATE', 'UPDATE'], resources: [plural] }],
    });
    clusterScoped(new k8s.KubeValidatingWebhookConfiguration(scope, 'Webhook', {
      metadata: { name: webhookConfigurationName, labels },
      webhooks: [hook('clusterfederatedtrustdomain', 'clusterfederatedtrustdomains'), hook('clusterspiffeid', 'clusterspiffeids')],
    }));
  }
}
