import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { CliOutput } from '../cli-output';
import { MigrationCheckCommand } from './migration-check.command';
import { MigrateCommand } from './migrate.command';

/** Config only: these commands must run before the database exists, so no PersistenceModule here. */
@Module({ imports: [ConfigModule], providers: [CliOutput, MigrateCommand, MigrationCheckCommand] })
export class MigrationsCliModule {}
