import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { ConnectionOptions } from 'bullmq';
import { AppConfig } from '@corridor/config';
import { ALL_QUEUES } from '@corridor/contracts';
import { JobProducer, SEGMENTATION_FLOW } from './job-producer';
import { JobSchedules } from './job-schedules';
import { queuePrefix, redisConnection } from './redis-connection';

/**
 * The app's BullMQ connection. On a cluster it is one shared Cluster client, which BullMQ never
 * closes (it did not create it): this quits it once the queues and workers have closed.
 */
@Injectable()
export class BullConnection implements OnApplicationShutdown {
  readonly connection: ConnectionOptions;

  constructor(config: AppConfig) {
    this.connection = redisConnection(config.REDIS_URL);
  }

  async onApplicationShutdown(): Promise<void> {
    const c = this.connection as { quit?: () => Promise<unknown>; disconnect?: () => void };
    if (typeof c.quit === 'function') await c.quit().catch(() => c.disconnect?.());
  }
}

@Global()
@Module({ providers: [BullConnection], exports: [BullConnection] })
export class BullConnectionModule {}

/**
 * BullMQ on Redis for an app: every queue registered, each under its own hash-tagged key prefix
 * (queuePrefix) so it works on a Redis Cluster too.
 */
@Global()
@Module({
  imports: [
    BullConnectionModule,
    BullModule.forRootAsync({
      imports: [BullConnectionModule],
      inject: [AppConfig, BullConnection],
      useFactory: (config: AppConfig, bull: BullConnection) => ({
        connection: bull.connection,
        prefix: config.REDIS_PREFIX,
        // With tracing on, BullMQ carries the trace context in each job: enqueue and processing are
        // spans of the trace that enqueued them (request → job → the jobs it enqueues).
        telemetry: config.OTEL_EXPORTER_OTLP_ENDPOINT ? new BullMQOtel('corridor') : undefined,
      }),
    }),
    ...ALL_QUEUES.map((name) =>
      BullModule.registerQueueAsync({ name, inject: [AppConfig], useFactory: (config: AppConfig) => ({ prefix: queuePrefix(config.REDIS_PREFIX, name) }) }),
    ),
    BullModule.registerFlowProducer({ name: SEGMENTATION_FLOW }),
  ],
  providers: [JobProducer, JobSchedules],
  exports: [JobProducer, JobSchedules, BullModule],
})
export class JobsModule {}
