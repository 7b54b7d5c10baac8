export * from './rule';
export * from './engine';
export * from './checklist';
export { RULES } from './rules';
export * from './expect-checklist';
