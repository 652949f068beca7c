// Entry point for the TypeORM CLI only (migration:generate, migration:check).
import 'reflect-metadata';
import { loadConfig } from '@corridor/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

export default new DataSource(dataSourceOptions({ url: loadConfig().DATABASE_URL, applicationName: 'corridor-cli' }));
