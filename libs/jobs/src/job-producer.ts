import { Injectable } from '@nestjs/common';
import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { FlowProducer, JobsOptions, Queue } from 'bullmq';
import { JOB_CORRELATION_KEY, JobContract, QUEUE, QueueName, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { DomainError } from '@corridor/domain';
import { currentCorrelationId } from '@corridor/observability';

/** How long Redis keeps a failed job for inspection (and for the watchdog to see it failed). */
export const FAILED_JOB_RETENTION_SECONDS = 7 * 24 * 3600;

/** Defaults for every job: keep failures for inspection, retry transient errors with backoff. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: FAILED_JOB_RETENTION_SECONDS },
};

export const SEGMENTATION_FLOW = 'segmentation-flow';

/**
 * How long a producer waits for Redis. BullMQ's clients queue commands while disconnected and
 * wait for a first connection forever, so without a bound a request that enqueues hangs for the
 * whole outage; with it, the caller gets QUEUE_UNAVAILABLE (503) and may retry.
 */
export const QUEUE_TIMEOUT_MS = 5_000;

export class QueueUnavailableError extends DomainError {
  constructor(what: string, reason: string) {
    super('QUEUE_UNAVAILABLE', `The job queue (Redis) is unavailable: could not ${what} (${reason}); try again shortly`, 'unavailable');
  }
}

/** What a Queue and a FlowProducer share: a promise of their ioredis client. */
interface RedisBacked {
  readonly client: Promise<unknown>;
}

export interface FlowChild<P extends object> {
  contract: JobContract<P>;
  payload: P;
}

/** The only way code enqueues work: a contract and its payload, so the two always match. */
@Injectable()
export class JobProducer {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(
    @InjectQueue(QUEUE.crmSync) crmSync: Queue,
    @InjectQueue(QUEUE.segmentation) segmentation: Queue,
    @InjectQueue(QUEUE.segmentationLive) segmentationLive: Queue,
    @InjectQueue(QUEUE.crmWriteback) crmWriteback: Queue,
    @InjectQueue(QUEUE.touchpointEvents) touchpointEvents: Queue,
    @InjectQueue(QUEUE.treatmentDispatch) treatmentDispatch: Queue,
    @InjectQueue(QUEUE.outcomes) outcomes: Queue,
    @InjectQueue(QUEUE.outcomeSweeps) outcomeSweeps: Queue,
    @InjectQueue(QUEUE.measures) measures: Queue,
    @InjectFlowProducer(SEGMENTATION_FLOW) private readonly flows: FlowProducer,
  ) {
    this.queues = new Map<QueueName, Queue>([
      [QUEUE.crmSync, crmSync],
      [QUEUE.segmentation, segmentation],
      [QUEUE.segmentationLive, segmentationLive],
      [QUEUE.crmWriteback, crmWriteback],
      [QUEUE.touchpointEvents, touchpointEvents],
      [QUEUE.treatmentDispatch, treatmentDispatch],
      [QUEUE.outcomes, outcomes],
      [QUEUE.outcomeSweeps, outcomeSweeps],
      [QUEUE.measures, measures],
    ]);
  }

  queue(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`Unknown queue ${name}`);
    return q;
  }

  async enqueue<P extends object>(contract: JobContract<P>, payload: P, options: JobsOptions = {}): Promise<string | undefined> {
    const queue = this.queue(contract.queue);
    const job = await this.bounded(`enqueue ${contract.name}`, queue, () =>
      queue.add(contract.name, withCorrelation(payload), { ...DEFAULT_JOB_OPTIONS, jobId: contract.jobId(payload), ...options }),
    );
    return job.id;
  }

  async enqueueMany<P extends object>(contract: JobContract<P>, payloads: readonly P[], options: JobsOptions = {}): Promise<void> {
    if (payloads.length === 0) return;
    const queue = this.queue(contract.queue);
    await this.bounded(`enqueue ${contract.name}`, queue, () =>
      queue.addBulk(
        payloads.map((p) => ({ name: contract.name, data: withCorrelation(p), opts: { ...DEFAULT_JOB_OPTIONS, jobId: contract.jobId(p), ...options } })),
      ),
    );
  }

  /** Any other operation on a queue (its job schedulers), within the same bound as enqueueing. */
  async onQueue<T>(name: QueueName, what: string, op: (queue: Queue) => Promise<T>): Promise<T> {
    const queue = this.queue(name);
    return this.bounded(what, queue, () => op(queue));
  }

  /** A parent job that runs once all its children have completed (BullMQ flow). */
  async enqueueFlow<P extends object, C extends object>(
    parent: FlowChild<P>,
    children: ReadonlyArray<FlowChild<C>>,
    options: JobsOptions = {},
  ): Promise<void> {
    const opts = (c: JobContract<object>, p: object) => ({ ...DEFAULT_JOB_OPTIONS, jobId: c.jobId(p), ...options });
    // Each node under its queue's own (hash-tagged) prefix, as the queue's workers read it.
    const prefix = (c: JobContract<object>) => this.queue(c.queue).opts.prefix;
    await this.bounded(`enqueue ${parent.contract.name}`, this.flows, () =>
      this.flows.add({
        name: parent.contract.name,
        queueName: parent.contract.queue,
        prefix: prefix(parent.contract),
        data: withCorrelation(parent.payload),
        opts: opts(parent.contract, parent.payload),
        children: children.map((c) => ({
          name: c.contract.name,
          queueName: c.contract.queue,
          prefix: prefix(c.contract),
          data: withCorrelation(c.payload),
          opts: opts(c.contract, c.payload),
        })),
      }),
    );
  }

  /** A re-segmentation run: one chunk job per id range, finalized once all are done. */
  async enqueueSegmentationRun(runId: string, chunks: readonly number[]): Promise<void> {
    await this.enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId } },
      chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId, chunk } })),
    );
  }

  /**
   * Runs one Redis operation of a producer, or fails with QueueUnavailableError. The operation is
   * only issued on a connected client, so a refused call never lands later from ioredis' offline
   * queue; the timeout covers a connection that is up but does not answer.
   */
  private async bounded<T>(what: string, producer: RedisBacked, op: () => Promise<T>): Promise<T> {
    const client = (await withTimeout(producer.client, QUEUE_TIMEOUT_MS, () => new QueueUnavailableError(what, 'not connected'))) as { status?: string };
    if (client.status !== 'ready') throw new QueueUnavailableError(what, `connection ${client.status ?? 'unknown'}`);
    return withTimeout(op(), QUEUE_TIMEOUT_MS, () => new QueueUnavailableError(what, `no answer within ${QUEUE_TIMEOUT_MS} ms`));
  }
}

/** Job data: the payload, and the correlation id of the request or job that enqueues it (for the worker's logs). */
function withCorrelation<P extends object>(payload: P): P & { [JOB_CORRELATION_KEY]?: string } {
  const correlationId = currentCorrelationId();
  return correlationId ? { ...payload, [JOB_CORRELATION_KEY]: correlationId } : { ...payload };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
