import { OwnRedis, startOwnRedis } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/** The limiter fails open: with its Redis away, a request Postgres can answer still gets its answer, quickly. */
describe('rate limits while Redis is away', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  beforeAll(async () => {
    redis = await startOwnRedis();
    api = await startApiTestApp({ env: { REDIS_URL: redis.url, RATE_LIMIT_AGENT: '3' } });
  });
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
  });

  const read = async () => {
    const started = Date.now();
    const res = await api.http.get('/v1/attributes').set(api.auth('agent'));
    return { status: res.status, ms: Date.now() - started };
  };

  const uncounted = async () => {
    const text = (await api.http.get('/metrics').expect(200)).text;
    return Number(/^corridor_rate_limit_uncounted_hits_total\{[^}]*\} (\d+)/m.exec(text)?.[1]);
  };

  it('lets requests through uncounted (no 500, no hang), and counts again once Redis is back', async () => {
    expect((await Promise.all([read(), read(), read()])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await read()).status).toBe(429);

    await redis.stop();
    const uncountedBefore = await uncounted();
    for (let i = 0; i < 5; i++) {
      const r = await read();
      expect(r.status).toBe(200);
      expect(r.ms).toBeLessThan(2000);
    }
    // Each request let through is on the metric (what may take a fleet past a limit).
    expect((await uncounted()) - uncountedBefore).toBe(5);

    await redis.start(); // empty: the count starts over
    const deadline = Date.now() + 20_000;
    let statuses: number[] = [];
    // Wait for the client to reconnect (its backoff is at most 2 s), then the limit holds again.
    while (Date.now() < deadline) {
      statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await read()).status);
      if (statuses.includes(429)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(statuses).toContain(429);
  });
});
