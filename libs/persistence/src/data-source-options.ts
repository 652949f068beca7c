import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseSettings {
  url: string;
  /** Name TypeORM's connection pool in Postgres' pg_stat_activity. */
  applicationName?: string;
  poolSize?: number;
  logging?: boolean;
}

export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: settings.logging ?? false,
    applicationName: settings.applicationName ?? 'corridor',
    extra: { max: settings.poolSize ?? 10 },
  };
}
