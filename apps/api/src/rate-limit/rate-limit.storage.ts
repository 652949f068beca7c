import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { Cluster } from 'ioredis';
import { AppConfig } from '@corridor/config';
import { createRedisClient, type RedisClient } from '@corridor/jobs';

/** How long a request may wait on the rate-limit counter before it goes through uncounted. */
export const RATE_LIMIT_REDIS_TIMEOUT_MS = 250;
const WARN_EVERY_MS = 10_000;

/**
 * The request counters, in Redis so every api process shares them (@nest-lab's Lua script: one
 * round trip per request). Fails open: when Redis is away or slow the request goes through
 * uncounted, after at most RATE_LIMIT_REDIS_TIMEOUT_MS, rather than turning into a 500 or a hang.
 * The limiter protects capacity; it is not what keeps data right, and routes that need Redis
 * answer 503 themselves. Its own client has no offline queue, so a command fails at once while
 * disconnected instead of waiting for the reconnect.
 */
@Injectable()
export class RateLimitStorage implements ThrottlerStorage, OnModuleDestroy {
  private readonly logger = new Logger(RateLimitStorage.name);
  private readonly redis: RedisClient;
  private readonly counters: ThrottlerStorageRedisService;
  private lastWarning = 0;

  constructor(config: AppConfig) {
    // One server or a cluster (REDIS_URL); the library hash-tags each counter's two keys.
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
    // Two overloads (a server, a cluster), so the union is narrowed for the compiler.
    this.counters = this.redis instanceof Cluster ? new ThrottlerStorageRedisService(this.redis) : new ThrottlerStorageRedisService(this.redis);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await this.counters.increment(key, ttl, limit, blockDuration, throttlerName);
    } catch (e) {
      const now = Date.now();
      if (now - this.lastWarning > WARN_EVERY_MS) {
        this.lastWarning = now;
        this.logger.warn({ err: (e as Error).message }, 'rate-limit counters unreachable: requests go through uncounted');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  onModuleDestroy(): void {
    this.redis.disconnect(false);
  }
}
