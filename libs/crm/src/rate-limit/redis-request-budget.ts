import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { BudgetLane, LaneLimit, RequestBudget } from './request-budget';

/**
 * Sliding log in a sorted set, in one Lua script so concurrent processes cannot both take the last
 * slot. Time comes from Redis (TIME), not from each process's clock. Returns 0 when a slot was
 * taken, else the milliseconds until one frees up (or until a 429 pause ends).
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window + 1000)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

/**
 * The keys of one budget: `<REDIS_PREFIX>:<kind>:{<id>}`. The script reads a lane's log and the
 * pause together, which a Redis Cluster allows only in one hash slot: the braces (a hash tag) put
 * all of a budget's keys in one slot, and different budgets in different slots.
 */
export function budgetKeyPrefix(redisPrefix: string, kind: string, id: string): string {
  return `${redisPrefix}:${kind}:{${id}}`;
}

/** Held back from each window: our clock stamps a request before the CRM receives it. */
const WINDOW_SAFETY_MS = 250;

/**
 * A per-connection rate budget in Redis (a small Lua script rather than a library: it must model
 * HubSpot's rolling window exactly, share a 429 pause across processes, and take ioredis 5 as is).
 * BullMQ's queue limiter is per queue, not per connection, so it cannot do this.
 */
export class RedisRequestBudget implements RequestBudget {
  private readonly member = randomBytes(6).toString('hex');
  private seq = 0;

  constructor(
    private readonly redis: Redis | Cluster,
    /** budgetKeyPrefix(): e.g. `corridor:crm-budget:{<connection id>}` (under the deployment's REDIS_PREFIX). */
    private readonly keyPrefix: string,
    private readonly limits: Partial<Record<BudgetLane, LaneLimit>>,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  async acquire(lane: BudgetLane): Promise<void> {
    const limit = this.limits[lane];
    if (!limit || limit.max <= 0) return;
    for (;;) {
      const wait = await this.tryAcquire(lane);
      if (wait <= 0) return;
      // Wake a little apart so waiting processes do not all retry at the same millisecond.
      await this.sleep(wait + Math.floor(Math.random() * 15));
    }
  }

  /**
   * One try, no waiting: 0 when a slot was taken, else the milliseconds until one frees up (or a
   * 429 pause ends). Without a limit for the lane only the pause is checked. For callers that must
   * not sleep (a delivery holding its row lock defers instead).
   */
  async tryAcquire(lane: BudgetLane): Promise<number> {
    const limit = this.limits[lane];
    if (!limit || limit.max <= 0) return Math.max(0, await this.redis.pttl(`${this.keyPrefix}:pause`));
    const windowMs = limit.windowMs + Math.min(WINDOW_SAFETY_MS, Math.floor(limit.windowMs / 20));
    return Number(
      await this.redis.eval(ACQUIRE_SCRIPT, 2, `${this.keyPrefix}:${lane}`, `${this.keyPrefix}:pause`, limit.max, windowMs, `${this.member}.${this.seq++}`),
    );
  }

  async pause(ms: number): Promise<void> {
    if (ms <= 0) return;
    // Only extend: a shorter pause from another process must not cut a longer one.
    const current = await this.redis.pttl(`${this.keyPrefix}:pause`);
    if (current < ms) await this.redis.set(`${this.keyPrefix}:pause`, '1', 'PX', Math.ceil(ms));
  }
}
