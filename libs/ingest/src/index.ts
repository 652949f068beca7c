export * from './import-readers';
export * from './customer-import.service';
export * from './ingest.module';
