import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { AppConfig } from '@corridor/config';
import { JobProducer } from '@corridor/jobs';
import { SegmentationStore } from '@corridor/persistence';
import { Job } from 'bullmq';
import {
  EVALUATE_CUSTOMERS,
  QUEUE,
  RECONCILE_ASSIGNMENTS,
  RECONCILE_SCHEDULER_ID,
  REFRESH_SCHEDULER_ID,
  REFRESH_SEGMENTS,
  RUN_CHUNK,
  RUN_FINALIZE,
  SEGMENTATION_JOBS,
} from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { IncrementalSegmentationService } from './incremental-segmentation.service';
import { SegmentationRunsService } from './segmentation-runs.service';

/**
 * The segmentation queue: chunks of full runs and previews, their finalize step, and incremental
 * evaluations. Concurrency > 1 lets one chunk's database time overlap another's evaluation.
 */
@Processor(QUEUE.segmentation, { concurrency: 4, lockDuration: 120_000, maxStalledCount: 3 })
export class SegmentationProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SegmentationProcessor.name);
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly runs: SegmentationRunsService,
    private readonly incremental: IncrementalSegmentationService,
    private readonly store: SegmentationStore,
    private readonly config: AppConfig,
    private readonly jobs: JobProducer,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.worker.concurrency = this.config.WORKER_CONCURRENCY;
    // Every worker process upserts the same scheduler id, so there is exactly one schedule.
    const queue = this.jobs.queue(QUEUE.segmentation);
    const minutes = this.config.SEGMENTATION_RECONCILE_MINUTES;
    if (minutes === 0) await queue.removeJobScheduler(RECONCILE_SCHEDULER_ID);
    else await queue.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: minutes * 60_000 }, { name: RECONCILE_ASSIGNMENTS.name, data: {} });
    const cron = this.config.SEGMENTATION_REFRESH_CRON;
    if (!cron) await queue.removeJobScheduler(REFRESH_SCHEDULER_ID);
    else {
      await queue.upsertJobScheduler(
        REFRESH_SCHEDULER_ID,
        { pattern: cron, tz: this.config.SEGMENTATION_TIMEZONE },
        { name: REFRESH_SEGMENTS.name, data: {} },
      );
    }
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.segmentation, SEGMENTATION_JOBS, [
      bind(RUN_CHUNK, (p) => this.runs.runChunk(p.runId, p.chunk)),
      bind(RUN_FINALIZE, (p) => this.runs.finalize(p.runId)),
      bind(EVALUATE_CUSTOMERS, (p) => this.incremental.evaluate(p.customerIds, p.cause)),
      bind(RECONCILE_ASSIGNMENTS, () => this.incremental.reconcile()),
      bind(REFRESH_SEGMENTS, (p) => this.runs.refresh(p.asOf ? new Date(p.asOf) : undefined)),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }

  /** A chunk or finalize that has used up its retries fails its run, rather than leave it running forever. */
  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job || (job.name !== RUN_CHUNK.name && job.name !== RUN_FINALIZE.name)) return;
    const finalAttempt = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    if (!finalAttempt) return;
    this.logger.error({ msg: 'segmentation run failed', job: job.name, data: job.data, error: error.message });
    await this.store.failRun(String(job.data.runId), `${job.name} failed: ${error.message}`).catch(() => undefined);
  }
}
