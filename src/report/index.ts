export * from './identity-report';
export * from './checklist-report';
export * from './diff';
export * from './manifests';
export * from './synth';
