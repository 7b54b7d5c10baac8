import { Chart, Testing } from 'cdk8s';
import { KubeObject } from './validate';

/** A fresh chart in a test app. */
export function testChart(props: { namespace?: string } = {}): Chart {
  return new Chart(Testing.app(), 'test', props);
}

/** Synthesizes a chart to plain objects. */
export function synth(chart: Chart): KubeObject[] {
  return Testing.synth(chart) as KubeObject[];
}

/** Finds exactly one object by kind (and name). */
export function one(objects: KubeObject[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}

/** All objects of a kind. */
export function all(objects: KubeObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** The container with the given name in a pod template. */
export function container(workload: any, name: string): any {
  const c = workload.spec.template.spec.containers.find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
}

