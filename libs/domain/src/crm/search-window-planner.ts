/**
 * Incremental reads from a search API that sorts by one key and refuses to page past a hard cap
 * (HubSpot: 10,000 results). Instead of paging on, the window moves: a "range" query reads
 * modifiedAt in (from, to], sorted ascending; when the cap nears, the timestamp of the last hit is
 * finished in a "tie" query (modifiedAt = t, id > lastId, sorted by id, re-windowed by id if even
 * that hits the cap), then the range resumes strictly after t. Each step moves the lower bound
 * forward, so thousands of records sharing one millisecond are neither skipped nor looped on.
 */
export interface SearchWindow {
  mode: 'range' | 'tie';
  /** Range: lower bound (ms). */
  from: number;
  fromInclusive: boolean;
  /** Upper bound (ms, inclusive), fixed for the whole sync: "now" minus the search-lag margin. */
  to: number;
  /** Tie: the timestamp being finished, and ids already read at it. */
  tieAt?: number;
  afterId?: string | null;
  /** Results already paged in this query, and the vendor's paging token to continue it. */
  offset: number;
  after: string | null;
  /** Range: timestamp of the query's first hit (tells a cap full of one timestamp from a mixed one). */
  firstTs?: number;
}

export interface SearchHit {
  id: string;
  modifiedAt: number;
}

export interface WindowLimits {
  pageSize: number;
  /** The first offset the API refuses (HubSpot: 10,000). */
  cap: number;
}

export function firstWindow(from: number, fromInclusive: boolean, to: number): SearchWindow {
  return { mode: 'range', from, fromInclusive, to, offset: 0, after: null };
}

/** The window to read next after a page of `hits` (in the query's sort order), or null when done. */
export function nextWindow(w: SearchWindow, hits: readonly SearchHit[], nextAfter: string | null, limits: WindowLimits): SearchWindow | null {
  const offset = w.offset + hits.length;
  const exhausted = nextAfter === null || hits.length === 0;
  if (w.mode === 'range') {
    if (exhausted) return null;
    const firstTs = w.firstTs ?? hits[0].modifiedAt;
    if (offset + limits.pageSize <= limits.cap) return { ...w, offset, after: nextAfter, firstTs };
    const lastTs = hits[hits.length - 1].modifiedAt;
    // Mixed timestamps: restart at the last one (inclusive); only the records at lastTs are read again.
    if (lastTs > firstTs) return { mode: 'range', from: lastTs, fromInclusive: true, to: w.to, offset: 0, after: null };
    // The whole capped window is one timestamp: finish it by id, then move strictly past it.
    return { mode: 'tie', from: lastTs, fromInclusive: true, to: w.to, tieAt: lastTs, afterId: null, offset: 0, after: null };
  }
  const tieAt = w.tieAt as number;
  if (exhausted) return { mode: 'range', from: tieAt, fromInclusive: false, to: w.to, offset: 0, after: null };
  if (offset + limits.pageSize <= limits.cap) return { ...w, offset, after: nextAfter };
  return { ...w, afterId: hits[hits.length - 1].id, offset: 0, after: null };
}
