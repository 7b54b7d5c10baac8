import { Construct } from 'constructs';
import { SpireAgent } from '../agent/spire-agent';
import { Images } from '../images';
import { invalidProp, withConstructPath } from '../validation';
import { SPIFFE_CSI_DRIVER } from './workload-api';
import { clusterScoped } from '../k8s/cluster-scoped';
import { k8s } from '../k8s/kube';
import { componentLabels, selectorLabels } from '../k8s/labels';
import { ContainerResources, renderResources } from '../k8s/resources';
import { rootWithoutCapabilities } from '../k8s/security';
import { checkUniqueObjects } from '../k8s/unique-objects';

/** Properties of {@link SpiffeCsiDriver}. */
export interface SpiffeCsiDriverProps {
  /** The agent whose Workload API socket the driver hands to pods. */
  readonly agent: SpireAgent;
  /**
   * Name of the DaemonSet and ServiceAccount.
   * @default 'spiffe-csi-driver'
   */
  readonly name?: string;
  /**
   * The kubelet's root directory on the nodes.
   * @default '/var/lib/kubelet'
   */
  readonly kubeletPath?: string;
  /**
   * Driver image.
   * @default Images.CSI_DRIVER (pinned)
   */
  readonly image?: string;
  /**
   * node-driver-registrar image.
   * @default Images.CSI_NODE_DRIVER_REGISTRAR (pinned)
   */
  readonly registrarImage?: string;
  /**
   * Image of the CSI livenessprobe sidecar (the driver's liveness probe).
   * @default Images.CSI_LIVENESS_PROBE (pinned)
   */
  readonly livenessProbeImage?: string;
  /**
   * SELinux type for the driver container on SELinux-enforcing nodes (e.g. `spc_t`), so the
   * mounted socket is reachable from workload containers.
   * @default - no SELinux options
   */
  readonly seLinuxType?: string;
  /**
   * Priority class.
   * @default 'system-node-critical'
   */
  readonly priorityClassName?: string;
  /**
   * Resources of the driver container.
   * @default - requests 10m/32Mi, limits 100m/64Mi
   */
  readonly resources?: ContainerResources;
}

/**
 * The SPIFFE CSI driver: the `csi.spiffe.io` CSIDriver and a DaemonSet (driver and
 * node-driver-registrar) that mounts the agent's Workload API socket directory, read-only,
 * into pods that ask for it. The primary child (`Resource`) is the DaemonSet.
 */
export class SpiffeCsiDriver extends Construct {
  /** The CSI driver name. */
  public readonly driverName = SPIFFE_CSI_DRIVER;
  /** The DaemonSet. */
  public readonly daemonSet: k8s.KubeDaemonSet;

