import { Logger, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '@corridor/config';
import { DomainError, EVENT_LIMITS, EventIngestResult, TouchpointEventInput } from '@corridor/domain';
import { isDatabaseUnavailable, isStatementTimedOut, StoreOnOwnPool, TouchpointEventStore } from '@corridor/persistence';

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
  /**
   * A request still queued (not yet in a group being written) after this long is answered 503
   * EVENT_WRITE_TIMEOUT, nothing of it written. Once in a group, its group's outcome answers it.
   */
  waitTimeoutMs: number;
  /** Postgres cancels a group's statement past this (rolled back: nothing of the group written). */
  statementTimeoutMs: number;
  /** A group's statement waiting this long on a lock another session holds fails (rolled back too). */
  lockTimeoutMs: number;
  /** Told each group's number of requests (the API's metrics). */
  onGroup?: (requests: number) => void;
}

/**
 * 2 groups in flight: one committing while the next fills. A group's statement runs in
 * milliseconds, and in well under a second on a loaded machine; one that waits 1 s on a lock
 * (another session writing the same idempotency key, a DDL) or runs 4 s (a stalled server) is
 * hung, and holding one of the two slots longer would stop all single-event ingest. 10 s in the
 * queue: longer than a busy burst takes to drain on a loaded machine, shorter than a client's patience.
 * The api sets the first and the two bounds from its settings (`groupCommitSettings`), whose
 * defaults are these.
 */
export const GROUP_COMMIT_DEFAULTS: GroupCommitOptions = {
  maxConcurrentGroups: 2,
  maxGroupEvents: EVENT_LIMITS.batch,
  waitTimeoutMs: 10_000,
  statementTimeoutMs: 4_000,
  lockTimeoutMs: 1_000,
};

/**
 * The options the settings decide: EVENT_GROUP_POOL_SIZE connections (one per group in flight and
 * one for the one-by-one retry of a failed group), and the statement and lock timeouts.
 */
export function groupCommitSettings(
  config: Pick<AppConfig, 'EVENT_GROUP_POOL_SIZE' | 'EVENT_GROUP_STATEMENT_TIMEOUT_MS' | 'EVENT_GROUP_LOCK_TIMEOUT_MS'>,
): Pick<GroupCommitOptions, 'maxConcurrentGroups' | 'statementTimeoutMs' | 'lockTimeoutMs'> {
  return {
    maxConcurrentGroups: config.EVENT_GROUP_POOL_SIZE - 1,
    statementTimeoutMs: config.EVENT_GROUP_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.EVENT_GROUP_LOCK_TIMEOUT_MS,
  };
}

