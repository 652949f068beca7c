import { Injectable } from '@nestjs/common';
import { InjectFlowProducer, InjectQueue } from '@nestjs/bullmq';
import { FlowProducer, JobsOptions, Queue } from 'bullmq';
import { JOB_CORRELATION_KEY, JobContract, QUEUE, QueueName, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { currentCorrelationId } from '@corridor/observability';

/** Defaults for every job: keep failures for inspection, retry transient errors with backoff. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

export const SEGMENTATION_FLOW = 'segmentation-flow';

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
    @InjectQueue(QUEUE.crmWriteback) crmWriteback: Queue,
    @InjectQueue(QUEUE.touchpointEvents) touchpointEvents: Queue,
    @InjectQueue(QUEUE.treatmentDispatch) treatmentDispatch: Queue,
    @InjectFlowProducer(SEGMENTATION_FLOW) private readonly flows: FlowProducer,
  ) {
    this.queues = new Map<QueueName, Queue>([
      [QUEUE.crmSync, crmSync],
      [QUEUE.segmentation, segmentation],
      [QUEUE.crmWriteback, crmWriteback],
      [QUEUE.touchpointEvents, touchpointEvents],
      [QUEUE.treatmentDispatch, treatmentDispatch],
    ]);
  }

  queue(name: QueueName): Queue {
    const q = this.queues.get(name);
    if (!q) throw new Error(`Unknown queue ${name}`);
    return q;
  }

  async enqueue<P extends object>(contract: JobContract<P>, payload: P, options: JobsOptions = {}): Promise<string | undefined> {
    const job = await this.queue(contract.queue).add(contract.name, withCorrelation(payload), {
      ...DEFAULT_JOB_OPTIONS,
      jobId: contract.jobId(payload),
      ...options,
    });
    return job.id;
  }

  async enqueueMany<P extends object>(contract: JobContract<P>, payloads: readonly P[], options: JobsOptions = {}): Promise<void> {
    if (payloads.length === 0) return;
    await this.queue(contract.queue).addBulk(
      payloads.map((p) => ({ name: contract.name, data: withCorrelation(p), opts: { ...DEFAULT_JOB_OPTIONS, jobId: contract.jobId(p), ...options } })),
    );
  }

  /** A parent job that runs once all its children have completed (BullMQ flow). */
  async enqueueFlow<P extends object, C extends object>(
    parent: FlowChild<P>,
    children: ReadonlyArray<FlowChild<C>>,
    options: JobsOptions = {},
  ): Promise<void> {
    const opts = (c: JobContract<object>, p: object) => ({ ...DEFAULT_JOB_OPTIONS, jobId: c.jobId(p), ...options });
    await this.flows.add({
      name: parent.contract.name,
      queueName: parent.contract.queue,
      data: withCorrelation(parent.payload),
      opts: opts(parent.contract, parent.payload),
      children: children.map((c) => ({
        name: c.contract.name,
        queueName: c.contract.queue,
        data: withCorrelation(c.payload),
        opts: opts(c.contract, c.payload),
      })),
    });
  }

  /** A re-segmentation run: one chunk job per id range, finalized once all are done. */
  async enqueueSegmentationRun(runId: string, chunks: readonly number[]): Promise<void> {
    await this.enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId } },
      chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId, chunk } })),
    );
  }
}

/** Job data: the payload, and the correlation id of the request or job that enqueues it (for the worker's logs). */
function withCorrelation<P extends object>(payload: P): P & { [JOB_CORRELATION_KEY]?: string } {
  const correlationId = currentCorrelationId();
  return correlationId ? { ...payload, [JOB_CORRELATION_KEY]: correlationId } : { ...payload };
}
