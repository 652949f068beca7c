import { AddHits, CounterState, LOCAL_SHARE, LOCAL_UNANSWERED_SHARE, SharedCounters } from './shared-counters';

const WINDOW_MS = 60_000;

/**
 * One shared count standing in for Redis, whose answers are held until the test lets them go, so
 * the order of a background settle and a request can be chosen rather than hoped for.
 */
class HeldCounter {
  total = 0;
  private readonly held: Array<() => void> = [];

  readonly add: AddHits = (_key, hits, ttlMs, limit) => {
    // Redis adds at once; only the answer travels back later.
    this.total += hits;
    const state: CounterState = { totalHits: this.total, timeToExpireMs: ttlMs, isBlocked: this.total > limit, timeToBlockExpireMs: 0 };
    return new Promise((resolve) => this.held.push(() => resolve(state)));
  };

  /** Lets every held answer go back, oldest first. */
  async answerAll(): Promise<void> {
    while (this.held.length) this.held.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Runs `call`, answering its round trip (if it makes one) as Redis would. */
  async through<T>(call: Promise<T>): Promise<T> {
    const done = call.then((value) => ({ value }));
    for (;;) {
      const first = await Promise.race([done, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
      if (first) return first.value;
      await this.answerAll();
    }
  }
}

describe('SharedCounters', () => {
  const limit = 400;
  const localLimit = limit * LOCAL_SHARE;
  /** Hits one process may hold unanswered. */
  const unanswered = Math.floor(limit * LOCAL_UNANSWERED_SHARE);

  it('counts in-process only what needs no round trip, and says so by answering null without counting (the lean events path)', async () => {
    const redis = new HeldCounter();
    const counters = new SharedCounters(redis.add, () => undefined);
    // Never seen: Redis first.
    expect(counters.incrementLocally('k', limit, 'default')).toBeNull();
    await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default'));
    for (let i = 1; i < localLimit; i++) {
      if (i > 1 && (i - 1) % unanswered === 0) {
        // As many unanswered as it may hold: null until a settle is answered.
        expect(counters.incrementLocally('k', limit, 'default')).toBeNull();
        await redis.through(counters.settle());
      }
      expect(counters.incrementLocally('k', limit, 'default')).toMatchObject({ totalHits: i + 1, isBlocked: false });
    }
    // At its local share: null, and nothing counted, so the guard's exact increment counts it once.
    expect(counters.incrementLocally('k', limit, 'default')).toBeNull();
    expect(counters.incrementLocally('k', limit, 'default')).toBeNull();
    await redis.through(counters.settle());
    expect(redis.total).toBe(localLimit);
    // Another limit for the same key (settings changed): Redis first.
    expect(counters.incrementLocally('k', limit * 2, 'default')).toBeNull();
    await counters.close();
  });

  it('counts hits whose settle is still unanswered, so a request never counts locally past its share', async () => {
    const redis = new HeldCounter();
    const counters = new SharedCounters(redis.add, () => undefined);
    await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default'));
    for (let i = 1; i < localLimit; i++) {
      if (i > 1 && (i - 1) % unanswered === 0) await redis.through(counters.settle());
      await counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default');
    }
    // The last hits are still in-process.
    expect(redis.total).toBeLessThan(localLimit);

    // A settle sends the local hits; its answer has not come back when the next request arrives.
    const settling = counters.settle();
    await new Promise((resolve) => setImmediate(resolve));
    expect(redis.total).toBe(localLimit);
    const next = counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default');
    await new Promise((resolve) => setImmediate(resolve));
    // The request went to the shared count (it is at the share), rather than being counted locally on a stale view.
    expect(redis.total).toBe(localLimit + 1);
    await redis.answerAll();
    await settling;
    expect((await next).totalHits).toBe(localLimit + 1);
    await counters.close();
  });

  it('refuses the request past the limit when two processes settle while requests arrive', async () => {
    const redis = new HeldCounter();
    const a = new SharedCounters(redis.add, () => undefined);
    const b = new SharedCounters(redis.add, () => undefined);
    const blocked: boolean[] = [];
    for (let i = 0; i < limit + 2; i++) {
      const counters = i % 2 ? b : a;
      // Settles start at awkward moments: every 37th request, with their answers held back.
      if (i % 37 === 0) void counters.settle();
      blocked.push((await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default'))).isBlocked);
    }
    await redis.through(Promise.all([a.close(), b.close()]));
    expect(blocked.slice(0, limit).every((refused) => !refused)).toBe(true);
    expect(blocked.slice(limit)).toEqual([true, true]);
    expect(redis.total).toBe(limit + 2);
  });

  it('lets three processes that each last knew a low count pass the limit by at most what they may hold unanswered', async () => {
    const redis = new HeldCounter();
    const fleet = [0, 1, 2].map(() => new SharedCounters(redis.add, () => undefined));
    // Each process has the key's count in memory, all from nearly the same low shared count.
    for (const counters of fleet) await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default'));
    let accepted = fleet.length;
    for (let i = 0; i < 2 * limit; i++) {
      const counters = fleet[i % fleet.length];
      // No settle answered in between unless a request goes to Redis: the fastest a burst can be.
      const local = counters.incrementLocally('k', limit, 'default');
      const state = local ?? (await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default')));
      if (!state.isBlocked) accepted++;
    }
    await redis.through(Promise.all(fleet.map((counters) => counters.close())));
    // Holding only "below half the limit" let each take half the limit: 1.5 times it in all.
    expect(accepted).toBeGreaterThanOrEqual(limit);
    expect(accepted).toBeLessThanOrEqual(limit + fleet.length * unanswered);
  });

  it('keeps counting exactly after a settle fails (its hits are dropped, not counted twice)', async () => {
    let fail = false;
    const redis = new HeldCounter();
    const add: AddHits = (...args) => (fail ? Promise.reject(new Error('redis away')) : redis.add(...args));
    const dropped: number[] = [];
    const counters = new SharedCounters(add, (hits) => dropped.push(hits));
    await redis.through(counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default'));
    for (let i = 0; i < unanswered; i++) await counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default');
    fail = true;
    await expect(counters.settle()).rejects.toThrow('redis away');
    // Reported as uncounted (the api's corridor_rate_limit_uncounted_hits_total).
    expect(dropped).toEqual([unanswered]);
    fail = false;
    // Nothing is left in flight: the next local hit is counted from the shared count Redis last gave.
    expect((await counters.increment('k', WINDOW_MS, limit, WINDOW_MS, 'default')).totalHits).toBe(2);
    await redis.through(counters.close());
  });
});
