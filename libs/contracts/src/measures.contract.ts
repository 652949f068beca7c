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

/** Every job of the measures queue (its processor must handle each). */
export const MEASURE_JOBS = [ROLLUP_MEASURES] as const;
