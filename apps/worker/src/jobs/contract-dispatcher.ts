import { Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { DomainError } from '@corridor/domain';
import { InvalidJobPayloadError, jobCorrelationId, JobContract, parseJobPayload, QueueName } from '@corridor/contracts';
import { correlationIdFrom, errorForLog, withCorrelationId } from '@corridor/observability';

export type JobHandler<P extends object> = (payload: P, job: Job, token?: string) => Promise<unknown>;

export interface HandlerBinding<P extends object = any> {
  contract: JobContract<P>;
  handle: JobHandler<P>;
}

export function bind<P extends object>(contract: JobContract<P>, handle: JobHandler<P>): HandlerBinding<P> {
  return { contract, handle };
}

/**
 * Routes a queue's jobs to handlers by contract. Construction fails when a contract of the queue
 * has no handler (a job nobody would process), so a worker never boots half-wired. Payloads are
 * validated before the handler runs; permanent failures become UnrecoverableError (no retries),
 * transient ones are rethrown for BullMQ's backoff.
 */
export class ContractDispatcher {
  private readonly handlers = new Map<string, HandlerBinding>();

  constructor(
    readonly queue: QueueName,
    contracts: readonly JobContract[],
    bindings: readonly HandlerBinding[],
    private readonly logger = new Logger(`queue:${queue}`),
  ) {
    for (const b of bindings) {
      if (b.contract.queue !== queue) throw new Error(`Job ${b.contract.name} belongs to ${b.contract.queue}, not ${queue}`);
      this.handlers.set(b.contract.name, b);
    }
    const missing = contracts.filter((c) => !this.handlers.has(c.name)).map((c) => c.name);
    if (missing.length) throw new Error(`Queue ${queue} has no handler for: ${missing.join(', ')}`);
  }

  /**
   * Handles a job inside the correlation id of the request or job that enqueued it (a new one for
   * scheduled jobs), so everything the handler logs, and every job it enqueues, carries that id.
   */
  dispatch(job: Job, token?: string): Promise<unknown> {
    return withCorrelationId(correlationIdFrom(jobCorrelationId(job.data)), () => this.handle(job, token));
  }

  private async handle(job: Job, token?: string): Promise<unknown> {
    const binding = this.handlers.get(job.name);
    if (!binding) throw new UnrecoverableError(`No handler for job ${job.name} on ${this.queue}`);
    let payload: object;
    try {
      payload = parseJobPayload(binding.contract, job.data);
    } catch (e) {
      if (e instanceof InvalidJobPayloadError) throw new UnrecoverableError(e.message);
      throw e;
    }
    try {
      const result = await binding.handle(payload, job, token);
      this.logger.debug({ job: job.name, jobId: job.id, attempt: job.attemptsMade + 1 }, 'job done');
      return result;
    } catch (e) {
      if (e instanceof DelayedError) throw e;
      if (e instanceof DomainError && !e.transient) {
        this.logger.warn({ job: job.name, jobId: job.id, code: e.code, msg: e.message }, 'job failed permanently');
        throw new UnrecoverableError(`${e.code}: ${e.message}`);
      }
      // Otherwise BullMQ only records it on the job: say so in the log, safely (no SQL parameters).
      const attempt = (job.attemptsMade ?? 0) + 1;
      const attempts = job.opts?.attempts ?? 1;
      this.logger.warn(
        { job: job.name, jobId: job.id, attempt, attempts, err: e instanceof Error ? errorForLog(e) : String(e) },
        attempt < attempts ? 'job failed; BullMQ retries it' : 'job failed on its last attempt',
      );
      throw e;
    }
  }
}
