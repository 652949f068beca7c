import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import {
  EXPERIENCE_REFRESH_SCHEDULER_ID,
  INFER_IGNORED,
  INFER_IGNORED_SCHEDULER_ID,
  MAINTAIN_PARTITIONS,
  MEASURES_ROLLUP_SCHEDULER_ID,
  PARTITION_MAINTENANCE_SCHEDULER_ID,
  QUEUE,
  ROLLUP_MEASURES,
  RECONCILE_ASSIGNMENTS,
  RECONCILE_SCHEDULER_ID,
  REFRESH_SCHEDULER_ID,
  REFRESH_EXPERIENCE,
  REFRESH_SEGMENTS,
  SYNC_CONNECTION,
  syncSchedulerId,
} from '@corridor/contracts';
import { CrmConnectionSettings, DEFAULT_SYNC_INTERVAL_SECONDS } from '@corridor/domain';
import { DEFAULT_JOB_OPTIONS, JobProducer } from './job-producer';
import { syncJobOptions } from './sync-job-options';

const SYNC_SCHEDULER_PREFIX = syncSchedulerId('');

/**
 * Every periodic job's definition, in one place: the segmentation reconcile and refresh (from
 * settings) and each connection's incremental sync (from Postgres). Both apps and the watchdog
 * (which re-creates what a Redis flush or restart lost) go through here, so a schedule is the same
 * whoever writes it.
 *
 * `onlyMissing` leaves an existing scheduler alone: re-upserting an `every` scheduler fires it at
 * once, so a periodic check must not touch the ones that are there.
 */
