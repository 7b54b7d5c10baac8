import * as pulumi from '@pulumi/pulumi';
import { productionStackProps } from '../util/stack-props';

/** A resource registered with the Pulumi engine (mocked). */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: any;
  /** A read of an existing resource (`.get`), not a resource the program creates. */
  readonly read: boolean;
  /** The provider reference given to the resource, if any. */
  readonly provider?: string;
}

export const registered: Registered[] = [];

void pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, read: !!args.id, provider: args.provider });
      return { id: `${args.name}_id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'spire-test',
  'test',
  false,
);

/** Waits for an output's value. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** The production stack's props (CloudNativePG, Vault) the Pulumi tests build on. */
export const props = productionStackProps;

/** Lets the registrations started by constructors land. */
export const settle = () => new Promise((r) => setTimeout(r, 500));

/** Objects the program creates (Kubernetes resources, not ConfigGroups, not the reads of prerequisite CRDs). */
export const created = (r: { type: string; read: boolean }) => r.type.startsWith('kubernetes:') && r.type !== 'kubernetes:yaml:ConfigGroup' && !r.read;

/** A value as JSON has it (what the engine receives). */
export const canonical = (o: unknown) => JSON.parse(JSON.stringify(o));
