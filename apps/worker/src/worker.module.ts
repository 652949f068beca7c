import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { JobsModule } from '@corridor/jobs';
import { LoggingModule } from '@corridor/observability';
import { PersistenceModule } from '@corridor/persistence';
import { SegmentationWorkerModule } from './segmentation/segmentation-worker.module';
import { CrmSyncWorkerModule } from './crm-sync/crm-sync-worker.module';
import { CrmWritebackWorkerModule } from './crm-writeback/crm-writeback-worker.module';
import { DispatchWorkerModule } from './dispatch/dispatch-worker.module';
import { WatchdogModule } from './watchdog/watchdog.module';
import { DecisionsWorkerModule } from './decisions/decisions-worker.module';
import { OutboxWorkerModule } from './outbox/outbox-worker.module';
import { OutcomesWorkerModule } from './outcomes/outcomes-worker.module';
import { OutcomeSweepsWorkerModule } from './outcome-sweeps/outcome-sweeps-worker.module';
import { MeasuresWorkerModule } from './measures/measures-worker.module';
import { WorkerStatusModule } from './status/worker-status.module';

/**
 * The worker process: one BullMQ processor per queue, each in its feature module below, and the
 * orchestration services they call. No HTTP API: only its own `/metrics` and `/health` (WorkerStatusModule).
 */
@Module({
  imports: [
    ConfigModule,
    LoggingModule.forApp('worker'),
    PersistenceModule,
    JobsModule,
    WorkerStatusModule,
    // Feature modules (one per queue) are appended here.
    SegmentationWorkerModule,
    CrmSyncWorkerModule,
    CrmWritebackWorkerModule,
    DecisionsWorkerModule,
    DispatchWorkerModule,
    WatchdogModule,
    OutboxWorkerModule,
    OutcomesWorkerModule,
    OutcomeSweepsWorkerModule,
    MeasuresWorkerModule,
  ],
})
export class WorkerModule {}
