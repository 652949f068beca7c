export * from './persistence.module';
export * from './data-source-options';
export * from './import-connection';
export * from './repositories';
export * from './database-admin';
export * from './database-errors';
export * from './agent-reads';
