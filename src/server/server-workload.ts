import { Construct } from 'constructs';
import { ControllerManager } from './controller-manager';
import { CONFIG_DIR, DATA_DIR, SERVER_PORTS, SOCKET_DIR } from './server-layout';
import { PodNeeds } from '../config/secret-mount';
import { CONFIG_CHECKSUM_ANNOTATION, configChecksum } from '../k8s/config-checksum';
import { k8s } from '../k8s/kube';
import { late } from '../k8s/late';
import { ContainerResources, renderResources } from '../k8s/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../k8s/security';
import { compareStrings } from '../order';
import { checkEnum, ValidationError } from '../validation';

/** How strictly server replicas are kept apart. */
export enum AntiAffinity {
  /** Never two replicas on one node (`requiredDuringSchedulingIgnoredDuringExecution`). */
  REQUIRED = 'required',
  /** Prefer different nodes. */
  PREFERRED = 'preferred',
  /** No anti-affinity. */
  NONE = 'none',
}

/** What the server's pods and Services are drawn from. @internal */
export interface ServerWorkloadInputs {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccountName: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
  readonly replicas: number;
  readonly image: string;
  readonly storageSize: string;
  readonly storageClass?: string;
  readonly resources?: ContainerResources;
  readonly priorityClassName: string;
  readonly antiAffinity: AntiAffinity;
  readonly zoneSpread: boolean;
  /** Secrets, Secret files and tokens of the datastore and the upstream authority. */
  readonly podNeeds: PodNeeds;
  readonly controllerManager?: ControllerManager;
  /** The rendered config files (read at synth). */
  readonly configFiles: () => { readonly serverConf: string; readonly checksumSource: string };
  /** The federation bundle endpoint's port when it is on (read at synth). */
  readonly federationPort: () => number | undefined;
}

/**
 * The server's StatefulSet (the primary child, `Resource`), its ServiceAccount, config
 * ConfigMap, ClusterIP and headless Services and PodDisruptionBudget.
 *
 * @internal
 */
export function addServerWorkload(scope: Construct, inputs: ServerWorkloadInputs): k8s.KubeStatefulSet {
  const { name, namespace, labels, selector } = inputs;
  const cm = inputs.controllerManager;
  const statefulSet = new k8s.KubeStatefulSet(scope, 'Resource', {
    metadata: { name, namespace, labels },
    spec: {
      replicas: inputs.replicas,
      serviceName: `${name}-headless`,
      // One at a time, each Ready before the next: replicas started together on an empty
      // PostgreSQL race on SPIRE's schema migration and crash (duplicate key on
      // pg_type_typname_nsp_index; reproduced by the end-to-end suite with `Parallel`).
      podManagementPolicy: 'OrderedReady',
      selector: { matchLabels: selector },
      template: {
        metadata: {
          labels,
          annotations: {
            'kubectl.kubernetes.io/default-container': 'spire-server',
            [CONFIG_CHECKSUM_ANNOTATION]: late(() => configChecksum(inputs.configFiles().checksumSource)),
          },
        },
        spec: {
          serviceAccountName: inputs.serviceAccountName,
          // The server calls TokenReview and the controller manager watches the API.
          automountServiceAccountToken: true,
          securityContext: restrictedPodSecurityContext(),
          priorityClassName: inputs.priorityClassName,
          affinity: affinity(selector, inputs.antiAffinity),
          topologySpreadConstraints: inputs.zoneSpread
            ? [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selector } }]
            : undefined,
          containers: [serverContainer(inputs), ...(cm ? [cm.container()] : [])],
          volumes: volumes(scope, inputs),
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'spire-data' },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: k8s.Quantity.fromString(inputs.storageSize) } },
            ...(inputs.storageClass ? { storageClassName: inputs.storageClass } : {}),
          },
        },
      ],
    },
  });

  new k8s.KubeServiceAccount(scope, 'ServiceAccount', {
    metadata: { name: inputs.serviceAccountName, namespace, labels },
    automountServiceAccountToken: false,
  });

  new k8s.KubeConfigMap(scope, 'Config', {
    metadata: { name, namespace, labels },
    data: { 'server.conf': late(() => inputs.configFiles().serverConf) },
  });

  new k8s.KubeService(scope, 'Service', {
    metadata: { name, namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: late(() => {
        const federationPort = inputs.federationPort();
        return [
          { name: 'grpc', port: SERVER_PORTS.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' },
          ...(federationPort !== undefined ? [{ name: 'federation', port: federationPort, targetPort: k8s.IntOrString.fromString('federation'), protocol: 'TCP' }] : []),
        ];
      }),
    },
  });
  new k8s.KubeService(scope, 'HeadlessService', {
    metadata: { name: `${name}-headless`, namespace, labels },
    spec: {
      clusterIp: 'None',
      publishNotReadyAddresses: true,
      selector,
      ports: [{ name: 'grpc', port: SERVER_PORTS.grpc, targetPort: k8s.IntOrString.fromString('grpc'), protocol: 'TCP' }],
    },
  });

  new k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: { name, namespace, labels },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
  });
  return statefulSet;
}

