/**
 * Stands in for the kubelet (there is none here): runs one container of a real Pod, as the real
 * API server stores it (created by the real StatefulSet/DaemonSet controller, placed by the real
 * scheduler on a kwok node), as a local process in a private mount namespace:
 *
 * - each volumeMount is a bind mount at the container's own path: ConfigMaps and Secrets read from
 *   the API server, projected service account tokens from the TokenRequest API bound to the pod
 *   (the in-cluster credentials included: admission added them to the Pod), emptyDirs, the pod's
 *   PersistentVolumeClaims and hostPaths as per-pod/per-node folders, and `csi.spiffe.io` volumes
 *   as the node's agent socket directory (what the SPIFFE CSI driver mounts);
 * - env from `value`, `secretKeyRef`, `configMapKeyRef` and `fieldRef`;
 * - the root filesystem read-only when `readOnlyRootFilesystem`, and the process under
 *   `runAsUser`/`runAsGroup` with the pod's `fsGroup`; a root container that drops ALL
 *   capabilities keeps only the ones it adds (bounding set);
 * - init containers run to completion, in order, before the container (`runInitContainers`);
 * - /etc/hosts resolves the Services the container names (stand-in for cluster DNS) to the
 *   loopback addresses of the processes that serve them;
 * - the pod's own address is a loopback address: the caller rewrites bind addresses `0.0.0.0` to
 *   it (the only change besides file locations the suite allows, and asserts).
 *
 * What it cannot do: run the image. The image's entrypoint is mapped to the binary built from the
 * same version's source.
 */
import * as fs from 'fs';
import * as path from 'path';
import { KubeClient } from './kube';
import { Proc, start } from './proc';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Pod = any;

export interface RunContainerOptions {
  readonly kube: KubeClient;
  readonly runDir: string;
  readonly pod: Pod;
  readonly container: string;
  /** The image's entrypoint: the binary and the arguments the image puts before `args`. */
  readonly entrypoint: readonly string[];
  /** Host names and the loopback addresses they resolve to inside the container. */
  readonly hosts: Record<string, string[]>;
  /** The pod's loopback address (status.podIP). */
  readonly podIp: string;
  /** Files to place over ConfigMap keys before start (e.g. the config with bind addresses rewritten): volume name → key → content. */
  readonly overrides?: Record<string, Record<string, string>>;
  /** Environment overrides (named in the test and E2E.md). */
  readonly envOverrides?: Record<string, string>;
  /** Host folder of hostPath volumes (per node). */
  readonly hostPathRoot?: string;
  readonly name?: string;
  /** Run one of the pod's init containers instead of a container. */
  readonly init?: boolean;
  /**
   * Host folder behind `csi.spiffe.io` volumes: the agent's socket directory on the node, which
   * the SPIFFE CSI driver bind-mounts into pods (read-only).
   */
  readonly spiffeCsiDir?: string;
}

export interface RunningContainer {
  readonly proc: Proc;
  /** Host folder behind each volume, by volume name. */
  readonly volumes: Record<string, string>;
}

function writeFiles(dir: string, data: Record<string, string>, items: Array<{ key: string; path: string }> | undefined, mode: number): void {
  fs.mkdirSync(dir, { recursive: true });
  const entries = items ? items.map((i) => [i.path, data[i.key]] as const) : Object.entries(data);
  for (const [p, v] of entries) {
    if (v === undefined) throw new Error(`volume item ${p} has no data`);
    const file = path.join(dir, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, v, { mode });
  }
}

const shq = (s: string) => `'${s.replace(/'/g, '\'\\\'\'')}'`;

