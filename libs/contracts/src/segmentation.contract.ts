import { ArrayMaxSize, ArrayMinSize, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUUID, Matches, Min } from 'class-validator';
import { defineJob, jobIdOf } from './job-contract';
import { QUEUE } from './queue-names';

export class RunChunkPayload {
  @IsUUID()
  runId: string;

  @IsInt()
  @Min(0)
  chunk: number;
}

/** Evaluate one id range of a full run or a preview; idempotent (the chunk's `done` flag commits with its writes). */
export const RUN_CHUNK = defineJob({
  queue: QUEUE.segmentation,
  name: 'run-chunk',
  payload: RunChunkPayload,
  jobId: (p) => jobIdOf('run-chunk', p.runId, p.chunk),
});

/** The run and chunk a `run-chunk` job id names (BullMQ's stalled event gives only the id). */
export function parseRunChunkJobId(jobId: string): RunChunkPayload | null {
  const m = /^run-chunk\.([0-9a-f-]{36})\.([0-9]{1,9})$/i.exec(jobId);
  return m ? { runId: m[1], chunk: Number(m[2]) } : null;
}

export class RunFinalizePayload {
  @IsUUID()
  runId: string;
}

/** Runs once every chunk of the run is done (BullMQ flow parent): switches the live set, or totals a preview. */
export const RUN_FINALIZE = defineJob({
  queue: QUEUE.segmentation,
  name: 'run-finalize',
  payload: RunFinalizePayload,
  jobId: (p) => jobIdOf('run-finalize', p.runId),
});

export const EVALUATION_CAUSES = ['data_change', 'new_customer'] as const;
export type EvaluationCause = (typeof EVALUATION_CAUSES)[number];

export class EvaluateCustomersPayload {
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(/^[1-9][0-9]{0,18}$/, { each: true, message: 'customerIds must be positive integer strings' })
  customerIds: string[];

  @IsIn(EVALUATION_CAUSES)
  cause: EvaluationCause;
}

/**
 * Incremental re-segmentation of customers whose data changed. On a queue of its own so that a
 * customer's re-evaluation never waits behind a full run's chunks; bulk producers (sync pages,
 * imports, the reconciler) enqueue with BULK_EVALUATION so a webhook's evaluation passes them too.
 */
export const EVALUATE_CUSTOMERS = defineJob({
  queue: QUEUE.segmentationLive,
  name: 'evaluate-customers',
  payload: EvaluateCustomersPayload,
  jobId: () => undefined,
});

/**
 * Job options for evaluations enqueued in bulk. BullMQ takes jobs without a priority before any
 * prioritized job, so one customer's evaluation is never queued behind a million-row sync.
 */
export const BULK_EVALUATION = { priority: 10 } as const;

export class ReconcilePayload {}

/**
 * Periodic safety net (a job scheduler with a fixed id): finds customers whose assignment is
 * missing or older than their data and queues them for evaluation.
 */
export const RECONCILE_ASSIGNMENTS = defineJob({
  queue: QUEUE.segmentation,
  name: 'reconcile-assignments',
  payload: ReconcilePayload,
  jobId: () => undefined,
});

export const RECONCILE_SCHEDULER_ID = 'segmentation-reconcile';

export class RefreshPayload {
  /** Evaluate as of this instant instead of now (backfills, tests). */
  @IsOptional()
  @IsISO8601({ strict: true })
  asOf?: string;
}

/**
 * Re-applies the live rules to everyone (a full run of a copy of the live set), so relative-date
 * conditions (`within_last_days`) stay true to the calendar. Scheduled daily; also on demand.
 */
export const REFRESH_SEGMENTS = defineJob({
  queue: QUEUE.segmentation,
  name: 'refresh-segments',
  payload: RefreshPayload,
  jobId: () => undefined,
});

export const REFRESH_SCHEDULER_ID = 'segmentation-refresh';

export class BehaviourEventsPayload {
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(/^[1-9][0-9]{0,18}$/, { each: true, message: 'eventIds must be positive integer strings' })
  eventIds: string[];
}

/**
 * Touchpoint events were stored (one job per outbox relay batch): recompute the behavioural
 * attributes of their customers whose touchpoint some attribute counts, and re-evaluate those
 * whose values changed. Idempotent: a recompute reads the events, not the job.
 */
export const BEHAVIOUR_EVENTS = defineJob({
  queue: QUEUE.segmentationLive,
  name: 'behaviour-events',
  payload: BehaviourEventsPayload,
  jobId: (p) => jobIdOf('behaviour-events', p.eventIds[0], p.eventIds.length),
});

export class RefreshBehaviourPayload {}

/**
 * Recomputes every customer whose behavioural values are due (a new attribute's candidates, values
 * the calendar moved) and re-evaluates those that changed. The daily refresh does the same first.
 */
export const REFRESH_BEHAVIOUR = defineJob({
  queue: QUEUE.segmentation,
  name: 'refresh-behaviour',
  payload: RefreshBehaviourPayload,
  jobId: () => undefined,
});

export const SEGMENTATION_JOBS = [RUN_CHUNK, RUN_FINALIZE, RECONCILE_ASSIGNMENTS, REFRESH_SEGMENTS, REFRESH_BEHAVIOUR] as const;

export const SEGMENTATION_LIVE_JOBS = [EVALUATE_CUSTOMERS, BEHAVIOUR_EVENTS] as const;
