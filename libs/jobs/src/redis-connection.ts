import type { ConnectionOptions } from 'bullmq';

/**
 * ioredis options for BullMQ from a redis:// URL. maxRetriesPerRequest must be null for workers
 * (BullMQ's blocking commands); reconnects back off so a Redis restart is ridden out, not fatal.
 */
export function redisConnection(url: string): ConnectionOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => Math.min(times * 200, 5000),
  };
}
