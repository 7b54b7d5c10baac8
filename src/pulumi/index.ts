export * from './rendered-component';
export * from './components';
export * from './batch-identity';
export * from './workload-identities';
