import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { AppConfig } from '@corridor/config';
import { ApiMetrics } from '../metrics/api-metrics';
import { RateLimitStorage } from './rate-limit.storage';
import { LOCAL_SHARE } from './shared-counters';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW_MS = 60_000;

/** Two storages on one Redis prefix stand for two api processes. */
describe('rate-limit counters shared through Redis', () => {
  const prefix = `rl-test-${randomUUID()}`;
  const config = Object.assign(new AppConfig(), { REDIS_URL, REDIS_PREFIX: prefix });
  let a: RateLimitStorage;
  let b: RateLimitStorage;
  let redis: Redis;

  beforeAll(async () => {
    a = new RateLimitStorage(config, new ApiMetrics());
    b = new RateLimitStorage(config, new ApiMetrics());
    redis = new Redis(REDIS_URL);
    await Promise.all([a.ready(), b.ready()]);
  });
  afterAll(async () => {
    await a.onModuleDestroy();
    await b.onModuleDestroy();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const sharedCount = async (key: string) => Number(await redis.get(`${prefix}:rate-limit:{${key}:default}:hits`));

  it('counts hits far from the limit in-process, and every one of them reaches the shared count', async () => {
    const limit = 10_000;
    const records = [];
    for (let i = 0; i < 300; i++) records.push(await (i % 2 ? b : a).increment('key:far', WINDOW_MS, limit, WINDOW_MS, 'default'));
    expect(records.every((r) => !r.isBlocked && r.timeToExpire > 0 && r.timeToExpire <= 60)).toBe(true);
    // Each process's own view grows by one per request.
    expect(records[298].totalHits).toBeGreaterThanOrEqual(150);
    // Only each process's first request went to Redis; the rest wait for the settle.
    expect(await sharedCount('key:far')).toBeLessThan(300);
    await Promise.all([a.settle(), b.settle()]);
    expect(await sharedCount('key:far')).toBe(300);
  });

  it('counts exactly near the limit: the request past it is refused, in either process', async () => {
    const limit = 400;
    const statuses: boolean[] = [];
    for (let i = 0; i < limit + 2; i++) statuses.push((await (i % 2 ? b : a).increment('key:near', WINDOW_MS, limit, WINDOW_MS, 'default')).isBlocked);
    expect(statuses.slice(0, limit).every((blocked) => !blocked)).toBe(true);
    expect(statuses.slice(limit)).toEqual([true, true]);
    await Promise.all([a.settle(), b.settle()]);
    // Past LOCAL_SHARE of the limit every hit went to Redis at once; before it, the local ones were settled.
    expect(await sharedCount('key:near')).toBe(limit + 2);
    expect(LOCAL_SHARE).toBeLessThan(1);
  });

  it('sends the local hits along with the first exact request, so none is counted twice or lost', async () => {
    const limit = 1000;
    for (let i = 0; i < limit * LOCAL_SHARE; i++) await a.increment('key:edge', WINDOW_MS, limit, WINDOW_MS, 'default');
    const next = await a.increment('key:edge', WINDOW_MS, limit, WINDOW_MS, 'default');
    expect(next.totalHits).toBe(limit * LOCAL_SHARE + 1);
    await a.settle();
    expect(await sharedCount('key:edge')).toBe(limit * LOCAL_SHARE + 1);
  });
});
