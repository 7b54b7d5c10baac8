/**
 * A small client for the real Kubernetes API server of the suite: discovery, server-side apply,
 * get/list/create/delete, TokenRequest. Client-certificate authentication over TLS.
 */
import * as fs from 'fs';
import * as https from 'https';

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export class KubeError extends Error {
  public constructor(public readonly status: number, message: string) {
    super(message);
  }
}

/** The pod a token is bound to. */
export interface BoundPod {
  readonly name: string;
  readonly uid: string;
}

interface ResourceInfo {
  readonly plural: string;
  readonly namespaced: boolean;
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly resources = new Map<string, ResourceInfo>();

  public constructor(public readonly server: string, opts: { ca: string; cert: string; key: string }) {
    this.agent = new https.Agent({ ca: fs.readFileSync(opts.ca), cert: fs.readFileSync(opts.cert), key: fs.readFileSync(opts.key), keepAlive: true });
  }

  public close(): void {
    this.agent.destroy();
  }

  public request<T = any>(method: string, urlPath: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const url = new URL(urlPath, this.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(url, {
        method,
        agent: this.agent,
        headers: { Accept: 'application/json', ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}) },
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 400) {
            let msg = text;
            try { msg = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* not JSON */ }
            reject(new KubeError(status, `${method} ${urlPath}: ${status} ${msg}`));
            return;
          }
          try { resolve(text ? JSON.parse(text) : undefined); } catch { resolve(text as unknown as T); }
        });
      });
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath}: timed out`)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Reads the served resources of every group/version (again after CRDs are established). */
  public async discover(): Promise<void> {
    this.resources.clear();
    const add = async (gv: string, base: string) => {
      const list = await this.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', base);
      for (const r of list.resources) {
        if (!r.name.includes('/')) this.resources.set(`${gv}/${r.kind}`, { plural: r.name, namespaced: r.namespaced });
      }
    };
    await add('v1', '/api/v1');
    const groups = await this.request<{ groups: Array<{ versions: Array<{ groupVersion: string }> }> }>('GET', '/apis');
    for (const g of groups.groups) {
      for (const v of g.versions) await add(v.groupVersion, `/apis/${v.groupVersion}`);
    }
  }

  /** The REST path of an object (or of its collection when `name` is omitted). */
  public pathOf(apiVersion: string, kind: string, namespace?: string, name?: string): string {
    const info = this.resources.get(`${apiVersion}/${kind}`);
    if (!info) throw new Error(`the API server does not serve ${apiVersion} ${kind}`);
    const base = apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`;
    const ns = info.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
    return `${base}${ns}/${info.plural}${name ? `/${name}` : ''}`;
  }

  /** Server-side apply (field manager `spire-constructs-e2e`, unknown fields refused rather than pruned); returns the object as stored. */
  public apply(obj: KubeObject): Promise<KubeObject> {
    const p = this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    return this.request('PATCH', `${p}?fieldManager=spire-constructs-e2e&force=true&fieldValidation=Strict`, obj, 'application/apply-patch+yaml');
  }

  public get<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T> {
    return this.request('GET', this.pathOf(apiVersion, kind, namespace, name));
  }

  public async tryGet<T = KubeObject>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<T | undefined> {
    try {
      return await this.get<T>(apiVersion, kind, name, namespace);
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined;
      throw e;
    }
  }

  public async list<T = KubeObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    const q = labelSelector ? `?labelSelector=${encodeURIComponent(labelSelector)}` : '';
    const r = await this.request<{ items: T[] }>('GET', `${this.pathOf(apiVersion, kind, namespace)}${q}`);
    return r.items;
  }

  public create<T = KubeObject>(obj: KubeObject): Promise<T> {
    return this.request('POST', this.pathOf(obj.apiVersion, obj.kind, obj.metadata.namespace), obj);
  }

  public delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<unknown> {
    return this.request('DELETE', this.pathOf(apiVersion, kind, namespace, name));
  }

  /** A service account token from the TokenRequest API, bound to a pod when `pod` is given. */
  public async tokenRequest(namespace: string, serviceAccount: string, audiences: string[], expirationSeconds: number, pod?: BoundPod): Promise<string> {
    const r = await this.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: {
        audiences,
        expirationSeconds,
        ...(pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid } } : {}),
      },
    });
    return r.status.token;
  }
}