export async function runContainer(o: RunContainerOptions): Promise<RunningContainer> {
  const { kube, pod } = o;
  const ns: string = pod.metadata.namespace;
  const podName: string = pod.metadata.name;
  const c = (o.init ? pod.spec.initContainers ?? [] : pod.spec.containers).find((x: any) => x.name === o.container);
  if (!c) throw new Error(`pod ${ns}/${podName} has no container ${o.container}`);
  const base = path.join(o.runDir, 'pods', `${ns}_${podName}`);
  const podSc = pod.spec.securityContext ?? {};
  const sc = c.securityContext ?? {};
  const uid: number = sc.runAsUser ?? podSc.runAsUser ?? 0;
  const gid: number = sc.runAsGroup ?? podSc.runAsGroup ?? uid;
  const fsGroup: number | undefined = podSc.fsGroup;
  const owner = (dir: string) => fs.chownSync(dir, uid, fsGroup ?? gid);
  const bound = { name: podName, uid: pod.metadata.uid as string };

  for (const m of c.volumeMounts ?? []) {
    if (o.runDir === m.mountPath || o.runDir.startsWith(`${m.mountPath}/`)) {
      throw new Error(`${ns}/${podName} ${o.container} mounts a volume at ${m.mountPath}, over the suite's run folder ${o.runDir}`);
    }
  }
  // The volumes this container mounts. Volumes with state (emptyDir, PVC, hostPath) are shared by
  // the pod's containers and kept across restarts; ConfigMaps, Secrets and tokens are written anew.
  const mounted = new Set((c.volumeMounts ?? []).map((m: any) => m.name));
  const volumes: Record<string, string> = {};
  for (const v of (pod.spec.volumes ?? []).filter((x: any) => mounted.has(x.name))) {
    // Written volumes are per container: rewriting a folder another running container has mounted
    // would leave that container looking at a deleted folder.
    const written = !!(v.configMap || v.secret || v.projected);
    const dir = path.join(base, 'volumes', written ? `${o.container}-${v.name}` : v.name);
    volumes[v.name] = dir;
    if (fs.existsSync(dir) && (v.persistentVolumeClaim || v.hostPath || v.emptyDir)) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    if (v.configMap) {
      const cm: any = await kube.get('v1', 'ConfigMap', v.configMap.name, ns);
      writeFiles(dir, { ...(cm.data ?? {}), ...(o.overrides?.[v.name] ?? {}) }, v.configMap.items, v.configMap.defaultMode ?? 0o644);
    } else if (v.secret) {
      const s: any = await kube.get('v1', 'Secret', v.secret.secretName, ns);
      const data = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, b]) => [k, Buffer.from(String(b), 'base64').toString('utf8')]));
      writeFiles(dir, data, v.secret.items, 0o644);
    } else if (v.projected) {
      const data: Record<string, string> = {};
      for (const src of v.projected.sources) {
        if (src.serviceAccountToken) {
          const t = src.serviceAccountToken;
          data[t.path] = await kube.tokenRequest(ns, pod.spec.serviceAccountName, [t.audience ?? 'https://kubernetes.default.svc.cluster.local'], t.expirationSeconds ?? 3600, bound);
        } else if (src.configMap) {
          const cm: any = await kube.get('v1', 'ConfigMap', src.configMap.name, ns);
          for (const it of src.configMap.items ?? Object.keys(cm.data ?? {}).map((k) => ({ key: k, path: k }))) data[it.path] = cm.data[it.key];
        } else if (src.downwardAPI) {
          for (const it of src.downwardAPI.items) if (it.fieldRef?.fieldPath === 'metadata.namespace') data[it.path] = ns;
        } else {
          throw new Error(`projected source not handled by the kubelet stand-in: ${JSON.stringify(src)}`);
        }
      }
      writeFiles(dir, data, undefined, 0o644);
    } else if (v.csi?.driver === 'csi.spiffe.io') {
      // What the SPIFFE CSI driver does: the node's agent socket directory, bind-mounted.
      if (!o.spiffeCsiDir) throw new Error(`volume ${v.name} of ${ns}/${podName}: csi.spiffe.io needs the agent's socket directory (spiffeCsiDir)`);
      volumes[v.name] = o.spiffeCsiDir;
    } else if (v.emptyDir || v.persistentVolumeClaim || v.hostPath) {
      const hostDir = v.hostPath ? path.join(o.hostPathRoot ?? path.join(o.runDir, 'hosts', pod.spec.nodeName), v.hostPath.path) : dir;
      fs.mkdirSync(hostDir, { recursive: true });
      if (v.hostPath) {
        volumes[v.name] = hostDir;
      } else {
        owner(dir);
        fs.chmodSync(dir, 0o2770);
      }
    } else {
      throw new Error(`volume ${v.name} of ${ns}/${podName}: source not handled by the kubelet stand-in`);
    }
  }

  // The in-cluster credentials come with the Pod: the ServiceAccount admission plugin added the
  // projected `kube-api-access-*` volume and its mount, handled above like any projected volume.
  const mounts: Array<{ source: string; target: string; readOnly: boolean }> = [];
  for (const m of c.volumeMounts ?? []) {
    if (m.subPath) throw new Error(`subPath mounts are not handled by the kubelet stand-in (${m.name})`);
    mounts.push({ source: volumes[m.name], target: m.mountPath, readOnly: !!m.readOnly });
  }

  // A container's environment: the image's (HOME=/ for a user without a passwd entry), the
  // in-cluster API server's address, then the container's own env.
  const api = new URL(kube.server);
  const env: Record<string, string> = { HOME: '/', KUBERNETES_SERVICE_HOST: api.hostname, KUBERNETES_SERVICE_PORT: api.port || '443' };
  for (const e of c.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value;
    } else if (e.valueFrom?.secretKeyRef) {
      const s: any = await kube.get('v1', 'Secret', e.valueFrom.secretKeyRef.name, ns);
      env[e.name] = Buffer.from(s.data[e.valueFrom.secretKeyRef.key], 'base64').toString('utf8');
    } else if (e.valueFrom?.configMapKeyRef) {
      const cm: any = await kube.get('v1', 'ConfigMap', e.valueFrom.configMapKeyRef.name, ns);
      env[e.name] = cm.data[e.valueFrom.configMapKeyRef.key];
    } else if (e.valueFrom?.fieldRef) {
      const f: string = e.valueFrom.fieldRef.fieldPath;
      env[e.name] = ({ 'status.hostIP': pod.status?.hostIP ?? '127.0.0.1', 'status.podIP': o.podIp, 'spec.nodeName': pod.spec.nodeName, 'metadata.name': podName, 'metadata.namespace': ns } as Record<string, string>)[f];
    }
  }
  Object.assign(env, o.envOverrides ?? {});

  const hostsFile = path.join(base, `${o.container}.hosts`);
  fs.mkdirSync(base, { recursive: true });
  fs.writeFileSync(hostsFile, ['127.0.0.1 localhost', ...Object.entries(o.hosts).flatMap(([h, ips]) => ips.map((ip) => `${ip} ${h}`))].join('\n') + '\n');
  mounts.push({ source: hostsFile, target: '/etc/hosts', readOnly: true });

  // The sandbox: mounts first (targets created on the host's root while it is writable), then the
  // root read-only if the container asks for it, then drop to the container's user.
  const lines = ['set -e'];
  // Parents before children (as container runtimes order them): /tmp before /tmp/spire-server/private.
  const depth = (p: string) => p.split('/').filter(Boolean).length;
  mounts.sort((a, b) => depth(a.target) - depth(b.target));
  for (const m of mounts) {
    lines.push(fs.statSync(m.source).isDirectory() ? `mkdir -p ${shq(m.target)}` : `[ -e ${shq(m.target)} ] || touch ${shq(m.target)}`);
    lines.push(`mount --bind ${shq(m.source)} ${shq(m.target)}`);
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${shq(m.target)}`);
  }
  if (sc.readOnlyRootFilesystem) lines.push('mount -o remount,bind,ro /');
  const cmd = [...o.entrypoint, ...(c.command ?? []), ...(c.args ?? [])];
  const groups = fsGroup !== undefined ? `--groups=${fsGroup}` : '--clear-groups';
  // Capabilities: a root process that drops ALL keeps only what it adds (a non-root one has none).
  const dropsAll = (sc.capabilities?.drop ?? []).includes('ALL');
  const caps = uid === 0 && dropsAll
    ? `--bounding-set=-all${(sc.capabilities?.add ?? []).map((x: string) => `,+${x.toLowerCase()}`).join('')} --inh-caps=-all `
    : '';
  lines.push(`exec setpriv --reuid=${uid} --regid=${gid} ${groups} ${caps}-- ${cmd.map(shq).join(' ')}`);
  const script = path.join(base, `${o.container}.sandbox.sh`);
  fs.writeFileSync(script, lines.join('\n') + '\n');
  fs.mkdirSync(path.join(o.runDir, 'logs'), { recursive: true });
  const proc = start(path.join(o.runDir, 'logs'), o.name ?? `${podName}-${o.container}`, 'unshare', ['-m', '--propagation', 'private', 'sh', script], { env });
  return { proc, volumes };
}

/**
 * Runs the pod's init containers in order, each to completion (exit 0), as the kubelet does
 * before it starts the containers. `entrypoints` maps an image to its entrypoint here (the image
 * cannot be run: `sh` from busybox is the host's).
 */
export async function runInitContainers(o: Omit<RunContainerOptions, 'container' | 'entrypoint' | 'init'> & { readonly entrypoints: (image: string) => readonly string[] }): Promise<string[]> {
  const ran: string[] = [];
  for (const ic of o.pod.spec.initContainers ?? []) {
    const r = await runContainer({ ...o, container: ic.name, entrypoint: o.entrypoints(ic.image), init: true, name: `${o.pod.metadata.name}-init-${ic.name}` });
    const code = await r.proc.wait(60_000);
    if (code !== 0) throw new Error(`init container ${ic.name} of ${o.pod.metadata.namespace}/${o.pod.metadata.name} exited ${code}:\n${r.proc.tail()}`);
    ran.push(ic.name);
  }
  return ran;
}
