import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { AppConfig } from '@corridor/config';
import { createRedisClient, type RedisClient } from '@corridor/jobs';
import { ApiMetrics } from '../metrics/api-metrics';
import { CounterState, SharedCounters } from './shared-counters';

/** How long a request may wait on the rate-limit counter before it goes through uncounted. */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 10_000;

/**
 * Adds ARGV[4] hits to a fixed-window counter and blocks the key for ARGV[3] ms once it passes
 * ARGV[2]; answers {hits, ms to the window's end, blocked, ms to the block's end}. The algorithm
 * (and the key names, hash-tagged so both keys live on one cluster slot) of
 * @nest-lab/throttler-storage-redis, with INCRBY so that hits counted in-process settle in one call.
 */
const ADD_HITS = `
local hitKey = KEYS[1]
local blockKey = KEYS[2]
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockDuration = tonumber(ARGV[3])
local hits = tonumber(ARGV[4])
local totalHits = redis.call('INCRBY', hitKey, hits)
local timeToExpire = redis.call('PTTL', hitKey)
if timeToExpire <= 0 then
  redis.call('PEXPIRE', hitKey, ttl)
  timeToExpire = ttl
end
local isBlocked = redis.call('GET', blockKey)
local timeToBlockExpire = 0
if isBlocked then
  timeToBlockExpire = redis.call('PTTL', blockKey)
elseif totalHits > limit then
  redis.call('SET', blockKey, 1, 'PX', blockDuration)
  isBlocked = '1'
  timeToBlockExpire = blockDuration
end
if isBlocked and timeToBlockExpire <= 0 then
  redis.call('DEL', blockKey)
  redis.call('SET', hitKey, hits, 'PX', ttl)
  totalHits = hits
  timeToExpire = ttl
  isBlocked = false
end
return { totalHits, timeToExpire, isBlocked and 1 or 0, timeToBlockExpire }
`;

type AddHitsCommand = { addHits(hitKey: string, blockKey: string, ttlMs: number, limit: number, blockMs: number, hits: number): Promise<unknown> };

/**
 * The request counters, in Redis so every api process shares them; SharedCounters keeps the round
 * trip off requests far from their limit. Fails open: when Redis is away or slow the request goes
 * through uncounted, after at most RATE_LIMIT_REDIS_TIMEOUT_MS, rather than turning into a 500 or
 * a hang. The limiter protects capacity; it is not what keeps data right, and routes that need
 * Redis answer 503 themselves. Its own client has no offline queue, so a command fails at once
 * while disconnected instead of waiting for the reconnect.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(RateLimitStorage.name);
  private readonly redis: RedisClient;
  private readonly counters: SharedCounters;
  private lastWarning = 0;

  constructor(config: AppConfig, metrics: ApiMetrics) {
    // One server or a cluster (REDIS_URL).
    this.redis = createRedisClient(config.REDIS_URL, {
      keyPrefix: `${config.REDIS_PREFIX}:rate-limit:`,
      enableOfflineQueue: false,
      commandTimeout: RATE_LIMIT_REDIS_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      retryStrategy: (times) => Math.min(times * 200, 2000),
    });
    // Without a listener ioredis prints every failed reconnect; the warning below says it once in a while.
    this.redis.on('error', () => undefined);
    // EVALSHA, with ioredis loading the script where a server does not have it yet.
    this.redis.defineCommand('addHits', { numberOfKeys: 2, lua: ADD_HITS });
    this.counters = new SharedCounters(
      (key, hits, ttlMs, limit, blockMs, name) => this.addHits(key, hits, ttlMs, limit, blockMs, name),
      (hits, e) => {
        metrics.rateLimitUncounted.inc(hits);
        this.warn(e);
      },
    );
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.counters.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch {
      // Counted as uncounted and warned about by the counters' onUncounted.
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** One hit counted in-process, or null when it has to go through increment() (SharedCounters.incrementLocally). */
  incrementLocally(key: string, limit: number, throttlerName: string): ThrottlerStorageRecord | null {
    return this.counters.incrementLocally(key, limit, throttlerName);
  }

  /** Resolves once the counters' connection is up (until then requests go through uncounted). */
  async ready(): Promise<void> {
    if (this.redis.status !== 'ready') await new Promise((resolve) => this.redis.once('ready', resolve));
  }

  /** Sends the hits counted in-process to Redis now (tests). */
  settle(): Promise<void> {
    return this.counters.settle();
  }

  async onModuleDestroy(): Promise<void> {
    await this.counters.close();
    this.redis.disconnect(false);
  }

  private async addHits(key: string, hits: number, ttlMs: number, limit: number, blockMs: number, name: string): Promise<CounterState> {
    const tag = `{${key}:${name}}`;
    const r = await (this.redis as unknown as AddHitsCommand).addHits(`${tag}:hits`, `${tag}:blocked`, ttlMs, limit, blockMs, hits);
    if (!Array.isArray(r) || r.length !== 4 || !r.every((n) => typeof n === 'number')) throw new TypeError(`unexpected rate-limit answer ${JSON.stringify(r)}`);
    const [totalHits, timeToExpireMs, blocked, timeToBlockExpireMs] = r as number[];
    return { totalHits, timeToExpireMs, isBlocked: blocked === 1, timeToBlockExpireMs };
  }

  private warn(e: unknown): void {
    const now = Date.now();
    if (now - this.lastWarning > WARN_EVERY_MS) {
      this.lastWarning = now;
      this.logger.warn({ err: (e as Error).message }, 'rate-limit counters unreachable: requests go through uncounted');
    }
  }
}
