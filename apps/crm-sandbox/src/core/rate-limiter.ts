export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When a refused request could succeed again. */
  retryAfterMs: number;
}

/**
 * Sliding log of accepted request times per key: HubSpot's burst limit is a rolling window, not
 * fixed buckets, so a client that waits for the bucket boundary still gets refused.
 */
export class RollingWindowLimiter {
  private readonly logs = new Map<string, number[]>();

  constructor(
    public max: number,
    public windowMs: number,
  ) {}

  get enabled(): boolean {
    return this.max > 0 && this.windowMs > 0;
  }

  tryAcquire(key: string, nowMs: number): RateDecision {
    if (!this.enabled) return { allowed: true, limit: this.max, remaining: this.max, retryAfterMs: 0 };
    const log = this.prune(key, nowMs);
    if (log.length >= this.max) {
      const oldest = log[0] as number;
      return { allowed: false, limit: this.max, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - nowMs) };
    }
    log.push(nowMs);
    return { allowed: true, limit: this.max, remaining: this.max - log.length, retryAfterMs: 0 };
  }

  peek(key: string, nowMs: number): RateDecision {
    if (!this.enabled) return { allowed: true, limit: this.max, remaining: this.max, retryAfterMs: 0 };
    const log = this.prune(key, nowMs);
    return { allowed: log.length < this.max, limit: this.max, remaining: Math.max(0, this.max - log.length), retryAfterMs: 0 };
  }

  reset(): void {
    this.logs.clear();
  }

  private prune(key: string, nowMs: number): number[] {
    let log = this.logs.get(key);
    if (!log) {
      log = [];
      this.logs.set(key, log);
    }
    const cutoff = nowMs - this.windowMs;
    let drop = 0;
    while (drop < log.length && (log[drop] as number) <= cutoff) drop++;
    if (drop > 0) log.splice(0, drop);
    return log;
  }
}

/** Fixed allocation per UTC day (HubSpot daily limit). */
export class DailyCounter {
  private day = -1;
  private readonly used = new Map<string, number>();

  constructor(public max: number) {}

  get enabled(): boolean {
    return this.max > 0;
  }

  tryAcquire(key: string, nowMs: number): RateDecision {
    this.roll(nowMs);
    const used = this.used.get(key) ?? 0;
    if (this.enabled && used >= this.max) {
      const nextDay = (Math.floor(nowMs / 86_400_000) + 1) * 86_400_000;
      return { allowed: false, limit: this.max, remaining: 0, retryAfterMs: nextDay - nowMs };
    }
    this.used.set(key, used + 1);
    return { allowed: true, limit: this.max, remaining: Math.max(0, this.max - used - 1), retryAfterMs: 0 };
  }

  remaining(key: string, nowMs: number): number {
    this.roll(nowMs);
    return Math.max(0, this.max - (this.used.get(key) ?? 0));
  }

  reset(): void {
    this.used.clear();
  }

  private roll(nowMs: number): void {
    const day = Math.floor(nowMs / 86_400_000);
    if (day !== this.day) {
      this.day = day;
      this.used.clear();
    }
  }
}

/**
 * Salesforce's allocation is a rolling 24 hours per org. Minute buckets keep it O(1) per request
 * without storing every request time.
 */
export class RollingDayAllocation {
  private readonly buckets = new Map<number, number>();
  private total = 0;

  constructor(public max: number) {}

  used(nowMs: number): number {
    this.expire(nowMs);
    return this.total;
  }

  /** Counts the request and reports whether it was within the allocation. */
  tryConsume(nowMs: number): boolean {
    this.expire(nowMs);
    if (this.max > 0 && this.total >= this.max) return false;
    const minute = Math.floor(nowMs / 60_000);
    this.buckets.set(minute, (this.buckets.get(minute) ?? 0) + 1);
    this.total++;
    return true;
  }

  /** Admin: pretend the org already spent `count` requests (tests of the exhausted path). */
  consumeBulk(count: number, nowMs: number): void {
    this.expire(nowMs);
    const minute = Math.floor(nowMs / 60_000);
    this.buckets.set(minute, (this.buckets.get(minute) ?? 0) + count);
    this.total += count;
  }

  reset(): void {
    this.buckets.clear();
    this.total = 0;
  }

  private expire(nowMs: number): void {
    const oldest = Math.floor(nowMs / 60_000) - 24 * 60;
    for (const [minute, count] of this.buckets) {
      if (minute <= oldest) {
        this.buckets.delete(minute);
        this.total -= count;
      }
    }
  }
}
