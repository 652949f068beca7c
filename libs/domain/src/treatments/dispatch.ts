import type { CrmObject } from '../customers/customer';
import type { TreatmentType } from './treatment';

/**
 * What a webhook delivery posts: the body rendered at decision time (`deliveries.request.body`),
 * so every attempt and every replay sends the same bytes under the same webhook id.
 */
export interface WebhookDeliveryRequest {
  body: unknown;
}

/** A CRM task for the record's owner, as rendered at decision time. */
export interface CrmTaskDeliveryRequest {
  subject: string;
  body?: string;
  /** ISO date-time the task is due. */
  dueAt: string;
  priority?: 'low' | 'medium' | 'high';
}

export interface CrmPropertyDeliveryRequest {
  property: string;
  value: string;
}

export interface CrmListDeliveryRequest {
  listId: string;
}

/** One attempt at one delivery, handed to the sender of its treatment type. */
export interface DeliveryAttempt {
  deliveryId: string;
  /** The receivers' idempotency key: the same on every attempt and replay. */
  webhookId: string;
  treatmentType: TreatmentType;
  /** 1-based, counting every attempt the delivery ever made. */
  attempt: number;
  request: Record<string, unknown>;
  destinationId: string | null;
  connectionId: string | null;
  customerId: string;
}

/**
 * What one attempt came to. `retryable`: timeouts, 5xx, 429 (with the receiver's Retry-After when
 * it sent one); `permanent`: any other refusal (4xx, a destination gone or disabled, a record the
 * CRM does not know); a permanent failure is never retried.
 */
export type SendOutcome =
  /** `notice`: delivered, with something the admin should know (`CODE: why`), e.g. not exactly once. */
  | { kind: 'delivered'; statusCode?: number; notice?: string }
  /** Not attempted: the destination asked everyone to hold off (a shared 429 pause, its rate limit); no attempt is counted. */
  | { kind: 'deferred'; delayMs: number; reason: string }
  | { kind: 'retryable'; statusCode?: number; error: string; retryAfterMs?: number }
  | { kind: 'permanent'; statusCode?: number; error: string };

/** The port a dispatcher sends through, one adapter per family of treatment types (webhook, CRM). */
export interface TreatmentSender {
  readonly types: readonly TreatmentType[];
  send(attempt: DeliveryAttempt): Promise<SendOutcome>;
}

