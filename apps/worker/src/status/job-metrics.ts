import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { Job } from 'bullmq';
import { ALL_QUEUES } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { WorkerMetrics } from '@corridor/observability';

/**
 * Feeds the worker's metrics from BullMQ: each processor's completed and failed jobs into the
 * duration histogram (through the workers' events, so no processor has to remember to), and every
 * queue's counts into the gauges when scraped.
 */
@Injectable()
export class JobMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly metrics: WorkerMetrics,
    private readonly jobs: JobProducer,
  ) {}

  /** The queues this process works on. */
  queues(): string[] {
    return this.hosts().map((h) => h.worker.name);
  }

  onApplicationBootstrap(): void {
    for (const host of this.hosts()) {
      const worker = host.worker;
      const observe = (job: Job | undefined, result: 'completed' | 'failed') => {
        if (!job?.processedOn || !job.finishedOn) return;
        this.metrics.jobDuration.observe({ queue: worker.name, job: job.name, result }, (job.finishedOn - job.processedOn) / 1000);
      };
      worker.on('completed', (job) => observe(job, 'completed'));
      worker.on('failed', (job) => observe(job, 'failed'));
    }
    this.metrics.readQueuesWith(() =>
      Promise.all(ALL_QUEUES.map(async (queue) => ({ queue, counts: await this.jobs.queue(queue).getJobCounts() }))),
    );
  }

  private hosts(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is WorkerHost => i instanceof WorkerHost && hasWorker(i));
  }
}

/** WorkerHost.worker throws until BullMQ registered the worker (a processor never registered has none). */
function hasWorker(host: WorkerHost): boolean {
  try {
    return Boolean(host.worker);
  } catch {
    return false;
  }
}
