import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DatabaseSettings {
  url: string;
  /** Name TypeORM's connection pool in Postgres' pg_stat_activity. */
  applicationName?: string;
  poolSize?: number;
  logging?: boolean;
  /** How long to wait for a connection (a new one, or a free one from the pool) before failing. */
  connectTimeoutMs?: number;
  /** Server-side cap on one statement; none when absent (the worker's bulk statements may be long). */
  statementTimeoutMs?: number;
}

/**
 * A database that is down or unreachable must fail a caller within seconds, not hang it: a refused
 * connection fails at once, an unreachable host after this, a waiting pool after this too.
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

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
    // node-postgres pool options; keepAlive lets the OS notice a peer that vanished.
    extra: {
      max: settings.poolSize ?? 10,
      connectionTimeoutMillis: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      keepAlive: true,
      ...(settings.statementTimeoutMs ? { statement_timeout: settings.statementTimeoutMs } : {}),
    },
  };
}
