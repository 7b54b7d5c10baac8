export * from './trust-domain';
export * from './spiffe-id';
export * from './duration';
export * from './selector';