  public constructor(scope: Construct, id: string, props: SpiffeCsiDriverProps) {
    super(scope, id);
    try {
      checkUniqueObjects(this);
      if (!(props.agent instanceof SpireAgent)) {
        throw invalidProp('agent', props.agent, 'Give the SpireAgent whose socket the driver exposes.');
      }
      const agent = props.agent;
      const name = props.name ?? 'spiffe-csi-driver';
      const kubeletPath = props.kubeletPath ?? '/var/lib/kubelet';
      if (!kubeletPath.startsWith('/') || kubeletPath.endsWith('/')) {
        throw invalidProp('kubeletPath', kubeletPath, 'Use an absolute path without a trailing "/", e.g. /var/lib/kubelet.');
      }
      const labels = componentLabels(name, 'csi-driver');
      const selector = selectorLabels(name, 'csi-driver');
      const pluginDir = `${kubeletPath}/plugins/${SPIFFE_CSI_DRIVER}`;

      clusterScoped(
        new k8s.KubeCsiDriver(this, 'CsiDriver', {
          metadata: { name: SPIFFE_CSI_DRIVER, labels },
          spec: { attachRequired: false, podInfoOnMount: true, fsGroupPolicy: 'None', volumeLifecycleModes: ['Ephemeral'] },
        }),
      );
      new k8s.KubeServiceAccount(this, 'ServiceAccount', {
        metadata: { name, namespace: agent.namespace, labels },
        automountServiceAccountToken: false,
      });

      this.daemonSet = new k8s.KubeDaemonSet(this, 'Resource', {
        metadata: { name, namespace: agent.namespace, labels },
        spec: {
          selector: { matchLabels: selector },
          updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
          template: {
            metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': 'spiffe-csi-driver' } },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: false,
              priorityClassName: props.priorityClassName ?? 'system-node-critical',
              tolerations: [{ operator: 'Exists' }],
              securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
              containers: [
                {
                  name: 'spiffe-csi-driver',
                  image: props.image ?? Images.CSI_DRIVER,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['-workload-api-socket-dir', '/spire-agent-socket', '-plugin-name', SPIFFE_CSI_DRIVER, '-csi-socket-path', '/spiffe-csi/csi.sock'],
                  env: [{ name: 'MY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                  resources: renderResources(props.resources, { cpuRequest: '10m', memoryRequest: '32Mi', cpuLimit: '100m', memoryLimit: '64Mi' }),
                  securityContext: {
                    // PRIVILEGE: Bidirectional mount propagation into the kubelet's pods directory
                    // (how the driver mounts the socket into pods) requires a privileged container.
                    privileged: true,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                    seccompProfile: { type: 'RuntimeDefault' },
                    ...(props.seLinuxType ? { seLinuxOptions: { type: props.seLinuxType, level: 's0' } } : {}),
                  },
                  // The CSI livenessprobe sidecar answers for the driver (its CSI Probe call).
                  ports: [{ name: 'healthz', containerPort: 9808, protocol: 'TCP' }],
                  livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('healthz') }, initialDelaySeconds: 10, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
                  volumeMounts: [
                    // The agent's socket directory, read-only: the driver only bind-mounts it.
                    { name: 'spire-agent-socket-dir', mountPath: '/spire-agent-socket', readOnly: true },
                    { name: 'spiffe-csi-socket-dir', mountPath: '/spiffe-csi' },
                    { name: 'mountpoint-dir', mountPath: `${kubeletPath}/pods`, mountPropagation: 'Bidirectional' },
                  ],
                },
                {
                  name: 'liveness-probe',
                  image: props.livenessProbeImage ?? Images.CSI_LIVENESS_PROBE,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['--csi-address=/spiffe-csi/csi.sock', '--http-endpoint=:9808'],
                  resources: renderResources(undefined, { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '100m', memoryLimit: '32Mi' }),
                  securityContext: {
                    // PRIVILEGE: uid 0 (no capabilities): the CSI socket is in a root-owned host directory.
                    ...rootWithoutCapabilities(),
                  },
                  volumeMounts: [{ name: 'spiffe-csi-socket-dir', mountPath: '/spiffe-csi', readOnly: true }],
                },
                {
                  name: 'node-driver-registrar',
                  image: props.registrarImage ?? Images.CSI_NODE_DRIVER_REGISTRAR,
                  imagePullPolicy: 'IfNotPresent',
                  args: ['-csi-address', '/spiffe-csi/csi.sock', '-kubelet-registration-path', `${pluginDir}/csi.sock`, '-health-port', '9809'],
                  ports: [{ name: 'healthz', containerPort: 9809, protocol: 'TCP' }],
                  livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('healthz') }, initialDelaySeconds: 5, timeoutSeconds: 5 },
                  resources: renderResources(undefined, { cpuRequest: '10m', memoryRequest: '16Mi', cpuLimit: '100m', memoryLimit: '32Mi' }),
                  securityContext: {
                    // PRIVILEGE: uid 0 (no capabilities) writes the registration socket into the
                    // root-owned kubelet plugin registry on the host.
                    ...rootWithoutCapabilities(),
                  },
                  volumeMounts: [
                    { name: 'spiffe-csi-socket-dir', mountPath: '/spiffe-csi' },
                    { name: 'kubelet-plugin-registration-dir', mountPath: '/registration' },
                  ],
                },
              ],
              volumes: [
                { name: 'spire-agent-socket-dir', hostPath: { path: agent.socketDir, type: 'DirectoryOrCreate' } },
                { name: 'spiffe-csi-socket-dir', hostPath: { path: pluginDir, type: 'DirectoryOrCreate' } },
                { name: 'mountpoint-dir', hostPath: { path: `${kubeletPath}/pods`, type: 'Directory' } },
                { name: 'kubelet-plugin-registration-dir', hostPath: { path: `${kubeletPath}/plugins_registry`, type: 'Directory' } },
              ],
            },
          },
        },
      });
      // The driver and the registrar talk over unix sockets only: no egress at all (Egress in
      // policyTypes with no egress rules; the API server stores an empty list as none); ingress
      // for the health probes (from the node, whose address no selector matches).
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata: { name, namespace: agent.namespace, labels },
        spec: {
          podSelector: { matchLabels: selector },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(9808) }, { protocol: 'TCP', port: k8s.IntOrString.fromNumber(9809) }] }],
        },
      });
    } catch (e) {
      throw withConstructPath(e, this);
    }
  }
}
