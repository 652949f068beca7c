export * from './persona-set';
