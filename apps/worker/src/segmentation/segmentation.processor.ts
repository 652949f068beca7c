import { Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { AppConfig } from '@corridor/config';
import { JobSchedules } from '@corridor/jobs';
import { SegmentationStore, SegmentationWatchStore } from '@corridor/persistence';
import { Job } from 'bullmq';
import {
  parseRunChunkJobId,
  QUEUE,
  RECONCILE_ASSIGNMENTS,
  REFRESH_BEHAVIOUR,
  REFRESH_SEGMENTS,
  RUN_CHUNK,
  RUN_FINALIZE,
  SEGMENTATION_JOBS,
} from '@corridor/contracts';
import { bind, ContractDispatcher } from '../jobs/contract-dispatcher';
import { applyQueueConcurrency } from '../jobs/queue-concurrency';
import { BehaviourService } from './behaviour.service';
import { IncrementalSegmentationService } from './incremental-segmentation.service';
import { SegmentationRunsService } from './segmentation-runs.service';

/**
 * A job's lock lasts 10 s and is renewed every 2.5 s; every worker looks for lapsed locks every 5 s.
 * So a SIGKILLed worker's chunk is back in the queue within about 15 s (it was ~140 s with a 120 s
 * lock), while a live worker keeps its lock through any plausible event-loop pause.
 */
export const SEGMENTATION_LOCK = { lockDuration: 10_000, lockRenewTime: 2_500, stalledInterval: 5_000 } as const;

/**
 * The segmentation queue (bulk): chunks of full runs and previews, their finalize step, the daily
 * refresh and the reconciler. Incremental evaluation runs on `segmentation-live`
 * (SegmentationLiveProcessor). Concurrency > 1 lets one chunk's database time overlap another's evaluation.
 */
@Processor(QUEUE.segmentation, { concurrency: 4, ...SEGMENTATION_LOCK, maxStalledCount: 3 })
export class SegmentationProcessor extends WorkerHost implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(SegmentationProcessor.name);
  private dispatcher!: ContractDispatcher;

  constructor(
    private readonly runs: SegmentationRunsService,
    private readonly incremental: IncrementalSegmentationService,
    private readonly behaviour: BehaviourService,
    private readonly store: SegmentationStore,
    private readonly watch: SegmentationWatchStore,
    private readonly config: AppConfig,
    private readonly schedules: JobSchedules,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    applyQueueConcurrency(this.worker, QUEUE.segmentation, this.config);
    // Every worker process upserts the same scheduler ids, so there is exactly one schedule of each.
    await this.schedules.ensureSegmentation({ onlyMissing: false });
  }

  onModuleInit(): void {
    this.dispatcher = new ContractDispatcher(QUEUE.segmentation, SEGMENTATION_JOBS, [
      bind(RUN_CHUNK, (p) => this.runs.runChunk(p.runId, p.chunk)),
      bind(RUN_FINALIZE, (p) => this.runs.finalize(p.runId)),
      // Then behaviour behind its events (a lost job): catchUp re-evaluates whom it changes itself.
      bind(RECONCILE_ASSIGNMENTS, async () => ({ ...(await this.incremental.reconcile()), behaviourBehind: await this.behaviour.catchUp() })),
      bind(REFRESH_SEGMENTS, (p) => this.runs.refresh(p.asOf ? new Date(p.asOf) : undefined)),
      bind(REFRESH_BEHAVIOUR, async () => ({ recomputed: (await this.behaviour.refreshDue()).recomputed })),
    ]);
  }

  process(job: Job): Promise<unknown> {
    return this.dispatcher.dispatch(job);
  }

  /**
   * A chunk or finalize that has used up its retries fails its run, rather than leave it running
   * forever; an attempt that will be retried shows in the run's progress.
   */
  @OnWorkerEvent('failed')
  async onFailed(job: Job | undefined, error: Error): Promise<void> {
    if (!job || (job.name !== RUN_CHUNK.name && job.name !== RUN_FINALIZE.name)) return;
    const finalAttempt = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
    if (!finalAttempt) {
      if (job.name === RUN_CHUNK.name) {
        await this.watch.recordChunkFailure(String(job.data.runId), Number(job.data.chunk), error.message).catch(() => undefined);
      }
      return;
    }
    this.logger.error({ msg: 'segmentation run failed', job: job.name, data: job.data, error: error.message });
    await this.store.failRun(String(job.data.runId), `${job.name} failed: ${error.message}`).catch(() => undefined);
  }

  /** Another worker lost this job (killed, or its lock lapsed) and this one put it back in the queue. */
  @OnWorkerEvent('stalled')
  async onStalled(jobId: string): Promise<void> {
    const chunk = parseRunChunkJobId(jobId);
    if (!chunk) return;
    this.logger.warn({ msg: 'segmentation chunk stalled; retrying', ...chunk });
    await this.watch.recordChunkStall(chunk.runId, chunk.chunk).catch(() => undefined);
  }

  /**
   * Worker errors outside a job's handler (Redis away, a job's key gone after a flush while it ran):
   * logged, not thrown at the event emitter. The watchdog rebuilds what was lost.
   */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.warn({ msg: 'segmentation worker error', error: error.message });
  }
}
