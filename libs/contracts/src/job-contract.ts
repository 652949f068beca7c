import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { QueueName } from './queue-names';

/**
 * A job kind: its queue, its name, its payload class (validated by the worker before acting) and
 * how its id is built. Producers and processors both go through this, so a name can never be
 * paired with the wrong payload.
 */
export interface JobContract<P extends object = object> {
  readonly queue: QueueName;
  readonly name: string;
  readonly payload: new () => P;
  /**
   * A deterministic id makes BullMQ drop a duplicate while the first is still known; it is only a
   * first filter: the handler is idempotent in Postgres. `undefined` lets BullMQ number it.
   */
  jobId(payload: P): string | undefined;
}

export function defineJob<P extends object>(contract: JobContract<P>): JobContract<P> {
  return contract;
}

export type PayloadOf<C> = C extends JobContract<infer P> ? P : never;

export class InvalidJobPayloadError extends Error {
  constructor(
    readonly job: string,
    readonly problems: string[],
  ) {
    super(`Invalid payload for job ${job}: ${problems.join('; ')}`);
    this.name = 'InvalidJobPayloadError';
  }
}

/**
 * The one key job data may carry beside the payload: the correlation id of the request or job that
 * enqueued it, so the worker logs the job under the same id. Not part of any payload.
 */
export const JOB_CORRELATION_KEY = 'correlationId';

/** The correlation id that came with a job's data, if any (not yet checked: see correlationIdFrom). */
export function jobCorrelationId(data: unknown): string | undefined {
  const value = (data as Record<string, unknown> | null | undefined)?.[JOB_CORRELATION_KEY];
  return typeof value === 'string' ? value : undefined;
}

/** Validates job data against its contract; throws InvalidJobPayloadError (permanent: never retried). */
export function parseJobPayload<P extends object>(contract: JobContract<P>, data: unknown): P {
  const { [JOB_CORRELATION_KEY]: _correlation, ...rest } = (data ?? {}) as Record<string, unknown>;
  const payload = plainToInstance(contract.payload, rest);
  // forbidUnknownValues would refuse every payload of a class without validated properties (the
  // reconcile job's `{}`): the class always comes from the contract, and unknown keys are still
  // refused by forbidNonWhitelisted.
  const errors = validateSync(payload, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  if (errors.length) {
    throw new InvalidJobPayloadError(
      `${contract.queue}/${contract.name}`,
      errors.flatMap((e) => Object.values(e.constraints ?? { [e.property]: 'is invalid' }).map((m) => `${e.property}: ${m}`)),
    );
  }
  return payload;
}

/** BullMQ ids may not contain ':' (its key separator); keep them readable anyway. */
export function jobIdOf(...parts: Array<string | number>): string {
  return parts.map((p) => String(p).replace(/:/g, '_')).join('.');
}
