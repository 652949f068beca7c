import { defineJob } from './job-contract';
import { QUEUE } from './queue-names';

export class RollupMeasuresPayload {}

/**
 * Periodic (a job scheduler with a fixed id): folds the measure counters' deltas, appended by the
 * triggers on decisions, deliveries and outcomes, into their daily rows. Reads are exact without
 * it (they add the unfolded deltas); it keeps them fast.
 */
export const ROLLUP_MEASURES = defineJob({
  queue: QUEUE.measures,
  name: 'rollup-measures',
  payload: RollupMeasuresPayload,
  jobId: () => undefined,
});

export const MEASURES_ROLLUP_SCHEDULER_ID = 'measures-rollup';

export class MaintainPartitionsPayload {}

/**
 * Periodic (PARTITION_MAINTENANCE_CRON): creates the event tables' monthly partitions ahead and
 * drops the months past EVENT_RETENTION_DAYS. On this queue because it is the counters that make
 * dropping raw rows safe: dropped partitions take nothing off them.
 */
export const MAINTAIN_PARTITIONS = defineJob({
  queue: QUEUE.measures,
  name: 'maintain-partitions',
  payload: MaintainPartitionsPayload,
  jobId: () => undefined,
});

export const PARTITION_MAINTENANCE_SCHEDULER_ID = 'partition-maintenance';

/** Every job of the measures queue (its processor must handle each). */
export const MEASURE_JOBS = [ROLLUP_MEASURES, MAINTAIN_PARTITIONS] as const;
