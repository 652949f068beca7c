/**
 * Counts for a preview: how many customers each persona would get, and how many move from A to B.
 * Keys are persona keys; `null` (as "∅") is "no assignment yet".
 */
export interface SegmentCounts {
  total: number;
  perPersona: Record<string, number>;
  /** `from` → `to` → count; includes staying put (A → A). */
  transitions: Record<string, Record<string, number>>;
}

export const UNASSIGNED = '(none)';

export function emptyCounts(): SegmentCounts {
  // Keyed by persona keys, which may be named like Object.prototype members (`constructor`).
  return { total: 0, perPersona: Object.create(null), transitions: Object.create(null) };
}

export function countTransition(counts: SegmentCounts, from: string | null, to: string): void {
  counts.total++;
  counts.perPersona[to] = (counts.perPersona[to] ?? 0) + 1;
  const f = from ?? UNASSIGNED;
  const row = (counts.transitions[f] ??= Object.create(null));
  row[to] = (row[to] ?? 0) + 1;
}

export function mergeCounts(into: SegmentCounts, more: SegmentCounts): SegmentCounts {
  into.total += more.total;
  for (const [k, n] of Object.entries(more.perPersona)) into.perPersona[k] = (into.perPersona[k] ?? 0) + n;
  for (const [f, row] of Object.entries(more.transitions)) {
    const target = (into.transitions[f] ??= Object.create(null));
    for (const [t, n] of Object.entries(row)) target[t] = (target[t] ?? 0) + n;
  }
  return into;
}

/** Customers whose persona would change. */
export function movedCount(counts: SegmentCounts): number {
  let moved = 0;
  for (const [f, row] of Object.entries(counts.transitions)) for (const [t, n] of Object.entries(row)) if (f !== t) moved += n;
  return moved;
}
