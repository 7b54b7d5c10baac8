import { ApiObject, JsonPatch } from 'cdk8s';
import type * as plus from 'cdk8s-plus-28';
import { SPIFFE_CSI_DRIVER, WORKLOAD_API_MOUNT_PATH, WORKLOAD_API_SOCKET, WORKLOAD_API_VOLUME as VOLUME_NAME, WorkloadApi } from '../csi/workload-api';
import { sortedKeys } from '../k8s/kube';
import { invalidProp } from '../validation';

/** A cdk8s-plus workload `WorkloadIdentity.bind()` takes. */
export type PlusWorkload = plus.Deployment | plus.StatefulSet | plus.DaemonSet;

/** The kinds whose pod template `WorkloadIdentity.bind()` edits, when given as an ApiObject. */
const POD_TEMPLATE_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** `SPIFFE_ENDPOINT_SOCKET` of a container with the Workload API mounted. */
const SOCKET = `unix://${WORKLOAD_API_MOUNT_PATH}/${WORKLOAD_API_SOCKET}`;

/**
 * A workload bound to an identity, whichever way it is written: what the identity and the meshes
 * read from its pod template and add to it.
 *
 * @internal
 */
export abstract class BoundWorkload {
  /** The workload as given to `bind()`: a cdk8s-plus workload, or an ApiObject of a pod-template kind. */
  public static of(workload: PlusWorkload | ApiObject): BoundWorkload {
    return workload instanceof ApiObject ? new ApiObjectWorkload(workload) : new PlusBoundWorkload(workload);
  }

  /** The construct given to `bind()`. */
  public abstract readonly construct: PlusWorkload | ApiObject;
  /** Its namespace (metadata). */
  public abstract readonly namespace: string | undefined;
  /** The service account its pods run as, if set. */
  public abstract serviceAccountName(): string | undefined;
  /** Sets the service account its pods run as. */
  public abstract setServiceAccountName(name: string): void;
  /** The labels of its pods. */
  public abstract podLabels(): Record<string, string>;
  /** Adds a label to its pods. */
  public abstract addPodLabel(key: string, value: string): void;
  /** Adds an annotation to its pods. */
  public abstract addPodAnnotation(key: string, value: string): void;
  /** The names of its containers (init containers not included). */
  public abstract containerNames(): string[];
  /** The ports its containers declare. */
  public abstract containerPorts(): number[];
  /** Throws if the Workload API cannot be mounted into the named containers (or every container) as they are. */
  public abstract checkWorkloadApi(containers: string[] | undefined): void;
  /** Mounts the Workload API (CSI volume, mount, `SPIFFE_ENDPOINT_SOCKET`) into the named containers, or every container; checkWorkloadApi first. */
  public abstract mountWorkloadApi(containers: string[] | undefined): void;

  /** The construct's path, for messages. */
  public get path(): string {
    return this.construct.node.path;
  }
}

class PlusBoundWorkload extends BoundWorkload {
  public constructor(public readonly construct: PlusWorkload) {
    super();
  }
  public get namespace(): string | undefined {
    return ApiObject.of(this.construct).metadata.namespace;
  }
  public serviceAccountName(): string | undefined {
    return this.construct.serviceAccount?.name;
  }
  public setServiceAccountName(name: string): void {
    ApiObject.of(this.construct).addJsonPatch(JsonPatch.add('/spec/template/spec/serviceAccountName', name));
  }
  public podLabels(): Record<string, string> {
    return { ...((this.construct.podMetadata.toJson() as { labels?: Record<string, string> }).labels ?? {}) };
  }
  public addPodLabel(key: string, value: string): void {
    this.construct.podMetadata.addLabel(key, value);
  }
  public addPodAnnotation(key: string, value: string): void {
    this.construct.podMetadata.addAnnotation(key, value);
  }
  public containerNames(): string[] {
    return this.construct.containers.map((c) => c.name);
  }
  public containerPorts(): number[] {
    return this.construct.containers.flatMap((c) => c.ports.map((p) => p.number));
  }
  public checkWorkloadApi(): void {
    // WorkloadApi.mount keeps what a container already has and refuses nothing a bind would not.
  }
  public mountWorkloadApi(containers: string[] | undefined): void {
    WorkloadApi.mount(this.construct, { containers: containers ? this.construct.containers.filter((c) => containers.includes(c.name)) : undefined });
  }
}

interface PodTemplateJson {
  readonly metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly spec?: {
    readonly serviceAccountName?: string;
    readonly serviceAccount?: string;
    readonly volumes?: ReadonlyArray<{ readonly name?: string; readonly csi?: { readonly driver?: string } }>;
    readonly containers?: ReadonlyArray<ContainerJson>;
  };
}
interface ContainerJson {
  readonly name?: string;
  readonly ports?: ReadonlyArray<{ readonly containerPort?: number }>;
  readonly volumeMounts?: ReadonlyArray<{ readonly name?: string }>;
  readonly env?: ReadonlyArray<{ readonly name?: string; readonly value?: string }>;
}

/**
 * An ApiObject of a pod-template kind (a Deployment from `Include`, a generated L1 class, a plain
 * ApiObject): read from what it renders now, edited by JSON patches, which cdk8s applies after
 * rendering it, whoever wrote it. Each edit replaces the smallest object that holds it (a label
 * map, the pod spec, one container) with its keys in the order cdk8s renders them, so the result
 * reads as if the fields had been there from the start.
 */
class ApiObjectWorkload extends BoundWorkload {
  private static readonly TEMPLATE = '/spec/template';

