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
 * LOCAL_SHARE of its limit, every request goes to Redis and is refused exactly as before. With P
 * processes, what Redis has not yet seen is at most what they take in SETTLE_MS, so a key can only
 * pass its limit if it makes more than half its limit's requests within one SETTLE_MS: the window
 * would have to be shorter than about 0.1 s.
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
    /** Told when a background settle fails (the hits are dropped: Redis away means uncounted anyway). */
    private readonly onSettleError: (e: unknown) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  async increment(key: string, ttlMs: number, limit: number, blockMs: number, name: string): Promise<ThrottlerStorageRecord> {
    const counted = this.incrementLocally(key, limit, name);
    if (counted) return counted;
    const id = `${name}\u0000${key}`;
    const s = this.local.get(id);
    const now = this.clock();
    // Exact: this request and whatever this process counted but has not sent, in one round trip.
    const hits = 1 + (s && now < s.expiresAt ? s.pending : 0);
    if (s) s.pending = 0;
    const state = await this.add(key, hits, ttlMs, limit, blockMs, name);
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
    if (now < s.expiresAt && s.limit === limit && limit >= LOCAL_MIN_LIMIT && s.known + s.inFlight + s.pending + 1 <= limit * LOCAL_SHARE) {
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
      this.settle().catch(this.onSettleError);
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
            (e) => (failure = e),
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
