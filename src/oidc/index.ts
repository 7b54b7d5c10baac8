export * from './oidc-tls';
export * from './oidc-discovery-provider';