/** The client's own bound on an answer beyond the server's statement timeout (a server that stalls). */
const READ_TIMEOUT_MARGIN_MS = 1_000;

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
 * away fails every waiter (503 DATABASE_UNAVAILABLE).
 *
 * Every group is bounded: its statements run on a pool of their own whose sessions carry a
 * statement and a lock timeout, so a group that hangs (a lock another session holds, a stalled
 * server) fails within `lockTimeoutMs` or `statementTimeoutMs` per statement, Postgres rolls the
 * statement back (the group's events and outbox rows are one statement: all or nothing), and every
 * request of the group is answered 503 EVENT_WRITE_TIMEOUT, none of them 202. Its slot is then free
 * for the next group. Only when the server stops answering altogether does the client give up
 * first (a second later) without knowing the outcome; a retry with the same keys is then `duplicate`
 * if the events did commit.
 *
 * On shutdown (onModuleDestroy, after the HTTP server stopped taking requests) the queued groups
 * are written and the ones in flight finish before the pool closes; nothing queued is dropped.
 */
export class EventGroupCommit implements OnModuleDestroy {
  private readonly logger = new Logger(EventGroupCommit.name);
  private pending: Waiter[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  /** Called when nothing is queued or in flight (drain). */
  private idle: Array<() => void> = [];
  private readonly options: GroupCommitOptions;
  private readonly store: TouchpointEventStore;
  private readonly pool: StoreOnOwnPool;

  constructor(store: TouchpointEventStore, options: Partial<GroupCommitOptions> = {}) {
    this.options = { ...GROUP_COMMIT_DEFAULTS, ...options };
    const { maxConcurrentGroups, statementTimeoutMs, lockTimeoutMs } = this.options;
    // One connection per group in flight, and one for the one-by-one retry of a failed group.
    this.pool = store.withOwnPool({
      connections: maxConcurrentGroups + 1,
      statementTimeoutMs,
      lockTimeoutMs,
      readTimeoutMs: statementTimeoutMs + READ_TIMEOUT_MARGIN_MS,
      applicationName: 'corridor-api-events',
    });
    this.store = this.pool.store;
  }

  /** The request's results, once the group holding it has committed. */
  ingest(request: IngestRequest): Promise<EventIngestResult[]> {
    if (request.items.length === 0) return Promise.resolve([]);
    if (this.closed) return Promise.reject(shuttingDown());
    return new Promise<EventIngestResult[]>((resolve, reject) => {
      const waiter: Waiter = { request, resolve, reject, settled: false };
      waiter.timer = setTimeout(() => {
        this.settle(waiter, undefined, timedOut());
        // Out of the queue at once: while Postgres hangs, waiting requests must not pile up in memory.
        const at = this.pending.indexOf(waiter);
        if (at >= 0) this.pending.splice(at, 1);
        this.notifyIfIdle();
      }, this.options.waitTimeoutMs);
      this.pending.push(waiter);
      this.schedule();
    });
  }

  /** Resolves once nothing is queued or being written (each group is bounded, so this is too). */
  drain(): Promise<void> {
    if (this.pending.length === 0 && this.inFlight === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Shutdown: writes what is queued, waits for the groups in flight, then closes its pool. */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await this.drain();
    await this.pool.end();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxConcurrentGroups) return;
    if (this.pending.length === 0) return this.notifyIfIdle();
    this.scheduled = true;
    // setImmediate: the requests whose bodies arrived in this turn of the event loop join too.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxConcurrentGroups && this.pending.length > 0) void this.flush(this.take());
      this.notifyIfIdle();
    });
  }

  private notifyIfIdle(): void {
    if (this.idle.length > 0 && this.pending.length === 0 && this.inFlight === 0 && !this.scheduled) for (const done of this.idle.splice(0)) done();
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
      // From here its group's outcome answers it: a 503 while its events might still commit would be a lie.
      clearTimeout(next.timer);
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
        // Hung (rolled back by Postgres), or the database is away: the others would fare no better alone.
        if (waiters.length === 1 || isStatementTimedOut(e) || isDatabaseUnavailable(e)) {
          if (isStatementTimedOut(e)) this.logger.warn({ err: (e as Error).message, requests: waiters.length }, 'a group commit timed out');
          const answer = isStatementTimedOut(e) ? timedOut() : e;
          for (const w of waiters) this.settle(w, undefined, answer);
          continue;
        }
        // Nothing of the group was written (one statement): each request alone, so the error stays with its own.
        this.logger.warn({ err: (e as Error).message, requests: waiters.length }, 'a group commit failed; writing its requests one by one');
        await Promise.all(
          waiters.map((w) =>
            this.store.ingest(source, w.request.items.map((item) => ({ ...item, traceparent: w.request.traceparent })), w.request.field, w.request.correlationId).then(
              (results) => this.settle(w, results),
              (error: unknown) => this.settle(w, undefined, isStatementTimedOut(error) ? timedOut() : error),
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

/** A hung group or a queue that did not move: nothing was written (a retry with the same keys is `duplicate` if it was after all). */
function timedOut(): DomainError {
  return new DomainError('EVENT_WRITE_TIMEOUT', 'The event was not written in time (a lock or a slow database); nothing was stored: send it again', 'unavailable');
}

function shuttingDown(): DomainError {
  return new DomainError('SHUTTING_DOWN', 'The API is shutting down; send the events again', 'unavailable');
}
