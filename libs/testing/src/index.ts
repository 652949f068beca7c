export * from './test-context';
export * from './test-services';
