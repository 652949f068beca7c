import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { DISPATCH_DELIVERY, eventArrival } from '@corridor/contracts';
import {
  DeliveryRecord,
  DeliveryUpdate,
  DomainError,
  isDue,
  nextStep,
  NextStep,
  RetryPolicy,
  SendOutcome,
  TreatmentSender,
  TreatmentType,
  updateAfter,
} from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { correlationIdFrom, withCorrelationId, WorkerMetrics } from '@corridor/observability';
import { DispatchStore, type EventArrivalRange } from '@corridor/persistence';

export const TREATMENT_SENDERS = Symbol('TREATMENT_SENDERS');

/** Requests one DISPATCH_DELIVERIES job has in flight at once. */
const SEND_CONCURRENCY = 16;

function inCorrelation<T>(correlationId: string | null, fn: () => T): T {
  return correlationId ? withCorrelationId(correlationIdFrom(correlationId), fn) : fn();
}

export type DispatchResult =
  | { status: 'missing' }
  /** Another worker holds this delivery (it is making the attempt). */
  | { status: 'busy' }
  | { status: 'finished'; deliveryStatus: string }
  /** Held or backing off: due at `dueAt`. */
  | { status: 'not_due'; dueAt: Date }
  | { status: 'attempted'; step: NextStep; attempts: number; statusCode?: number };

/**
 * One attempt at one delivery. The delivery's row lock is held while its sender works, so two
 * workers never make the same attempt; what the attempt came to is written in the same
 * transaction. A retry is a new job (DISPATCH_DELIVERY with the next attempt number) delayed by
 * the backoff or the receiver's Retry-After; if that enqueue is lost, the reconciler finds the
 * `retrying` delivery past its next_attempt_at and enqueues it again.
 */
@Injectable()
export class DispatchService {
  private readonly logger = new Logger('dispatch');
  private readonly senders = new Map<TreatmentType, TreatmentSender>();
  private readonly policy: RetryPolicy;

  constructor(
    private readonly store: DispatchStore,
    private readonly jobs: JobProducer,
    config: AppConfig,
    @Inject(TREATMENT_SENDERS) senders: TreatmentSender[],
    @Optional() private readonly metrics?: WorkerMetrics,
  ) {
    for (const s of senders) for (const t of s.types) this.senders.set(t, s);
    this.policy = { maxAttempts: config.DISPATCH_MAX_ATTEMPTS, baseDelayMs: config.DISPATCH_BACKOFF_BASE_MS, maxDelayMs: config.DISPATCH_BACKOFF_MAX_MS };
  }

  /** `arrival`: the job's hint of the delivery's event arrival (its partition key); optional. */
  async dispatch(deliveryId: string, arrival?: EventArrivalRange): Promise<DispatchResult> {
    let receivedAt: Date | undefined;
    const locked = await this.store.withLocked<DispatchResult>(
      deliveryId,
      (d) => {
        receivedAt = d.eventReceivedAt;
        return this.attempt(d);
      },
      arrival,
    );
    if (locked.status !== 'done') return locked;
    const result = locked.result;
    this.count(result);
    if (result.status === 'attempted' && result.step.status === 'retrying') await this.retry(deliveryId, result.attempts + 1, result.step.delayMs, receivedAt);
    return result;
  }

  /**
   * First attempts at several deliveries (DISPATCH_DELIVERIES): one transaction locks them all,
   * the requests go out concurrently (SEND_CONCURRENCY at a time), the outcomes are written by one
   * statement. What comes next is as for one: a retry is a DISPATCH_DELIVERY job with the next
   * attempt number after the backoff; one not due yet (rate limited) a DISPATCH_DELIVERY at its
   * time. Each delivery is attempted and logged under its event's correlation id.
   */
  async dispatchMany(deliveryIds: readonly string[], arrival?: EventArrivalRange): Promise<Map<string, DispatchResult>> {
    const results = new Map<string, DispatchResult>();
    const records = new Map<string, { attempts: number; correlationId: string | null; eventReceivedAt: Date }>();
    const locked = await this.store.withLockedMany(deliveryIds, async (ds) => {
      const updates = new Map<string, DeliveryUpdate>();
      let next = 0;
      const lane = async () => {
        while (next < ds.length) {
          const d = ds[next++];
          records.set(d.id, { attempts: d.attempts, correlationId: d.correlationId, eventReceivedAt: d.eventReceivedAt });
          const { update, result } = await inCorrelation(d.correlationId, () => this.attempt(d));
          if (update) updates.set(d.id, update);
          results.set(d.id, result);
        }
      };
      await Promise.all(Array.from({ length: Math.min(SEND_CONCURRENCY, ds.length) }, lane));
      return { updates, result: null };
    }, arrival);
    for (const id of locked.busy) results.set(id, { status: 'busy' });
    for (const id of locked.missing) results.set(id, { status: 'missing' });
    for (const [id, result] of results) {
      const rec = records.get(id);
      if (!rec) continue;
      this.count(result);
      await inCorrelation(rec.correlationId, async () => {
        if (result.status === 'attempted' && result.step.status === 'retrying') await this.retry(id, result.attempts + 1, result.step.delayMs, rec.eventReceivedAt);
        // No attempt was made (rate limited, or due later): the attempt it would have been comes back at its time.
        else if (result.status === 'not_due') await this.retry(id, rec.attempts + 1, Math.max(0, result.dueAt.getTime() - Date.now()), rec.eventReceivedAt);
      });
    }
    return results;
  }

