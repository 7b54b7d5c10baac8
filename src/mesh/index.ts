export * from './mesh';
export * from './intent';
export * from './mesh-policy';
export { LinkerdMeshOptions, LinkerdProxyProtocol } from './linkerd';
