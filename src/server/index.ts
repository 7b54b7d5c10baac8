export * from './database';
export * from './vault-setup';
export * from './spire-server';
