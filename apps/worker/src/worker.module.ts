import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { JobsModule } from '@corridor/jobs';
import { PersistenceModule } from '@corridor/persistence';
import { SegmentationWorkerModule } from './segmentation/segmentation-worker.module';

/**
 * The worker process: one BullMQ processor per queue, each in its feature module below, and the
 * orchestration services they call. No HTTP.
 */
@Module({
  imports: [
    ConfigModule,
    PersistenceModule,
    JobsModule,
    // Feature modules (one per queue) are appended here.
    SegmentationWorkerModule,
  ],
})
export class WorkerModule {}
