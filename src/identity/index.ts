export * from './spiffe-id-scheme';
export * from './federated-trust-domain';
export * from './identity-options';
export * from './workload-identity';
export * from './static-identity';
