import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@corridor/config';
import { dataSourceOptions } from './data-source-options';
import { REPOSITORIES } from './repositories';

/** Limits an app puts on its database sessions (the API bounds statements; the worker's bulk work may not). */
export interface DatabaseLimits {
  statementTimeoutMs?: number;
}

export const DATABASE_LIMITS = Symbol('DATABASE_LIMITS');

/** Provides an app's DatabaseLimits to PersistenceModule; import it next to PersistenceModule. */
@Global()
@Module({})
export class DatabaseLimitsModule {
  static of(limits: DatabaseLimits): DynamicModule {
    return { module: DatabaseLimitsModule, providers: [{ provide: DATABASE_LIMITS, useValue: limits }], exports: [DATABASE_LIMITS] };
  }
}

/**
 * The database for an app: one TypeORM data source and the repositories, which return domain
 * types. Nothing outside this lib sees an entity or a TypeORM Repository.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig, { token: DATABASE_LIMITS, optional: true }],
      useFactory: (config: AppConfig, limits?: DatabaseLimits) => ({
        ...dataSourceOptions({ url: config.DATABASE_URL, poolSize: 10, statementTimeoutMs: limits?.statementTimeoutMs }),
        retryAttempts: 5,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [...REPOSITORIES],
  exports: [...REPOSITORIES],
})
export class PersistenceModule {}
