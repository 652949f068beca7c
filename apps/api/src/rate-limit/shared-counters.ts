import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/**
 * Adds `hits` to a counter shared by every api process and answers its state after them (the Redis
 * script in rate-limit.storage.ts). `timeToExpire` and `timeToBlockExpire` are in milliseconds here.
 */
export type AddHits = (key: string, hits: number, ttlMs: number, limit: number, blockMs: number, name: string) => Promise<CounterState>;

export interface CounterState {
  totalHits: number;
  timeToExpireMs: number;
  isBlocked: boolean;
  timeToBlockExpireMs: number;
}

/**
 * A key's count may be kept in-process, and sent to Redis in the background, while it is below this
 * share of its limit: far from the limit nobody can be refused, so no request needs to wait for
 * the shared count. Nearer, each request goes to Redis and the answer is exact across processes.
 */
export const LOCAL_SHARE = 0.5;
/**
 * What one process may hold of a key's hits that Redis has not answered for (counted locally, not
 * yet sent, or sent and not yet answered), as a share of its limit. Those are the hits the other
 * processes cannot see, so this, times the number of api processes, bounds how far the fleet can
 * pass a limit (see the class comment). Far above what a busy key takes in one SETTLE_MS (1.2
 * million a minute is 1,000 per 50 ms; 2 % of it is 24,000).
 */
export const LOCAL_UNANSWERED_SHARE = 0.02;
/** Limits below this are always counted exactly (a handful of requests; tests and tight policies). */
export const LOCAL_MIN_LIMIT = 200;
/** How often hits counted in-process are added to the shared count. */
export const SETTLE_MS = 50;
/** Keys kept in-process at most (one per key and client address in a window). */
const MAX_KEYS = 50_000;

interface Local {
  /** The shared count as Redis last answered it, this process's hits not yet sent, and those sent but not yet answered. */
  known: number;
  pending: number;
  inFlight: number;
  /** When the shared window ends (epoch ms), as Redis last answered. */
  expiresAt: number;
  limit: number;
  ttlMs: number;
  blockMs: number;
  name: string;
}

/**
 * Per-key request counts shared through Redis, with the round trip taken off the path of requests
 * that are far from their limit. The exact, one-round-trip-per-request counter cost about a tenth
 * of the api's CPU on single-event ingest, for keys (integration keys at 1,200,000 a minute) that
 * are never near their limit; those hits are now counted locally and settled every SETTLE_MS in one
 * command per key. Once a key's count (as last known, plus what this process has not sent) reaches
 * LOCAL_SHARE of its limit, or this process holds LOCAL_UNANSWERED_SHARE of it unanswered, the
 * request goes to Redis (with this process's unsent hits) and is refused exactly as before.
 *
 * The bound: in one window a key's requests accepted by P processes together are at most
 * limit × (1 + P × LOCAL_UNANSWERED_SHARE). Every hit accepted is either in the shared count or held
 * unanswered by one process. A request counted in Redis is accepted only while the shared count,
 * with it, is within the limit; once it passes the limit the key is blocked, and each process
 * stops counting locally at its next answer from Redis, which says so. Until then a process
 * accepts locally only while it holds fewer than LOCAL_UNANSWERED_SHARE of the limit unanswered.
 * So what passes the limit is at most what the processes held unanswered when it was reached, and
 * the hits they took before their next answer, together within that share each. (Holding only
 * "below half the limit, as last known" was not enough: processes that all last knew a low count
 * could each take half the limit within one SETTLE_MS, and three of them half as much again as the
 * limit; apps/api/test/rate-limit-fleet.fault-spec.ts measured 7 % over with three processes.)
 *
 * Hand-written: @nestjs/throttler's storages add one hit per call (the Redis one, @nest-lab's, one
 * script run per request) and none batches.
 */
export class SharedCounters {
  private readonly local = new Map<string, Local>();
  private timer?: NodeJS.Timeout;
  private settling?: Promise<void>;

