import { Injectable } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { RateLimitStorage } from './rate-limit.storage';

const THROTTLER_NAME = 'auth-failures';

/**
 * Counts requests refused with 401 (no key, a bad key) per client IP, in the rate-limit counters
 * shared by every api process (Redis). Past AUTH_FAILURE_LIMIT in a window the address is blocked
 * for the window: its requests to keyed routes get 429 before any key is looked at, so keys cannot
 * be guessed at speed. Requests with a valid key are never counted and, from an address not
 * blocked, never touch Redis. A blocked address is remembered in-process, so each process checks
 * at most one key from it per block (the one that learned of the block from the shared count).
 */
@Injectable()
export class FailedAuthLimiter {
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly storage: RateLimitStorage,
  ) {}

  get enabled(): boolean {
    return this.config.AUTH_FAILURE_LIMIT > 0;
  }

  /** Seconds this address stays blocked (0: not blocked), as this process knows it. */
  blockedFor(ip: string, now = Date.now()): number {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return 0;
    if (until <= now) {
      this.blockedUntil.delete(ip);
      return 0;
    }
    return Math.ceil((until - now) / 1000);
  }

  /** Whether this process knows of any blocked address (the lean events path then leaves every request to the guard). */
  anyBlocked(now = Date.now()): boolean {
    for (const [ip, until] of this.blockedUntil) {
      if (until > now) return true;
      this.blockedUntil.delete(ip);
    }
    return false;
  }

  /** Counts one refused request; the seconds to wait when the address is now blocked, else 0. */
  async failed(ip: string): Promise<number> {
    if (!this.enabled) return 0;
    const windowMs = this.config.RATE_LIMIT_WINDOW_SECONDS * 1000;
    // Fails open like the request limiter: Redis away means the 401 stays a 401.
    const record = await this.storage.increment(`authfail:${ip}`, windowMs, this.config.AUTH_FAILURE_LIMIT, windowMs, THROTTLER_NAME);
    if (!record.isBlocked) return 0;
    const seconds = Math.max(1, record.timeToBlockExpire);
    if (this.blockedUntil.size > 10_000) this.blockedUntil.clear(); // bounded: a flood of addresses cannot grow it without limit
    this.blockedUntil.set(ip, Date.now() + seconds * 1000);
    return seconds;
  }
}
