import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A queue's job counts by state, as BullMQ's getJobCounts answers them. */
export interface QueueCounts {
  queue: string;
  counts: Record<string, number>;
}

export const QUEUE_STATES = ['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children', 'paused'] as const;

/**
 * Every metric a worker process exposes at its own `/metrics` (the api's HTTP histogram is in
 * apps/api/src/metrics). One registry per instance, not prom-client's global one, so several apps
 * can share a process in tests. Queue gauges are read from Redis when scraped, not kept up to date.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private queueSource?: () => Promise<QueueCounts[]>;

  readonly queueJobs = new Gauge({
    name: 'corridor_queue_jobs',
    help: 'Jobs in a queue by state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
    collect: async () => {
      const rows = (await this.queueSource?.()) ?? [];
      this.queueJobs.reset();
      for (const { queue, counts } of rows) {
        for (const state of QUEUE_STATES) if (counts[state] !== undefined) this.queueJobs.set({ queue, state }, counts[state]);
      }
    },
  });

  readonly jobDuration = new Histogram({
    name: 'corridor_job_duration_seconds',
    help: 'Time a job ran in this process (processedOn to finishedOn), by queue, job name and result',
    labelNames: ['queue', 'job', 'result'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  readonly syncRecords = this.counter('corridor_sync_records_total', 'CRM records a finished sync run applied, by connection and outcome (created, updated, unchanged, deleted, merged)', ['connection', 'outcome'] as const);

  readonly crmRequests = this.counter('corridor_crm_requests_total', 'CRM API requests of finished sync runs, by connection and outcome (ok, rate_limited, retried)', ['connection', 'outcome'] as const);

  readonly crmRateLimited = this.counter('corridor_crm_rate_limited_total', 'CRM answers 429 (rate limited) seen by sync runs, by connection', ['connection'] as const);

  readonly syncRuns = this.counter('corridor_sync_runs_total', 'Sync runs this process ended, by connection and status', ['connection', 'status'] as const);

  readonly segmentationRuns = this.counter('corridor_segmentation_runs_total', 'Segmentation runs this process finished (went live or completed a preview), by kind', ['kind'] as const);

  readonly segmentationCustomers = this.counter('corridor_segmentation_customers_total', 'Customers evaluated by re-segmentation chunks; rate() over it is customers/s');

  readonly segmentationChunkSeconds = new Histogram({
    name: 'corridor_segmentation_chunk_seconds',
    help: 'Time a re-segmentation chunk took; customers_total / chunk_seconds_sum is customers/s while busy',
    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [this.registry],
  });

  readonly eventsDecided = this.counter('corridor_events_decided_total', 'Touchpoint events decided (a decision recorded; a retried job deciding an event again is not counted)');

  readonly decisions = this.counter('corridor_decisions_total', 'Decisions by outcome (treated, held, suppressed, held_out, no_treatment) and, for suppressed ones, the reason code', ['outcome', 'reason'] as const);

  readonly deliveries = this.counter('corridor_delivery_attempts_total', 'Delivery attempts by result (delivered, retrying, dead)', ['result'] as const);

  /** A counter in this registry: name, help and labels are all that differ between them. */
  private counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  constructor(app = 'worker') {
    this.registry.setDefaultLabels({ app });
    collectDefaultMetrics({ register: this.registry });
  }

  /** Where the queue gauges read their counts at scrape time (the worker's queues, from Redis). */
  readQueuesWith(source: () => Promise<QueueCounts[]>): void {
    this.queueSource = source;
  }
}
