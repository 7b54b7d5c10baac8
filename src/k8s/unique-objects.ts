import { ApiObject } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { checkSingleCdk8s } from './single-cdk8s';

const checkedRoots = new WeakSet<IConstruct>();
/** The ApiObjects of an app as its root's validation found them in the current validation pass. */
const passObjects = new WeakMap<IConstruct, ApiObject[]>();

/**
 * Makes synth fail when two objects of the app share API group, kind, namespace and name: the
 * API server would keep only the one applied last, silently. Added once per app (its root), by
 * every construct of this library that renders objects. Each call first refuses a scope made by
 * another copy of cdk8s or constructs (see `checkSingleCdk8s`).
 *
 * The same validation collects the app's ApiObjects for the other app-wide checks of the pass
 * ({@link appApiObjects}): cdk8s validates the app once per synth and once more per chart, the
 * root first in each pass, so each pass walks the app's constructs once.
 *
 * @internal
 */
export function checkUniqueObjects(scope: IConstruct): void {
  checkSingleCdk8s(scope);
  const root = Node.of(scope).root;
  if (checkedRoots.has(root)) {
    return;
  }
  checkedRoots.add(root);
  Node.of(root).addValidation({
    validate: () => {
      const objects = apiObjectsOf(root);
      passObjects.set(root, objects);
      // Valid for this synchronous run only (a synth is synchronous): dropped when it returns.
      queueMicrotask(() => passObjects.delete(root));
      return duplicateObjects(objects);
    },
  });
}

/**
 * The ApiObjects of the app `scope` belongs to, for a validation: those the root's validation
 * collected in this pass when there is one (the root is validated before the rest of the app),
 * else found now.
 *
 * @internal
 */
export function appApiObjects(scope: IConstruct): readonly ApiObject[] {
  const root = Node.of(scope).root;
  return passObjects.get(root) ?? apiObjectsOf(root);
}

function apiObjectsOf(root: IConstruct): ApiObject[] {
  return Node.of(root)
    .findAll()
    .filter((c): c is ApiObject => c instanceof ApiObject);
}

function duplicateObjects(objects: readonly ApiObject[]): string[] {
  const first = new Map<string, ApiObject>();
  const errors: string[] = [];
  for (const c of objects) {
    const ns = c.metadata.namespace;
    const key = `${c.apiGroup === 'core' ? '' : `${c.apiGroup}/`}${c.kind} ${ns ? `${ns}/` : ''}${c.name}`;
    const earlier = first.get(key);
    if (earlier) {
      errors.push(
        `Two objects are ${key}: '${earlier.node.path}' and '${c.node.path}'. The API server keeps only the one applied last; ` +
          'give one of them another name (e.g. the `name` prop of an identity), or declare the thing once.',
      );
    } else {
      first.set(key, c);
    }
  }
  return errors;
}
