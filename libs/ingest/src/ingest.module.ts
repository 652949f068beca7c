import { Module } from '@nestjs/common';
import { CustomerImportService } from './customer-import.service';

/**
 * Customer file import, used by the API and the CLI. Needs PersistenceModule and JobsModule (both
 * global) in the app that imports it.
 */
@Module({
  providers: [CustomerImportService],
  exports: [CustomerImportService],
})
export class IngestModule {}