  public constructor(public readonly construct: ApiObject) {
    super();
    if (construct.apiVersion !== 'apps/v1' || !POD_TEMPLATE_KINDS.includes(construct.kind)) {
      throw invalidProp(
        'workload',
        `${construct.apiVersion}/${construct.kind}`,
        `Workload '${construct.node.path}': bind a cdk8s-plus Deployment, StatefulSet or DaemonSet, or an ApiObject of apps/v1 ${POD_TEMPLATE_KINDS.join(', ')}.`,
      );
    }
    const template = this.template();
    if (template.spec === undefined || template.spec.containers === undefined) {
      throw invalidProp('workload', `${construct.kind} ${construct.name}`, `Workload '${construct.node.path}' has no spec.template.spec.containers; give it its containers before binding it.`);
    }
  }
  public get namespace(): string | undefined {
    return this.construct.metadata.namespace;
  }
  private template(): PodTemplateJson {
    return ((this.construct.toJson() as { spec?: { template?: PodTemplateJson } }).spec?.template ?? {}) as PodTemplateJson;
  }
  private containers(): ReadonlyArray<ContainerJson> {
    return this.template().spec?.containers ?? [];
  }
  /** Sets the object member at `path` to `value` (keys sorted), whether or not it is there yet. */
  private put(path: string, value: Record<string, unknown>): void {
    this.construct.addJsonPatch(JsonPatch.add(path, sortedKeys(value)));
  }
  /** Replaces the array element at `path` with `value` (keys sorted); `add` would insert it before. */
  private replaceElement(path: string, value: Record<string, unknown>): void {
    this.construct.addJsonPatch(JsonPatch.replace(path, sortedKeys(value)));
  }
  /** Adds `key: value` to the template's metadata map `field`, unless it is there already. */
  private addToMetadata(field: 'labels' | 'annotations', key: string, value: string): void {
    const metadata = this.template().metadata ?? {};
    if (metadata[field]?.[key] === value) return;
    this.put(`${ApiObjectWorkload.TEMPLATE}/metadata`, { ...metadata, [field]: sortedKeys({ ...metadata[field], [key]: value }) });
  }
  public serviceAccountName(): string | undefined {
    const spec = this.template().spec;
    return spec?.serviceAccountName ?? spec?.serviceAccount;
  }
  public setServiceAccountName(name: string): void {
    this.put(`${ApiObjectWorkload.TEMPLATE}/spec`, { ...this.template().spec, serviceAccountName: name });
  }
  public podLabels(): Record<string, string> {
    return { ...(this.template().metadata?.labels ?? {}) };
  }
  public addPodLabel(key: string, value: string): void {
    this.addToMetadata('labels', key, value);
  }
  public addPodAnnotation(key: string, value: string): void {
    this.addToMetadata('annotations', key, value);
  }
  public containerNames(): string[] {
    return this.containers().map((c) => c.name ?? '');
  }
  public containerPorts(): number[] {
    return this.containers().flatMap((c) => (c.ports ?? []).flatMap((p) => (p.containerPort === undefined ? [] : [p.containerPort])));
  }
  public checkWorkloadApi(names: string[] | undefined): void {
    const spec = this.template().spec ?? {};
    const existing = (spec.volumes ?? []).find((v) => v.name === VOLUME_NAME);
    if (existing !== undefined && existing.csi?.driver !== SPIFFE_CSI_DRIVER) {
      throw invalidProp(
        'workload volumes',
        existing,
        `Workload '${this.path}' has a volume named "${VOLUME_NAME}" that is not the SPIFFE CSI driver's (${SPIFFE_CSI_DRIVER}); rename it, the Workload API mount uses that name.`,
      );
    }
    for (const [c] of this.targets(names)) {
      const env = (c.env ?? []).find((e) => e.name === 'SPIFFE_ENDPOINT_SOCKET');
      if (env !== undefined && env.value !== SOCKET) {
        throw invalidProp(
          'workload env',
          `SPIFFE_ENDPOINT_SOCKET=${env.value ?? ''}`,
          `Container "${c.name ?? ''}" of workload '${this.path}' points SPIFFE_ENDPOINT_SOCKET elsewhere; the Workload API is mounted at ${SOCKET}. Remove the variable.`,
        );
      }
    }
  }
  /** The containers that get the Workload API, each with its index. */
  private targets(names: string[] | undefined): Array<[ContainerJson, number]> {
    return this.containers()
      .map((c, i): [ContainerJson, number] => [c, i])
      .filter(([c]) => names === undefined || names.includes(c.name ?? ''));
  }
  public mountWorkloadApi(names: string[] | undefined): void {
    const spec = this.template().spec ?? {};
    const podSpec = `${ApiObjectWorkload.TEMPLATE}/spec`;
    if (!(spec.volumes ?? []).some((v) => v.name === VOLUME_NAME)) {
      this.put(podSpec, { ...spec, volumes: [...(spec.volumes ?? []), { csi: { driver: SPIFFE_CSI_DRIVER, readOnly: true }, name: VOLUME_NAME }] });
    }
    for (const [c, i] of this.targets(names)) {
      const mounted = (c.volumeMounts ?? []).some((m) => m.name === VOLUME_NAME);
      const env = (c.env ?? []).some((e) => e.name === 'SPIFFE_ENDPOINT_SOCKET');
      if (mounted && env) continue;
      this.replaceElement(`${podSpec}/containers/${i}`, {
        ...c,
        env: env ? c.env : [...(c.env ?? []), { name: 'SPIFFE_ENDPOINT_SOCKET', value: SOCKET }],
        volumeMounts: mounted ? c.volumeMounts : [...(c.volumeMounts ?? []), { mountPath: WORKLOAD_API_MOUNT_PATH, name: VOLUME_NAME, readOnly: true }],
      });
    }
  }
}
