/**
 * The outcome of a touchpoint event for one customer: exactly one decision per (event, touchpoint).
 *
 * - `treated`: a treatment was chosen and its delivery created (or, for agent scripts, shown);
 * - `held`: quiet hours: the delivery waits until `releaseAt`, never dropped;
 * - `suppressed`: a contact policy stopped it (reasons say which);
 * - `held_out`: the customer is in the strategy's holdout group;
 * - `no_treatment`: no cell, no option whose condition holds, or the option is "no action".
 */
export type DecisionOutcome = 'treated' | 'held' | 'suppressed' | 'held_out' | 'no_treatment';

export const DECISION_OUTCOMES: readonly DecisionOutcome[] = ['treated', 'held', 'suppressed', 'held_out', 'no_treatment'];

/** Why a treatment was or was not given; stable codes, with a plain-words message. */
export type DecisionReasonCode =
  | 'OPTION_MATCHED'
  | 'NO_CELL'
  | 'NO_OPTION_MATCHED'
  | 'NO_ACTION'
  | 'NO_PERSONA'
  | 'NO_STRATEGY'
  | 'CONSENT_REFUSED'
  | 'FREQUENCY_CAP'
  | 'QUIET_HOURS'
  | 'PRIORITY'
  | 'HOLDOUT'
  | 'CUSTOMER_DELETED'
  /** The customer ignored this treatment too many times in a row: paused for them for a while. */
  | 'TREATMENT_PAUSED';

export interface DecisionReason {
  code: DecisionReasonCode;
  message: string;
  /** e.g. the cap that was reached and until when, the consent attribute, the option index. */
  details?: Record<string, unknown>;
}

/**
 * A delivery's life: `pending` (queued) → `delivered`, or → `retrying` (a retryable failure; next
 * attempt at `nextAttemptAt`) → … → `dead` (out of attempts, or a permanent failure); a dead
 * letter replayed goes back to `pending` with the same webhook id. `held` waits for quiet hours;
 * `suppressed`: a held delivery whose place under a frequency cap a moment of truth took (priority):
 * it is never sent (dispatch treats it like `delivered`/`dead`: nothing to do).
 */
export type DeliveryStatus = 'held' | 'pending' | 'retrying' | 'delivered' | 'dead' | 'suppressed';

export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['held', 'pending', 'retrying', 'delivered', 'dead', 'suppressed'];
