import { ApiObject } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { checkSingleCdk8s } from './single-cdk8s';

const checkedRoots = new WeakSet<IConstruct>();

/**
 * Makes synth fail when two objects of the app share API group, kind, namespace and name: the
 * API server would keep only the one applied last, silently. Added once per app (its root), by
 * every construct of this library that renders objects. Each call first refuses a scope made by
 * another copy of cdk8s or constructs (see `checkSingleCdk8s`).
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
  Node.of(root).addValidation({ validate: () => duplicateObjects(root) });
}

function duplicateObjects(root: IConstruct): string[] {
  const first = new Map<string, ApiObject>();
  const errors: string[] = [];
  for (const c of Node.of(root).findAll()) {
    if (!(c instanceof ApiObject)) {
      continue;
    }
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
