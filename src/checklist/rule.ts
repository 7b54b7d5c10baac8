/** A Kubernetes object as rendered (plain JSON). */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** How serious a finding is. */
export enum Level {
  /** Fails synth (unless acknowledged). */
  ERROR = 'ERROR',
  /** Goes to the report; the production example has none unacknowledged. */
  WARN = 'WARN',
  /** Information only. */
  INFO = 'INFO',
}

/** One problem a rule found in one object. */
export interface RuleHit {
  /** The object, as `kind namespace/name` (or `kind name` when cluster-scoped). */
  readonly object: string;
  /** What is wrong, in one sentence. */
  readonly message: string;
}

/** A production-checklist rule: a pure function over rendered manifests plus its metadata. */
export interface Rule {
  /** Stable id, never renumbered (e.g. `SPIRE-SRV1`). */
  readonly id: string;
  /** Level of its findings. */
  readonly level: Level;
  /** The rule in one line (what must hold). */
  readonly title: string;
  /** Why the rule exists. */
  readonly reason: string;
  /** How to fix a finding, in this library's props and constructs. */
  readonly fix: string;
  /**
   * How to fix a finding in manifests not made by spire-constructs (a Helm chart's, hand-written):
   * the Kubernetes or SPIRE field to change, naming none of this library's props.
   * @default - `fix` is printed for every manifest
   */
  readonly neutralFix?: string;
  /** Finds the objects that break the rule. */
  check(objects: ReadonlyArray<KubeObject>): RuleHit[];
}

/** The label that marks the objects spire-constructs renders. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** Its value. */
export const MANAGED_BY = 'spire-constructs';

/**
 * Whether manifests were made by spire-constructs: an object whose `app.kubernetes.io/managed-by`
 * label names another tool (Helm) is not; an object without the label is when any object of the
 * set carries `app.kubernetes.io/managed-by: spire-constructs`.
 */
export function madeBySpireConstructs(object: KubeObject | undefined, all: ReadonlyArray<KubeObject>): boolean {
  const label = object?.metadata?.labels?.[MANAGED_BY_LABEL];
  if (label !== undefined) return label === MANAGED_BY;
  return all.some((o) => o?.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY);
}

/** `kind namespace/name`, the name findings give an object by. */
export function objectName(o: KubeObject): string {
  const ns = o.metadata?.namespace;
  return ns ? `${o.kind} ${ns}/${o.metadata?.name ?? '?'}` : `${o.kind} ${o.metadata?.name ?? '?'}`;
}
