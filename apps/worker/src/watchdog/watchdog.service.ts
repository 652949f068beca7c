import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { QUEUE, RUN_FINALIZE, SYNC_CONNECTION } from '@corridor/contracts';
import { FAILED_JOB_RETENTION_SECONDS, JobProducer, JobSchedules, syncJobOptions } from '@corridor/jobs';
import { ConnectionRepository, CrmSyncStore, SegmentationStore, SegmentationWatchStore, SyncRunWatchStore } from '@corridor/persistence';
import { CrmWritebackService } from '../crm-writeback/crm-writeback.service';

/**
 * A run younger than this may sit between its commit and its enqueue; re-queueing it anyway would be
 * harmless (same job ids), but there is no need to race the publisher.
 */
const RUN_GRACE_SECONDS = 10;

export interface WatchdogReport {
  /** False when another process held the watchdog lock. */
  ran: boolean;
  schedulesCreated: string[];
  schedulesRemoved: string[];
  runsRequeued: Array<{ runId: string; chunks: number }>;
  runsFailed: string[];
  /** Manual sync runs committed in Postgres whose job Redis does not hold (never queued, or lost). */
  syncRunsRequeued: string[];
  /** Manual sync runs ended `failed`: their job failed for good, or is gone from a run quiet for longer than Redis keeps failed jobs. */
  syncRunsFailed: string[];
  /** Connections given a write-back job because a publish changed what their records should say. */
  writebackRefreshes: string[];
}

/**
 * Redis holds work that Postgres can rebuild (STYLE.md §18). Every WORKER_WATCHDOG_SECONDS (and at
 * boot) each worker process tries to take the watchdog lock and, if it gets it:
 * - re-creates the job schedulers that are missing (reconcile, refresh, each connection's sync):
 *   a BullMQ scheduler lost in a flush or a restart without persistence cannot re-create itself;
 * - re-queues every running segmentation run whose finalize job Redis no longer knows: the chunks
 *   not done yet and the go-live after them (chunks and finalize are idempotent in Postgres);
 * - re-queues a manual sync run no worker holds whose job Redis lost, and fails one whose job failed
 *   for good (its last attempt could not mark it: Postgres away, or the job stalled too often);
 * - gives a write-back job to each connection whose CRM records were not yet brought up to date with
 *   the published persona texts and strategy (a publish is a row in Postgres; this derives the work).
 * A timer, not a scheduled job, because the schedules are among what it must bring back.
 */
