/**
 * Monthly partitions of the event tables (touchpoint events, decisions, deliveries), by the event's
 * arrival time in UTC: which months to create ahead, which to drop for retention. Pure: the caller
 * passes the clock and the months that exist.
 */

/** A UTC month as `YYYY-MM`. */
export type Month = string;

export interface PartitionPlan {
  /** Months to create (missing ones from the current month through `monthsAhead` ahead), oldest first. */
  create: Month[];
  /** Existing months wholly older than the retention horizon, oldest first. */
  drop: Month[];
  /** The first instant kept: rows received before it are past retention (null: retention is off). */
  horizon: Date | null;
}

const MONTH = /^(\d{4})-(\d{2})$/;

export function monthOf(at: Date): Month {
  return `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function addMonths(month: Month, n: number): Month {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  const index = Number(m[1]) * 12 + Number(m[2]) - 1 + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

export function monthStart(month: Month): Date {
  const m = MONTH.exec(month);
  if (!m) throw new Error(`not a month: ${month}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

/**
 * A month is dropped only once all of it is older than `retentionDays` (so rows are kept at least
 * that long, and at most a month longer). `retentionDays` 0 keeps everything.
 */
export function planPartitions(now: Date, existing: readonly Month[], options: { retentionDays: number; monthsAhead: number }): PartitionPlan {
  const have = new Set(existing);
  const current = monthOf(now);
  const create: Month[] = [];
  for (let i = 0; i <= options.monthsAhead; i++) {
    const month = addMonths(current, i);
    if (!have.has(month)) create.push(month);
  }
  if (options.retentionDays <= 0) return { create, drop: [], horizon: null };
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
  // The first month that still holds rows younger than the cutoff: everything before it goes.
  const keepFrom = monthOf(cutoff);
  const drop = [...have].filter((m) => m < keepFrom).sort();
  return { create, drop, horizon: monthStart(keepFrom) };
}