@Injectable()
export class JobSchedules {
  constructor(
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  /** The reconcile and refresh schedulers as the settings say; returns the ids (re-)created. */
  async ensureSegmentation(options: { onlyMissing: boolean }): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.segmentation, 'schedule segmentation', async (queue) => {
      const created: string[] = [];
      const minutes = this.config.SEGMENTATION_RECONCILE_MINUTES;
      if (minutes === 0) await queue.removeJobScheduler(RECONCILE_SCHEDULER_ID);
      else if (!options.onlyMissing || !(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID))) {
        await queue.upsertJobScheduler(RECONCILE_SCHEDULER_ID, { every: minutes * 60_000 }, { name: RECONCILE_ASSIGNMENTS.name, data: {} });
        created.push(RECONCILE_SCHEDULER_ID);
      }
      const cron = this.config.SEGMENTATION_REFRESH_CRON;
      if (!cron) await queue.removeJobScheduler(REFRESH_SCHEDULER_ID);
      else if (!options.onlyMissing || !(await queue.getJobScheduler(REFRESH_SCHEDULER_ID))) {
        await queue.upsertJobScheduler(
          REFRESH_SCHEDULER_ID,
          { pattern: cron, tz: this.config.SEGMENTATION_TIMEZONE },
          { name: REFRESH_SEGMENTS.name, data: {} },
        );
        created.push(REFRESH_SCHEDULER_ID);
      }
      return created;
    });
  }

  /** The daily experience refresh as EXPERIENCE_REFRESH_CRON says (UTC); returns the ids (re-)created. */
  async ensureExperience(options: { onlyMissing: boolean }): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.outcomes, 'schedule experience refresh', async (queue) => {
      const cron = this.config.EXPERIENCE_REFRESH_CRON;
      if (!cron) {
        await queue.removeJobScheduler(EXPERIENCE_REFRESH_SCHEDULER_ID);
        return [];
      }
      if (options.onlyMissing && (await queue.getJobScheduler(EXPERIENCE_REFRESH_SCHEDULER_ID))) return [];
      await queue.upsertJobScheduler(EXPERIENCE_REFRESH_SCHEDULER_ID, { pattern: cron, tz: 'UTC' }, { name: REFRESH_EXPERIENCE.name, data: {} });
      return [EXPERIENCE_REFRESH_SCHEDULER_ID];
    });
  }

  /** The inferred-`ignored` sweep every OUTCOME_IGNORED_SWEEP_SECONDS (0: none); returns the ids (re-)created. */
  async ensureOutcomeSweeps(options: { onlyMissing: boolean }): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.outcomeSweeps, 'schedule outcome sweeps', async (queue) => {
      const seconds = this.config.OUTCOME_IGNORED_SWEEP_SECONDS;
      if (seconds === 0) {
        await queue.removeJobScheduler(INFER_IGNORED_SCHEDULER_ID);
        return [];
      }
      if (options.onlyMissing && (await queue.getJobScheduler(INFER_IGNORED_SCHEDULER_ID))) return [];
      const { attempts, backoff, removeOnComplete, removeOnFail } = DEFAULT_JOB_OPTIONS;
      await queue.upsertJobScheduler(
        INFER_IGNORED_SCHEDULER_ID,
        { every: seconds * 1000 },
        { name: INFER_IGNORED.name, data: {}, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
      );
      return [INFER_IGNORED_SCHEDULER_ID];
    });
  }

  /** The measures rollup every MEASURES_ROLLUP_SECONDS (0: none); returns the ids (re-)created. */
  async ensureMeasures(options: { onlyMissing: boolean }): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.measures, 'schedule measures rollup', async (queue) => {
      const seconds = this.config.MEASURES_ROLLUP_SECONDS;
      if (seconds === 0) {
        await queue.removeJobScheduler(MEASURES_ROLLUP_SCHEDULER_ID);
        return [];
      }
      if (options.onlyMissing && (await queue.getJobScheduler(MEASURES_ROLLUP_SCHEDULER_ID))) return [];
      const { removeOnComplete, removeOnFail } = DEFAULT_JOB_OPTIONS;
      await queue.upsertJobScheduler(MEASURES_ROLLUP_SCHEDULER_ID, { every: seconds * 1000 }, { name: ROLLUP_MEASURES.name, data: {}, opts: { removeOnComplete, removeOnFail } });
      return [MEASURES_ROLLUP_SCHEDULER_ID];
    });
  }

  /** The event tables' partition maintenance as PARTITION_MAINTENANCE_CRON says (UTC); returns the ids (re-)created. */
  async ensurePartitionMaintenance(options: { onlyMissing: boolean }): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.measures, 'schedule partition maintenance', async (queue) => {
      if (options.onlyMissing && (await queue.getJobScheduler(PARTITION_MAINTENANCE_SCHEDULER_ID))) return [];
      const { attempts, backoff, removeOnComplete, removeOnFail } = DEFAULT_JOB_OPTIONS;
      await queue.upsertJobScheduler(
        PARTITION_MAINTENANCE_SCHEDULER_ID,
        { pattern: this.config.PARTITION_MAINTENANCE_CRON, tz: 'UTC' },
        { name: MAINTAIN_PARTITIONS.name, data: {}, opts: { attempts, backoff, removeOnComplete, removeOnFail } },
      );
      return [PARTITION_MAINTENANCE_SCHEDULER_ID];
    });
  }

  /**
   * A connection's incremental sync every `syncIntervalSeconds` (0: none); returns whether it was
   * (re-)created. With `onlyMissing`, one that exists at the interval the connection says is left alone.
   */
  async ensureSync(connection: { id: string; settings: CrmConnectionSettings }, options: { onlyMissing: boolean }): Promise<boolean> {
    const id = syncSchedulerId(connection.id);
    return this.jobs.onQueue(QUEUE.crmSync, `schedule ${id}`, async (queue) => {
      const every = (connection.settings.syncIntervalSeconds ?? DEFAULT_SYNC_INTERVAL_SECONDS) * 1000;
      if (every <= 0) {
        await queue.removeJobScheduler(id);
        return false;
      }
      // A scheduler at another interval is stale too: the connection changed while Redis was away
      // (the API answers once the change is committed) and Redis kept the old one.
      if (options.onlyMissing && (await queue.getJobScheduler(id))?.every === every) return false;
      const { removeOnComplete, removeOnFail } = DEFAULT_JOB_OPTIONS;
      await queue.upsertJobScheduler(
        id,
        { every },
        {
          name: SYNC_CONNECTION.name,
          data: { connectionId: connection.id, mode: 'incremental', trigger: 'schedule' },
          opts: { ...syncJobOptions(this.config), removeOnComplete, removeOnFail },
        },
      );
      return true;
    });
  }

  async removeSync(connectionId: string): Promise<void> {
    const id = syncSchedulerId(connectionId);
    await this.jobs.onQueue(QUEUE.crmSync, `remove schedule ${id}`, (queue) => queue.removeJobScheduler(id));
  }

  /** Removes sync schedulers whose connection is gone (a check that raced a removal); returns their ids. */
  async removeOrphanSyncs(connectionIds: readonly string[]): Promise<string[]> {
    return this.jobs.onQueue(QUEUE.crmSync, 'remove orphan sync schedules', async (queue) => {
      const known = new Set(connectionIds.map((id) => syncSchedulerId(id)));
      const orphans = (await queue.getJobSchedulers(0, -1)).map((s) => s.key).filter((key) => key.startsWith(SYNC_SCHEDULER_PREFIX) && !known.has(key));
      for (const key of orphans) await queue.removeJobScheduler(key);
      return orphans;
    });
  }
}