  /** One attempt at a locked delivery, and the update to write with it (null: nothing to write). */
  private async attempt(d: DeliveryRecord): Promise<{ update: DeliveryUpdate | null; result: DispatchResult }> {
    const now = new Date();
    // Finished, or suppressed by a later decision (a moment of truth took its place under a cap).
    if (d.status === 'delivered' || d.status === 'dead' || d.status === 'suppressed') return { update: null, result: { status: 'finished', deliveryStatus: d.status } };
    if (!isDue(d, now)) return { update: null, result: { status: 'not_due', dueAt: d.nextAttemptAt! } };
    const outcome = await this.send(d);
    const step = nextStep(outcome, d.attempts - d.attemptsAtReplay + 1, this.policy);
    const update = updateAfter(d, outcome, step, new Date());
    if (step.status === 'deferred') return { update, result: { status: 'not_due', dueAt: update.nextAttemptAt! } };
    const statusCode = outcome.kind === 'deferred' ? undefined : outcome.statusCode;
    // Every attempt at debug (deliveries are the hot path); failures at info/warn.
    const level = step.status === 'delivered' ? 'debug' : step.status === 'dead' ? 'warn' : 'log';
    this.logger[level](
      { deliveryId: d.id, treatment: d.treatmentKey, type: d.treatmentType, attempt: update.attempts, outcome: outcome.kind, statusCode, next: step.status },
      'delivery attempt',
    );
    return { update, result: { status: 'attempted', step, attempts: update.attempts, statusCode } };
  }

  /** Counted once committed: an attempt whose write rolled back is made again. */
  private count(result: DispatchResult): void {
    if (result.status === 'attempted') this.metrics?.deliveries.inc({ result: result.step.status });
  }

  private async retry(deliveryId: string, attempt: number, delayMs: number, eventReceivedAt?: Date): Promise<void> {
    await this.jobs
      .enqueue(DISPATCH_DELIVERY, { deliveryId, attempt, ...eventArrival(eventReceivedAt ? [eventReceivedAt] : []) }, { delay: delayMs })
      // The delivery is `retrying` (or pending) in Postgres: the reconciler brings it back if this enqueue is lost.
      .catch((e) => this.logger.warn({ deliveryId, err: (e as Error).message }, 'could not enqueue the next attempt'));
  }

  private async send(d: DeliveryRecord): Promise<SendOutcome> {
    const sender = this.senders.get(d.treatmentType);
    if (!sender) return { kind: 'permanent', error: `no sender for treatment type ${d.treatmentType}` };
    try {
      return await sender.send({
        deliveryId: d.id,
        webhookId: d.webhookId,
        treatmentType: d.treatmentType,
        attempt: d.attempts + 1,
        request: d.request,
        destinationId: d.destinationId,
        connectionId: d.connectionId,
        customerId: d.customerId,
      });
    } catch (e) {
      // Senders answer outcomes; a throw is a dependency (Redis, the CRM) failing: retry, unless
      // a domain error says it is permanent.
      if (e instanceof DomainError && !e.transient) return { kind: 'permanent', error: `${e.code}: ${e.message}`.slice(0, 500) };
      return { kind: 'retryable', error: e instanceof DomainError ? `${e.code}: ${e.message}` : 'internal error while sending' };
    }
  }
}
