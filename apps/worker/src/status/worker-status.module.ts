import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WorkerMetrics } from '@corridor/observability';
import { HeartbeatService } from './heartbeat.service';
import { JobMetrics } from './job-metrics';
import { StatusServer } from './status-server';

/**
 * What a worker process shows of itself: its metrics (one registry, global so every service can
 * count), the `/metrics` and `/health` listener, and its heartbeat row.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [{ provide: WorkerMetrics, useFactory: () => new WorkerMetrics('worker') }, JobMetrics, StatusServer, HeartbeatService],
  exports: [WorkerMetrics, StatusServer],
})
export class WorkerStatusModule {}
