import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { IngestModule } from '@corridor/ingest';
import { JobsModule } from '@corridor/jobs';
import { PersistenceModule } from '@corridor/persistence';
import { CliOutput } from '../cli-output';
import { ImportCommand } from './import.command';

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule, IngestModule], providers: [CliOutput, ImportCommand] })
export class ImportCliModule {}