export interface RetryPolicy {
  /** Attempts before a delivery becomes a dead letter (a replay grants as many again). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 1_000, maxDelayMs: 10 * 60_000 };

/** Retry-After is honoured, but a receiver cannot park a delivery for longer than this. */
export const MAX_RETRY_AFTER_MS = 24 * 3600_000;

export type NextStep =
  | { status: 'delivered' }
  | { status: 'deferred'; delayMs: number }
  | { status: 'retrying'; delayMs: number }
  | { status: 'dead'; reason: 'permanent' | 'out_of_attempts' };

/**
 * What follows an attempt. `attemptsInRound` counts this attempt (attempts since the last replay).
 * Backoff is exponential with "equal jitter" (half fixed, half random) so a destination that comes
 * back is not hit by every waiting delivery at the same instant; Retry-After, when given, wins
 * (it is the receiver saying when it can take more).
 */
export function nextStep(outcome: SendOutcome, attemptsInRound: number, policy: RetryPolicy, random: () => number = Math.random): NextStep {
  if (outcome.kind === 'delivered') return { status: 'delivered' };
  if (outcome.kind === 'deferred') return { status: 'deferred', delayMs: Math.min(Math.max(0, Math.ceil(outcome.delayMs)), MAX_RETRY_AFTER_MS) };
  if (outcome.kind === 'permanent') return { status: 'dead', reason: 'permanent' };
  if (attemptsInRound >= policy.maxAttempts) return { status: 'dead', reason: 'out_of_attempts' };
  if (outcome.retryAfterMs !== undefined) return { status: 'retrying', delayMs: Math.min(Math.max(0, Math.ceil(outcome.retryAfterMs)), MAX_RETRY_AFTER_MS) };
  return { status: 'retrying', delayMs: backoffDelay(attemptsInRound, policy, random) };
}

/** Delay after the n-th failed attempt (1-based): base·2^(n−1), capped, half of it jittered. */
export function backoffDelay(failedAttempt: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, Math.min(30, failedAttempt - 1)));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Classifies an HTTP answer: 2xx delivered; 408, 429 and 5xx retryable; other 4xx (and 1xx/3xx) permanent. */
export function outcomeOfStatus(statusCode: number, retryAfterMs?: number): SendOutcome {
  if (statusCode >= 200 && statusCode < 300) return { kind: 'delivered', statusCode };
  if (statusCode === 429 || statusCode === 408 || statusCode >= 500) {
    return { kind: 'retryable', statusCode, error: `HTTP ${statusCode}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
  return { kind: 'permanent', statusCode, error: `HTTP ${statusCode}` };
}

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Where a CRM treatment lands: the record the customer came from. */
export interface CrmRecordRef {
  externalId: string;
  crmObject: CrmObject;
}

/** A delivery as the dispatcher and the dead-letter routes see it. */
export interface DeliveryRecord {
  id: string;
  decisionId: string;
  eventId: string;
  customerId: string;
  treatmentKey: string;
  treatmentType: TreatmentType;
  channel: string;
  webhookId: string;
  destinationId: string | null;
  connectionId: string | null;
  status: import('./decision').DeliveryStatus;
  /** Every attempt ever made (replays included). */
  attempts: number;
  /** `attempts` when last replayed: attempts since then count against the retry policy. */
  attemptsAtReplay: number;
  replays: number;
  nextAttemptAt: Date | null;
  request: Record<string, unknown>;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Delivered with a caveat (`CODE: why`): a CRM task made without its idempotency key. */
  notice: string | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  deadAt: Date | null;
  /** Its event's arrival (the month partition key it shares with the event): jobs about it carry it as a hint. */
  eventReceivedAt: Date;
}

/** What an attempt writes back to its delivery. */
export interface DeliveryUpdate {
  status: import('./decision').DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  /** Only with `delivered` (a delivered delivery is never attempted again); other updates leave it. */
  notice?: string;
}

/**
 * Whether a dispatch job should make an attempt now: never for a delivered or dead delivery, nor
 * for one due later (held for quiet hours, or waiting for its backoff): the job that brings it
 * back at its time (a delayed job, or the reconciler) does.
 */
export function isDue(d: Pick<DeliveryRecord, 'status' | 'nextAttemptAt'>, now: Date): boolean {
  if (d.status === 'delivered' || d.status === 'dead') return false;
  return d.nextAttemptAt === null || d.nextAttemptAt.getTime() <= now.getTime();
}

/** The update an attempt's outcome leads to (after `nextStep`). */
export function updateAfter(
  d: Pick<DeliveryRecord, 'attempts' | 'status' | 'lastStatusCode' | 'lastError'>,
  outcome: SendOutcome,
  step: NextStep,
  now: Date,
): DeliveryUpdate {
  if (outcome.kind === 'deferred' || step.status === 'deferred') {
    // Nothing was sent: only the time it is next due moves.
    const delayMs = step.status === 'deferred' ? step.delayMs : 0;
    return { status: d.status, attempts: d.attempts, nextAttemptAt: new Date(now.getTime() + delayMs), lastStatusCode: d.lastStatusCode, lastError: d.lastError };
  }
  const attempts = d.attempts + 1;
  const statusCode = outcome.statusCode ?? null;
  const lastError = outcome.kind === 'delivered' ? null : outcome.error.slice(0, 500);
  switch (step.status) {
    case 'delivered':
      return {
        status: 'delivered',
        attempts,
        nextAttemptAt: null,
        lastStatusCode: statusCode,
        lastError: null,
        ...(outcome.kind === 'delivered' && outcome.notice ? { notice: outcome.notice.slice(0, 1000) } : {}),
      };
    case 'retrying':
      return { status: 'retrying', attempts, nextAttemptAt: new Date(now.getTime() + step.delayMs), lastStatusCode: statusCode, lastError };
    case 'dead':
      return { status: 'dead', attempts, nextAttemptAt: null, lastStatusCode: statusCode, lastError };
  }
}
