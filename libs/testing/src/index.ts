export * from './test-context';
export * from './test-services';
export * from './worker-process';
export * from './own-services';
export * from './published-personas';
export * from './busy-client-queries';
