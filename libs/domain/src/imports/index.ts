export * from './import-row';
export * from './json-lines';
export * from './csv-record';
export * from './import-report';
