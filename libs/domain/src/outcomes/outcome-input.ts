import type { OutcomeType } from './outcome';

/** Limits on what `POST /v1/outcomes` and destination callbacks take (docs/experience.md "Outcomes in"). */
export const OUTCOME_LIMITS = {
  batch: 1000,
  idempotencyKeyLength: 200,
  webhookIdLength: 200,
  commentLength: 2000,
  /** A conversion's value, either sign (refunds): a sanity bound, not a currency rule. */
  maxAbsValue: 1e12,
} as const;

/**
 * What an outcome answers: a delivery by the webhook id it was sent with, or a touchpoint event by
 * Corridor's id or by the idempotency key (and source) its producer sent it with.
 */
export type OutcomeRef =
  | { kind: 'delivery'; webhookId: string }
  | { kind: 'event'; eventId: string }
  | { kind: 'event_key'; source: string; idempotencyKey: string };

/** One outcome as a producer sends it, validated. */
export interface OutcomeInput {
  ref: OutcomeRef;
  type: OutcomeType;
  value: number | null;
  csat: number | null;
  nps: number | null;
  effort: number | null;
  comment: string | null;
  occurredAt: Date;
  idempotencyKey: string;
}

/** What became of each outcome of a batch, in the batch's order. */
export type OutcomeIngestResult =
  | { index: number; status: 'accepted'; outcomeId: string }
  | { index: number; status: 'duplicate'; outcomeId: string }
  | { index: number; status: 'rejected'; code: string; field: string; message: string };

export function countOutcomeResults(results: readonly OutcomeIngestResult[]): Record<OutcomeIngestResult['status'], number> {
  const counts = { accepted: 0, duplicate: 0, rejected: 0 };
  for (const r of results) counts[r.status]++;
  return counts;
}

/** The idempotency key of the `ignored` outcome Corridor infers for a delivery: one per delivery, so a rerun is a no-op. */
export const inferredIgnoredKey = (deliveryId: string): string => `ignored:${deliveryId}`;
