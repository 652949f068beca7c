/**
 * Incremental reads from a search API whose `after` is an offset into a live, re-evaluated result
 * set and which refuses to page past a hard cap (HubSpot: 10,000 results).
 *
 * Offset paging loses records when others write while we page: a written record leaves the window
 * (its new modification time is past the cut-off), every later result shifts back by one and one
 * unread record is skipped for good (the next sync starts after it). So a sync reads one fixed
 * modification window [from, to], where `to` (the cut-off) is fixed when the run starts, by keyset
 * on the record id: every request is `modifiedAt in window AND id > last id read`, sorted by id,
 * from offset 0. A write can only move a record out of the window (to after `to`, where the next
 * sync reads it), never shift an unread record below the keyset; ids are unique, so equal
 * modification times need no special case, and no request ever pages past the cap (each record is
 * read once, however many share one millisecond).
 */
export interface SearchWindow {
  /** Lower bound (ms): the previous run's cut-off. */
  from: number;
  fromInclusive: boolean;
  /** Upper bound (ms, inclusive), fixed for the whole run: "now" minus the search-lag margin. */
  to: number;
  /** Keyset: the highest id read so far in this window (ids compare as integers), null at the start. */
  afterId: string | null;
}

export interface SearchHit {
  id: string;
}

export interface WindowLimits {
  pageSize: number;
}

export function firstWindow(from: number, fromInclusive: boolean, to: number): SearchWindow {
  return { from, fromInclusive, to, afterId: null };
}

/**
 * The window to read next after a page of `hits` (sorted by id ascending), or null when the window
 * is read. `total` is the API's count of matches for the request just made (ids > afterId), when
 * it says: a full page that was also the last one then needs no extra, empty request.
 */
export function nextWindow(w: SearchWindow, hits: readonly SearchHit[], limits: WindowLimits, total?: number): SearchWindow | null {
  if (hits.length === 0 || hits.length < limits.pageSize) return null;
  if (total !== undefined && total <= hits.length) return null;
  return { ...w, afterId: hits[hits.length - 1].id };
}

/**
 * A run checkpointed by the earlier planner (offset paging by modification time, with "range" and
 * "tie" windows) resumes from its lower bound by keyset: what it had read is read again, nothing
 * is skipped.
 */
export function resumableWindow(w: SearchWindow | LegacySearchWindow): SearchWindow {
  if (!('mode' in w)) return w;
  if (w.mode === 'tie') return { from: w.tieAt ?? w.from, fromInclusive: true, to: w.to, afterId: null };
  return { from: w.from, fromInclusive: w.fromInclusive, to: w.to, afterId: null };
}

export interface LegacySearchWindow {
  mode: 'range' | 'tie';
  from: number;
  fromInclusive: boolean;
  to: number;
  tieAt?: number;
}
