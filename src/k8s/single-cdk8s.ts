import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { Construct, IConstruct, Node } from 'constructs';

/** The tag jsii puts on every class of cdk8s and constructs: `{ fqn, version }`. */
const JSII_RTTI = Symbol.for('jsii.rtti');

/** A class of cdk8s or constructs that this package compares the user's scopes with. */
interface LibraryClass {
  /** The npm package. */
  readonly library: 'cdk8s' | 'constructs';
  /** The jsii name of the class (`cdk8s.Chart`). */
  readonly fqn: string;
  /** What the user calls an instance of it in the message. */
  readonly what: string;
  /** The name the library exports the class under. */
  readonly exportName: string;
  /** The class as this package loads it. */
  readonly ours: Class;
}

type Class = abstract new (...args: never[]) => unknown;

const CLASSES: LibraryClass[] = [
  { library: 'cdk8s', fqn: 'cdk8s.App', what: 'App', exportName: 'App', ours: App },
  { library: 'cdk8s', fqn: 'cdk8s.Chart', what: 'Chart', exportName: 'Chart', ours: Chart },
  { library: 'constructs', fqn: 'constructs.Construct', what: 'construct', exportName: 'Construct', ours: Construct },
];

/**
 * Throws when `scope` (or one of its parents) is a cdk8s App or Chart, or a construct, made by
 * another copy of `cdk8s` or `constructs` than the one this package loads (a `file:` dependency
 * or `npm link` whose checkout has its own node_modules, or an install that was not deduplicated).
 * With two copies, nothing fails until synth, which then reports "can't render non-simple object
 * of type 'Lazy'" and does not say why.
 *
 * Detection: cdk8s tags Charts with `Symbol.for('cdk8s.Chart')` and constructs tags constructs
 * with `Symbol.for('constructs.Construct')`, both shared by every copy (so `instanceof` answers
 * true across copies); jsii tags each class with its name and version (`Symbol.for('jsii.rtti')`).
 * A scope that carries the tag but whose prototype chain does not contain our class comes from
 * another copy.
 *
 * @internal
 */
export function checkSingleCdk8s(scope: IConstruct): void {
  for (const s of Node.of(scope).scopes) {
    for (const c of CLASSES) {
      const theirs = foreignClass(s, c);
      if (theirs) {
        throw new Error(twoCopiesMessage(scope, s, c, theirs));
      }
    }
  }
}

/** The class of `obj` from another copy of the library, or undefined (ours, or not one of these). */
function foreignClass(obj: IConstruct, c: LibraryClass): object | undefined {
  if (Object.prototype.isPrototypeOf.call(c.ours.prototype, obj)) {
    return undefined;
  }
  for (let proto: unknown = Object.getPrototypeOf(obj); proto !== null && typeof proto === 'object'; proto = Object.getPrototypeOf(proto)) {
    const ctor: unknown = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto as { constructor: unknown }).constructor : undefined;
    if (typeof ctor === 'function' && rtti(ctor)?.fqn === c.fqn) {
      return ctor;
    }
  }
  // Not tagged by jsii (a future release?): the symbols the libraries share across copies still tell.
  if ((c.fqn === 'cdk8s.Chart' && Chart.isChart(obj)) || (c.fqn === 'constructs.Construct' && Construct.isConstruct(obj))) {
    return obj.constructor;
  }
  return undefined;
}

/** The `{ fqn, version }` tag jsii puts on the class itself (not inherited). */
function rtti(ctor: object): { fqn?: unknown; version?: unknown } | undefined {
  if (!Object.prototype.hasOwnProperty.call(ctor, JSII_RTTI)) {
    return undefined;
  }
  const tag: unknown = (ctor as Record<symbol, unknown>)[JSII_RTTI];
  return typeof tag === 'object' && tag !== null ? (tag as { fqn?: unknown; version?: unknown }) : undefined;
}

function twoCopiesMessage(scope: IConstruct, foreign: IConstruct, c: LibraryClass, theirs: object): string {
  const foreignPath = Node.of(foreign).path;
  const where = foreignPath === '' ? `the ${c.what}` : `the ${c.what} '${foreignPath}'`;
  const ourCopy = describeCopy(c.ours, c.library, ownLocation(c.library));
  const theirCopy = describeCopy(theirs, c.library, loadedFrom(theirs, c));
  return (
    `Two copies of ${c.library} are loaded: '${Node.of(scope).path}' (spire-constructs) is being added to ${where}, which was created with ${theirCopy}, ` +
    `while spire-constructs uses ${ourCopy}. cdk8s cannot synthesize objects across copies (synth would fail with "can't render non-simple object of type 'Lazy'"). ` +
    "cdk8s, cdk8s-plus-28 and constructs are peer dependencies of spire-constructs: declare them in your project's package.json and run `npm dedupe` " +
    '(`npm ls cdk8s constructs` must show one version of each). A `file:` dependency or `npm link` on a spire-constructs checkout loads the checkout\'s own ' +
    'node_modules: install it with `npm install --install-links <path>` or from an `npm pack` tarball instead, or remove cdk8s, cdk8s-plus-28 and constructs ' +
    "from the checkout's node_modules."
  );
}

function describeCopy(ctor: object, library: string, location: string | undefined): string {
  const version = rtti(ctor)?.version;
  const name = typeof version === 'string' ? `${library} ${version}` : library;
  return location ? `${name} at ${location}` : name;
}

/** The folder of the copy of `library` this package resolves. */
function ownLocation(library: string): string | undefined {
  try {
    return packageFolder(require.resolve(library), library);
  } catch {
    return undefined;
  }
}

/** The folder of the loaded copy of the library that exports `ctor` (from the CommonJS module cache; undefined when not found). */
function loadedFrom(ctor: object, c: LibraryClass): string | undefined {
  const inLibrary = `${path.sep}${c.library}${path.sep}`;
  for (const m of Object.values(require.cache ?? {})) {
    if (!m || !m.filename.includes(inLibrary)) {
      continue;
    }
    const exported: unknown = m.exports;
    if (typeof exported === 'object' && exported !== null && (exported as Record<string, unknown>)[c.exportName] === ctor) {
      return packageFolder(m.filename, c.library);
    }
  }
  return undefined;
}

/** `/x/node_modules/cdk8s/lib/index.js` → `/x/node_modules/cdk8s`. */
function packageFolder(file: string, library: string): string {
  const marker = `${path.sep}node_modules${path.sep}${library}${path.sep}`;
  const i = file.lastIndexOf(marker);
  return i < 0 ? path.dirname(file) : file.slice(0, i + marker.length - 1);
}
