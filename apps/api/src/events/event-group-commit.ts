import { Logger, OnModuleDestroy } from '@nestjs/common';
import { DomainError, EVENT_LIMITS, EventIngestResult, TouchpointEventInput } from '@corridor/domain';
import { isDatabaseUnavailable, TouchpointEventStore } from '@corridor/persistence';

/** One request's events, as EventsService hands them to the store. */
export interface IngestRequest {
  source: string;
  items: ReadonlyArray<{ index: number; event: TouchpointEventInput; customerField?: string }>;
  field: (index: number, name: string) => string;
  correlationId?: string;
  /** The request's trace context: its events' outbox rows carry it, whichever request's turn writes the group. */
  traceparent?: string;
}

export interface GroupCommitOptions {
  /** Groups being written at once; what arrives meanwhile waits and forms the next group. */
  maxConcurrentGroups: number;
  /** Events per group at most (one statement's worth, like one `{events: [...]}` request). */
  maxGroupEvents: number;
  /** A waiter is answered 503 DATABASE_UNAVAILABLE after this long, whatever its group is doing. */
  waitTimeoutMs: number;
  /** Told each group's number of requests (the API's metrics). */
  onGroup?: (requests: number) => void;
}

/**
 * 2 groups in flight: one committing while the next fills. 10 s: longer than a busy commit takes
 * on a loaded machine (p99 ≈ 4 s at load average 26), shorter than a client's patience; a
 * Postgres that refuses or drops connections fails faster (the pool's 5 s connect timeout, or at once).
 */
export const GROUP_COMMIT_DEFAULTS: GroupCommitOptions = { maxConcurrentGroups: 2, maxGroupEvents: EVENT_LIMITS.batch, waitTimeoutMs: 10_000 };

interface Waiter {
  request: IngestRequest;
  resolve(results: EventIngestResult[]): void;
  reject(error: unknown): void;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

/**
 * Group commit for `POST /v1/events`: requests that arrive while a group is being written join the
 * next one, and each group is ONE resolve query and ONE insert statement (events with their outbox
 * rows, atomic, committed before any of its requests is answered), so many requests share one WAL
 * flush instead of paying one each. An idle API writes a lone request on the next turn of the event
 * loop (no added wait); under load the groups grow by themselves.
 *
 * Each request gets its own results (its indexes, its field names, its correlation id on its rows);
 * a repeated idempotency key across requests of a group is `accepted` for the first and `duplicate`
 * for the rest, as when two requests race. If a group's statement fails for a reason other than
 * the database being away (one event the database refuses), nothing of it was written and each
 * request is written again on its own, so one bad event fails only its request. A database that is
 * away fails every waiter (503); a waiter never waits longer than `waitTimeoutMs` (503 too: its
 * events may still commit, and a retry with the same idempotency keys is then `duplicate`).
 */
export class EventGroupCommit implements OnModuleDestroy {
  private readonly logger = new Logger(EventGroupCommit.name);
  private pending: Waiter[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly options: GroupCommitOptions;

  constructor(
    private readonly store: TouchpointEventStore,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { ...GROUP_COMMIT_DEFAULTS, ...options };
  }

  /** The request's results, once the group holding it has committed. */
  ingest(request: IngestRequest): Promise<EventIngestResult[]> {
    if (request.items.length === 0) return Promise.resolve([]);
    return new Promise<EventIngestResult[]>((resolve, reject) => {
      const waiter: Waiter = { request, resolve, reject, settled: false };
      waiter.timer = setTimeout(() => {
        this.settle(waiter, undefined, timedOut());
        // Out of the queue at once: while Postgres hangs, waiting requests must not pile up in memory.
        const at = this.pending.indexOf(waiter);
        if (at >= 0) this.pending.splice(at, 1);
      }, this.options.waitTimeoutMs);
      this.pending.push(waiter);
      this.schedule();
    });
  }

  onModuleDestroy(): void {
    for (const w of this.pending) this.settle(w, undefined, new DomainError('SHUTTING_DOWN', 'The API is shutting down; send the events again', 'unavailable'));
    this.pending = [];
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxConcurrentGroups || this.pending.length === 0) return;
    this.scheduled = true;
    // setImmediate: the requests whose bodies arrived in this turn of the event loop join too.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxConcurrentGroups && this.pending.length > 0) void this.flush(this.take());
    });
  }

  /** The next group: waiting requests in arrival order, up to maxGroupEvents events (at least one request). */
  private take(): Waiter[] {
    const group: Waiter[] = [];
    let events = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0];
      if (group.length > 0 && events + next.request.items.length > this.options.maxGroupEvents) break;
      this.pending.shift();
      // A waiter that timed out is not written: its client already heard 503.
      if (next.settled) continue;
      group.push(next);
      events += next.request.items.length;
    }
    return group;
  }

  private async flush(group: Waiter[]): Promise<void> {
    if (group.length === 0) return;
    this.options.onGroup?.(group.length);
    this.inFlight++;
    try {
      await this.write(group);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async write(group: Waiter[]): Promise<void> {
    const bySource = new Map<string, Waiter[]>();
    for (const w of group) {
      const same = bySource.get(w.request.source);
      if (same) same.push(w);
      else bySource.set(w.request.source, [w]);
    }
    for (const [source, waiters] of bySource) {
      try {
        const results = await this.writeTogether(source, waiters);
        waiters.forEach((w, i) => this.settle(w, results[i]));
      } catch (e) {
        if (waiters.length === 1 || isDatabaseUnavailable(e)) {
          for (const w of waiters) this.settle(w, undefined, e);
          continue;
        }
        // Nothing of the group was written (one statement): each request alone, so the error stays with its own.
        this.logger.warn({ err: (e as Error).message, requests: waiters.length }, 'a group commit failed; writing its requests one by one');
        await Promise.all(
          waiters.map((w) =>
            this.store.ingest(source, w.request.items.map((item) => ({ ...item, traceparent: w.request.traceparent })), w.request.field, w.request.correlationId).then(
              (results) => this.settle(w, results),
              (error: unknown) => this.settle(w, undefined, error),
            ),
          ),
        );
      }
    }
  }

  /** One store call for several requests: global indexes in, each request's own results out. */
  private async writeTogether(source: string, waiters: Waiter[]): Promise<EventIngestResult[][]> {
    const owner: Array<{ waiter: number; index: number }> = [];
    const items = waiters.flatMap((w, waiter) =>
      w.request.items.map((item) => {
        owner.push({ waiter, index: item.index });
        return { ...item, index: owner.length - 1, correlationId: w.request.correlationId, traceparent: w.request.traceparent };
      }),
    );
    const field = (global: number, name: string) => {
      const o = owner[global];
      return waiters[o.waiter].request.field(o.index, name);
    };
    const results = await this.store.ingest(source, items, field);
    const perWaiter: EventIngestResult[][] = waiters.map(() => []);
    for (const r of results) {
      const o = owner[r.index];
      perWaiter[o.waiter].push({ ...r, index: o.index });
    }
    return perWaiter;
  }

  private settle(w: Waiter, results?: EventIngestResult[], error?: unknown): void {
    if (w.settled) return;
    w.settled = true;
    clearTimeout(w.timer);
    if (error !== undefined) w.reject(error);
    else w.resolve(results!);
  }
}

/** The same answer as any other request that found the database away (a retry with the same keys is then `duplicate` if the events did commit). */
function timedOut(): DomainError {
  return new DomainError('DATABASE_UNAVAILABLE', 'The database is unavailable or did not answer in time; try again shortly', 'unavailable');
}
