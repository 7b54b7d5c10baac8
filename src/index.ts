export * from './spiffe';
export * from './config';
export * from './server';
export { Images, SPIRE_VERSION } from './images';
export { ContainerResources } from './k8s/resources';
export * from './crds/spire-crds';
