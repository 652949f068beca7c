import { Module } from '@nestjs/common';
import { CrmWritebackWorkerModule } from '../crm-writeback/crm-writeback-worker.module';
import { Watchdog } from './watchdog.service';

/** Rebuilds queue state Redis lost (schedules, unfinished runs) and publishes' write-back work from Postgres; see Watchdog. */
@Module({ imports: [CrmWritebackWorkerModule], providers: [Watchdog], exports: [Watchdog] })
export class WatchdogModule {}