function affinity(selector: Record<string, string>, mode: AntiAffinity): k8s.Affinity | undefined {
  const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } };
  switch (checkEnum(mode, 'antiAffinity', AntiAffinity)) {
    case AntiAffinity.REQUIRED:
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case AntiAffinity.PREFERRED:
      return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
    default:
      return undefined;
  }
}

function serverContainer(inputs: ServerWorkloadInputs): k8s.Container {
  const needs = inputs.podNeeds;
  return {
    name: 'spire-server',
    image: inputs.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['-expandEnv', '-config', `${CONFIG_DIR}/server.conf`],
    env: [...needs.secretEnv]
      .sort((a, b) => compareStrings(a.env, b.env))
      .map((e) => ({ name: e.env, valueFrom: { secretKeyRef: { name: e.secret.name, key: e.secret.key } } })),
    ports: late(() => {
      const federationPort = inputs.federationPort();
      return [
        { name: 'grpc', containerPort: SERVER_PORTS.grpc, protocol: 'TCP' },
        { name: 'healthz', containerPort: SERVER_PORTS.health, protocol: 'TCP' },
        { name: 'metrics', containerPort: SERVER_PORTS.metrics, protocol: 'TCP' },
        ...(federationPort !== undefined ? [{ name: 'federation', containerPort: federationPort, protocol: 'TCP' }] : []),
      ];
    }),
    livenessProbe: {
      httpGet: { path: '/live', port: k8s.IntOrString.fromString('healthz') },
      initialDelaySeconds: 15,
      periodSeconds: 60,
      timeoutSeconds: 3,
      failureThreshold: 2,
    },
    readinessProbe: {
      httpGet: { path: '/ready', port: k8s.IntOrString.fromString('healthz') },
      initialDelaySeconds: 5,
      periodSeconds: 5,
    },
    resources: renderResources(inputs.resources, { cpuRequest: '100m', memoryRequest: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' }),
    securityContext: restrictedContainerSecurityContext(),
    volumeMounts: [
      { name: 'spire-config', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'spire-data', mountPath: DATA_DIR },
      { name: 'spire-server-socket', mountPath: SOCKET_DIR },
      ...needs.secretFiles.map((f) => ({ name: f.volume, mountPath: f.mountPath, readOnly: true })),
      ...needs.projectedTokens.map((t) => ({ name: t.volume, mountPath: t.mountPath, readOnly: true })),
    ],
  };
}

function volumes(scope: Construct, inputs: ServerWorkloadInputs): k8s.Volume[] {
  const needs = inputs.podNeeds;
  const all: k8s.Volume[] = [
    { name: 'spire-config', configMap: { name: inputs.name } },
    { name: 'spire-server-socket', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } },
    ...needs.secretFiles.map((f) => ({
      name: f.volume,
      secret: { secretName: f.secretName, defaultMode: 0o440, items: f.items.map((i) => ({ key: i.key, path: i.path })) },
    })),
    ...needs.projectedTokens.map((t) => ({
      name: t.volume,
      projected: { sources: [{ serviceAccountToken: { audience: t.audience, expirationSeconds: t.expirationSeconds, path: t.path } }] },
    })),
    ...(inputs.controllerManager?.volumes() ?? []),
  ];
  const names = new Set<string>();
  for (const v of all) {
    if (names.has(v.name)) {
      throw new ValidationError(`SpireServer '${scope.node.path}': two plugins need a volume named '${v.name}'; give their Secrets different roles.`);
    }
    names.add(v.name);
  }
  return all;
}

