import { webhookIdArrival } from '@corridor/domain';

/**
 * When some events arrived (their `received_at`, the month partition key of touchpoint_events, and
 * `event_received_at` of decisions and deliveries), as a caller knows it: a job's hint, or the
 * events it has just read. Inclusive, at millisecond precision.
 */
export interface EventArrivalRange {
  receivedFrom?: string | Date;
  receivedTo?: string | Date;
}

/**
 * `[from, to)` to bound a partition key with (`key >= $from AND key < $to`), widened by a
 * millisecond each side (the key has microseconds, a JS Date milliseconds); null when the range is
 * absent or unreadable, and the lookup then probes every month. Bound parameters, not expressions:
 * the planner prunes the other months' partitions when it plans the statement.
 */
export function arrivalBounds(range: EventArrivalRange | null | undefined): [Date, Date] | null {
  if (!range?.receivedFrom || !range.receivedTo) return null;
  const from = new Date(range.receivedFrom).getTime();
  const to = new Date(range.receivedTo).getTime();
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) return null;
  return [new Date(from - 1), new Date(to + 1)];
}

/** The range of these arrival instants (null when there are none). */
export function arrivalOf(times: Iterable<Date | string>): EventArrivalRange | null {
  let min = Infinity;
  let max = -Infinity;
  for (const t of times) {
    const ms = new Date(t).getTime();
    if (Number.isNaN(ms)) return null;
    min = Math.min(min, ms);
    max = Math.max(max, ms);
  }
  return min === Infinity ? null : { receivedFrom: new Date(min), receivedTo: new Date(max) };
}

/**
 * `arrivalBounds` of the event arrival a webhook id carries (ids minted by `mintWebhookId`; the
 * arrival truncated to the millisecond lies inside), or null when it carries none.
 */
export function webhookIdBounds(webhookId: string): [Date, Date] | null {
  const at = webhookIdArrival(webhookId);
  return at === null ? null : arrivalBounds({ receivedFrom: new Date(at), receivedTo: new Date(at) });
}
