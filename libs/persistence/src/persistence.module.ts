import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '@corridor/config';
import { dataSourceOptions } from './data-source-options';
import { REPOSITORIES } from './repositories';

/**
 * The database for an app: one TypeORM data source and the repositories, which return domain
 * types. Nothing outside this lib sees an entity or a TypeORM Repository.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        ...dataSourceOptions({ url: config.DATABASE_URL, poolSize: 10 }),
        retryAttempts: 5,
        retryDelay: 1000,
      }),
    }),
  ],
  providers: [...REPOSITORIES],
  exports: [...REPOSITORIES],
})
export class PersistenceModule {}
