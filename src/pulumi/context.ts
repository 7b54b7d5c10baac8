import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { IConstruct } from 'constructs';
// From the package index, not the modules: the Pulumi bundle takes the library from lib/bundle/index.js (scripts/bundle.ts).
import { FederatedTrustDomain } from '..';

/**
 * What Pulumi components of one program share: the cdk8s App their constructs live in, so that
 * identities see their server, policies their identities, and cross-identity checks span them.
 * Created by the component that starts a tree (SpireStack, SpireServer) and handed explicitly to
 * the components built on it; never found through the construct tree, never public.
 *
 * @internal
 */
export class RenderContext {
  /** The cdk8s App of this tree (one per SpireStack or SpireServer component). */
  public readonly app = new App();
  /** The federations declared with the tree's server, by foreign trust domain name. */
  public readonly federations = new Map<string, FederatedTrustDomain>();
  /** The tree's namespaces and CRDs (ConfigGroups), which everything registered later depends on. */
  public readonly foundation: pulumi.Resource[] = [];
  /** CRDs the tree creates. */
  public readonly definedCrds = new Set<string>();
  private readonly prerequisites = new Map<string, pulumi.Resource>();

  /**
   * @param checkPrerequisites read each CRD the tree needs but does not create before its objects
   *   are applied, so a missing one fails at once, by name, instead of retrying every object
   * @param root the component that started the tree (parent of the reads)
   * @param rootName its name (the reads' names start with it: unique per tree)
   */
  public constructor(public readonly checkPrerequisites: boolean, private readonly root: pulumi.ComponentResource, private readonly rootName: string) {}

  /** A read of a CRD the tree needs (one per CRD and tree). */
  public prerequisite(crd: string, provider: pulumi.ProviderResource | undefined): pulumi.Resource {
    let found = this.prerequisites.get(crd);
    if (!found) {
      found = k8s.apiextensions.v1.CustomResourceDefinition.get(`${this.rootName}-requires-${crd}`, crd, { parent: this.root, ...(provider ? { provider } : {}) });
      this.prerequisites.set(crd, found);
    }
    return found;
  }
}

/** Components of this library, and the identities a WorkloadIdentities component holds. */
const components = new WeakMap<object, { readonly context: RenderContext; readonly construct: IConstruct }>();

/** Records a component's (or a batch identity's) context and construct (kept out of its public surface). @internal */
export function attach(component: object, context: RenderContext, construct: IConstruct): void {
  components.set(component, { context, construct });
}

/** The context of a component of this library (or of one identity of a WorkloadIdentities component). @internal */
export function contextOf(component: object): RenderContext {
  const found = components.get(component);
  if (!found) {
    throw new Error(`${String(component)} is not a spire-constructs component, or its constructor failed.`);
  }
  return found.context;
}

/** The construct behind a component of this library (or one identity of a WorkloadIdentities component). @internal */
export function constructOf<T extends IConstruct>(component: object, type: abstract new (...args: never[]) => T): T {
  const found = components.get(component);
  if (!found || !(found.construct instanceof type)) {
    throw new Error(`${String(component)} is not a spire-constructs ${type.name} component, or its constructor failed.`);
  }
  return found.construct;
}

/**
 * The component's args as the engine records them (component inputs): plain data only. Values
 * with a text form (TrustDomain, SpiffeId) become that text, our components their SPIFFE ID,
 * other class instances (variants such as a ServerDatabase) the name of their class; Pulumi
 * resources and functions are left out.
 *
 * @internal
 */
export function componentInputs(args: object): pulumi.Inputs {
  return plain(args) as pulumi.Inputs;
}

function plain(value: unknown): unknown {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
  if (Array.isArray(value)) return value.map(plain).filter((v) => v !== undefined);
  if (typeof value !== 'object') return undefined;
  if (pulumi.Resource.isInstance(value)) {
    const id = (value as { spiffeId?: unknown }).spiffeId;
    return typeof id === 'string' ? id : undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const text = String(value);
    return text !== '[object Object]' ? text : (value as object).constructor.name;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = plain(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}
