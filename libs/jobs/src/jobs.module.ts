import { Global, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { BullMQOtel } from 'bullmq-otel';
import { AppConfig } from '@corridor/config';
import { ALL_QUEUES } from '@corridor/contracts';
import { JobProducer, SEGMENTATION_FLOW } from './job-producer';
import { JobSchedules } from './job-schedules';
import { redisConnection } from './redis-connection';

/** BullMQ on Redis for an app: every queue registered, under the configured key prefix. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        connection: redisConnection(config.REDIS_URL),
        prefix: config.REDIS_PREFIX,
        // With tracing on, BullMQ carries the trace context in each job: enqueue and processing are
        // spans of the trace that enqueued them (request → job → the jobs it enqueues).
        telemetry: config.OTEL_EXPORTER_OTLP_ENDPOINT ? new BullMQOtel('corridor') : undefined,
      }),
    }),
    ...ALL_QUEUES.map((name) => BullModule.registerQueue({ name })),
    BullModule.registerFlowProducer({ name: SEGMENTATION_FLOW }),
  ],
  providers: [JobProducer, JobSchedules],
  exports: [JobProducer, JobSchedules, BullModule],
})
export class JobsModule {}
