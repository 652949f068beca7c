import { Module } from '@nestjs/common';
import { IngestModule } from '@corridor/ingest';
import { ImportsController } from './imports.controller';

/** Customer file upload (the streaming and batching live in libs/ingest, shared with the CLI). */
@Module({ imports: [IngestModule], controllers: [ImportsController] })
export class ImportsModule {}
