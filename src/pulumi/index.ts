export * from './rendered-component';
export * from './components';