  constructor(
    private readonly add: AddHits,
    /**
     * Told when hits could not be added to the shared count (Redis away or slow): a request let
     * through uncounted with this process's unsent hits, or a settle's hits, dropped. Each such hit
     * may take the fleet past the bound in the class comment by one.
     */
    private readonly onUncounted: (hits: number, e: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  async increment(key: string, ttlMs: number, limit: number, blockMs: number, name: string): Promise<ThrottlerStorageRecord> {
    const counted = this.incrementLocally(key, limit, name);
    if (counted) return counted;
    const id = `${name}\u0000${key}`;
    const s = this.local.get(id);
    const now = this.clock();
    // Exact: this request and whatever this process counted but has not sent, in one round trip.
    const unsent = s && now < s.expiresAt ? s.pending : 0;
    if (s) {
      s.pending = 0;
      // Unanswered until Redis answers, like a settle's.
      s.inFlight += unsent;
    }
    let state: CounterState;
    try {
      state = await this.add(key, 1 + unsent, ttlMs, limit, blockMs, name);
    } catch (e) {
      this.onUncounted(1 + unsent, e);
      throw e;
    } finally {
      if (s) s.inFlight -= unsent;
    }
    this.remember(id, state, { limit, ttlMs, blockMs, name }, this.clock());
    return {
      totalHits: state.totalHits,
      timeToExpire: Math.ceil(state.timeToExpireMs / 1000),
      isBlocked: state.isBlocked,
      timeToBlockExpire: Math.ceil(state.timeToBlockExpireMs / 1000),
    };
  }

  /**
   * Counts one hit in-process when the key is far enough from its limit (see the class comment) and
   * answers the counter's state; null, counting nothing, when the hit must go to Redis (increment()).
   */
  incrementLocally(key: string, limit: number, name: string): ThrottlerStorageRecord | null {
    const s = this.local.get(`${name}\u0000${key}`);
    if (!s) return null;
    const now = this.clock();
    // Hits in flight count too: a settle under way has taken them out of `pending` but its answer,
    // which will include them in `known`, has not come back yet.
    const unanswered = s.inFlight + s.pending + 1;
    if (now < s.expiresAt && s.limit === limit && limit >= LOCAL_MIN_LIMIT && s.known + unanswered <= limit * LOCAL_SHARE && unanswered <= limit * LOCAL_UNANSWERED_SHARE) {
      s.pending++;
      this.schedule();
      return { totalHits: s.known + s.inFlight + s.pending, timeToExpire: Math.ceil((s.expiresAt - now) / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
    return null;
  }

  /** Sends every pending count now (tests; shutdown). */
  async settle(): Promise<void> {
    while (this.settling) await this.settling;
    this.settling = this.settleOnce().finally(() => (this.settling = undefined));
    await this.settling;
  }

  /** Stops the timer; pending hits are sent first. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.settle().catch(() => undefined);
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Reported through onUncounted.
      this.settle().catch(() => undefined);
    }, SETTLE_MS);
    this.timer.unref();
  }

  private async settleOnce(): Promise<void> {
    const now = this.clock();
    const sends: Array<Promise<void>> = [];
    let failure: unknown;
    for (const [id, s] of this.local) {
      if (now >= s.expiresAt) {
        // The window is over: its pending hits belong to a window Redis has already dropped.
        this.local.delete(id);
        continue;
      }
      if (s.pending === 0) continue;
      const hits = s.pending;
      s.pending = 0;
      s.inFlight += hits;
      const key = id.slice(id.indexOf('\u0000') + 1);
      sends.push(
        this.add(key, hits, s.ttlMs, s.limit, s.blockMs, s.name)
          .then(
            (state) => this.remember(id, state, s, this.clock()),
            (e) => {
              failure = e;
              this.onUncounted(hits, e);
            },
          )
          .finally(() => (s.inFlight -= hits)),
      );
    }
    await Promise.all(sends);
    if (failure) throw failure;
  }

  private remember(id: string, state: CounterState, how: Pick<Local, 'limit' | 'ttlMs' | 'blockMs' | 'name'>, now: number): void {
    // A blocked key is not kept locally: each of its requests asks Redis, which knows when the block ends.
    if (state.isBlocked) {
      this.local.delete(id);
      return;
    }
    const s = this.local.get(id);
    const expiresAt = now + state.timeToExpireMs;
    if (s) {
      s.known = state.totalHits;
      s.expiresAt = expiresAt;
      Object.assign(s, how);
    } else {
      if (this.local.size >= MAX_KEYS) this.forgetSettled();
      this.local.set(id, { known: state.totalHits, pending: 0, inFlight: 0, expiresAt, ...how });
    }
  }

  /** Bounds the map: keys with nothing pending are only a cache of Redis' answer. */
  private forgetSettled(): void {
    for (const [id, s] of this.local) if (s.pending === 0 && s.inFlight === 0) this.local.delete(id);
  }
}
