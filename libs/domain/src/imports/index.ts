export * from './import-row';
export * from './json-lines';
export * from './csv-record';
export * from './import-report';
export * from './import-text';
export * from './import-mode';
export * from './csv-record-guard';
