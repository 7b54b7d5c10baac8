export * from './spiffe';
export * from './config';