@Injectable()
export class Watchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Watchdog.name);
  private timer?: NodeJS.Timeout;
  private current?: Promise<unknown>;

  constructor(
    private readonly watch: SegmentationWatchStore,
    private readonly runs: SegmentationStore,
    private readonly connections: ConnectionRepository,
    private readonly syncRuns: SyncRunWatchStore,
    private readonly syncStore: CrmSyncStore,
    private readonly schedules: JobSchedules,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
    private readonly writeback: CrmWritebackService,
  ) {}

  onApplicationBootstrap(): void {
    // Not awaited: with Redis away, queue commands wait for it, and boot must not.
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.WORKER_WATCHDOG_SECONDS * 1000);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    // A pass stuck on a Redis that is away must not hold the shutdown.
    await Promise.race([this.current, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  private tick(): void {
    if (this.current) return; // the last pass is still waiting (Redis or Postgres away)
    this.current = this.pass()
      .catch((e) => this.logger.warn({ msg: 'watchdog pass failed', err: (e as Error).message }))
      .finally(() => (this.current = undefined));
  }

  async pass(): Promise<WatchdogReport> {
    const report: WatchdogReport = { ran: false, schedulesCreated: [], schedulesRemoved: [], runsRequeued: [], runsFailed: [], syncRunsRequeued: [], syncRunsFailed: [], writebackRefreshes: [] };
    report.ran = await this.watch.exclusively(async () => {
      await this.keepSchedules(report);
      await this.keepRuns(report);
      await this.keepSyncRuns(report);
      report.writebackRefreshes = await this.writeback.enqueuePublishedRefresh();
    });
    if (report.schedulesCreated.length || report.schedulesRemoved.length || report.runsRequeued.length || report.runsFailed.length || report.syncRunsRequeued.length || report.syncRunsFailed.length) {
      this.logger.warn({ msg: 'watchdog rebuilt lost queue state', ...report });
    }
    return report;
  }

  private async keepSchedules(report: WatchdogReport): Promise<void> {
    report.schedulesCreated.push(...(await this.schedules.ensureSegmentation({ onlyMissing: true })));
    report.schedulesCreated.push(...(await this.schedules.ensureExperience({ onlyMissing: true })));
    report.schedulesCreated.push(...(await this.schedules.ensureOutcomeSweeps({ onlyMissing: true })));
    report.schedulesCreated.push(...(await this.schedules.ensureMeasures({ onlyMissing: true })));
    report.schedulesCreated.push(...(await this.schedules.ensurePartitionMaintenance({ onlyMissing: true })));
    const connections = await this.connections.list();
    for (const c of connections) {
      if (await this.schedules.ensureSync(c, { onlyMissing: true })) report.schedulesCreated.push(`sync:${c.id}`);
    }
    report.schedulesRemoved.push(...(await this.schedules.removeOrphanSyncs(connections.map((c) => c.id))));
  }

  private async keepRuns(report: WatchdogReport): Promise<void> {
    const queue = this.jobs.queue(QUEUE.segmentation);
    for (const { runId, pendingChunks } of await this.watch.unfinishedRuns(RUN_GRACE_SECONDS)) {
      const finalize = await queue.getJob(RUN_FINALIZE.jobId({ runId })!);
      if (finalize) {
        // A go-live that used up its retries while Postgres was away could not mark the run failed.
        if ((await finalize.getState()) === 'failed') {
          await this.runs.failRun(runId, `run-finalize failed: ${finalize.failedReason}`);
          report.runsFailed.push(runId);
        }
        continue;
      }
      if (pendingChunks.length) await this.jobs.enqueueSegmentationRun(runId, pendingChunks);
      else await this.jobs.enqueue(RUN_FINALIZE, { runId });
      report.runsRequeued.push({ runId, chunks: pendingChunks.length });
    }
  }

  private async keepSyncRuns(report: WatchdogReport): Promise<void> {
    const runs = await this.syncRuns.unheldManualRuns(RUN_GRACE_SECONDS);
    if (!runs.length) return;
    const queue = this.jobs.queue(QUEUE.crmSync);
    for (const { runId, connectionId, mode, quietSeconds } of runs) {
      const payload = { connectionId, runId, mode, trigger: 'manual' as const };
      const job = await queue.getJob(SYNC_CONNECTION.jobId(payload)!);
      if (job) {
        // Waiting, active or delayed between retries: the job still owns the run. Failed: no attempt
        // is left to end it, and until it ends the connection refuses every manual sync (409).
        if ((await job.getState()) === 'failed') {
          await this.syncStore.failRun(runId, `sync job failed after ${job.attemptsMade} attempt(s): ${job.failedReason}`);
          report.syncRunsFailed.push(runId);
        }
        continue;
      }
      if (quietSeconds > FAILED_JOB_RETENTION_SECONDS) {
        // Redis drops failed jobs after this: a job missing from a run this quiet most likely failed
        // (unseen, no worker running) and was removed; queueing it again could repeat that forever.
        await this.syncStore.failRun(runId, `sync job gone and the run unchanged for ${Math.round(quietSeconds / 3600)} h; start a new sync`);
        report.syncRunsFailed.push(runId);
        continue;
      }
      await this.jobs.enqueue(SYNC_CONNECTION, payload, syncJobOptions(this.config));
      report.syncRunsRequeued.push(runId);
    }
  }
}
