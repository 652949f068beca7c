import { DailyCounter, RollingDayAllocation, RollingWindowLimiter } from './rate-limiter';

describe('RollingWindowLimiter', () => {
  it('refuses the request over the limit and frees slots as the window rolls, not at a bucket edge', () => {
    const limiter = new RollingWindowLimiter(3, 10_000);
    expect(limiter.tryAcquire('t', 0).allowed).toBe(true);
    expect(limiter.tryAcquire('t', 4_000).allowed).toBe(true);
    const third = limiter.tryAcquire('t', 9_000);
    expect(third).toMatchObject({ allowed: true, remaining: 0 });
    const refused = limiter.tryAcquire('t', 9_500);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 500 });
    // The first request leaves the window at 10 s; the one at 4 s still counts.
    expect(limiter.tryAcquire('t', 10_001).allowed).toBe(true);
    expect(limiter.tryAcquire('t', 10_002).allowed).toBe(false);
    expect(limiter.tryAcquire('t', 14_001).allowed).toBe(true);
  });

  it('keeps tokens apart and can be disabled', () => {
    const limiter = new RollingWindowLimiter(1, 1000);
    expect(limiter.tryAcquire('a', 0).allowed).toBe(true);
    expect(limiter.tryAcquire('b', 0).allowed).toBe(true);
    expect(limiter.tryAcquire('a', 1).allowed).toBe(false);
    limiter.max = 0;
    expect(limiter.tryAcquire('a', 2).allowed).toBe(true);
  });

  it('does not count refused requests', () => {
    const limiter = new RollingWindowLimiter(1, 1000);
    limiter.tryAcquire('a', 0);
    for (let i = 1; i < 10; i++) limiter.tryAcquire('a', i * 10);
    expect(limiter.tryAcquire('a', 1001).allowed).toBe(true);
  });
});

describe('DailyCounter', () => {
  it('resets at UTC midnight', () => {
    const day = Date.parse('2026-03-01T00:00:00Z');
    const counter = new DailyCounter(2);
    expect(counter.tryAcquire('t', day + 1).allowed).toBe(true);
    expect(counter.tryAcquire('t', day + 2).allowed).toBe(true);
    const refused = counter.tryAcquire('t', day + 3);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBe(86_400_000 - 3);
    expect(counter.tryAcquire('t', day + 86_400_000).allowed).toBe(true);
  });
});

describe('RollingDayAllocation', () => {
  it('counts a rolling 24 hours', () => {
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    const allocation = new RollingDayAllocation(3);
    expect(allocation.tryConsume(t0)).toBe(true);
    expect(allocation.tryConsume(t0 + 3_600_000)).toBe(true);
    expect(allocation.tryConsume(t0 + 7_200_000)).toBe(true);
    expect(allocation.tryConsume(t0 + 7_300_000)).toBe(false);
    expect(allocation.used(t0 + 7_300_000)).toBe(3);
    expect(allocation.tryConsume(t0 + 24 * 3_600_000 + 60_000)).toBe(true);
    expect(allocation.used(t0 + 24 * 3_600_000 + 60_000)).toBe(3);
  });
});
