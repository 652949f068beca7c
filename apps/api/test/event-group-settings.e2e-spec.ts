import { DataSource } from 'typeorm';
import { EVENT_SOURCE } from '@corridor/domain';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * EVENT_GROUP_* reach the api's group commit: with a 150 ms lock timeout and a 300 ms statement
 * timeout (defaults 1 s and 4 s), a single event blocked by another session's lock is answered
 * 503 EVENT_WRITE_TIMEOUT well within a second; with EVENT_GROUP_POOL_SIZE=2 (one group in flight)
 * an event sent meanwhile waits for it instead of taking a second slot.
 */
describe('EVENT_GROUP_* settings (POST /v1/events group commit)', () => {
  let api: ApiTestApp;
  let db: DataSource;

  const post = (key: string) =>
    api.http.post('/v1/events').set(api.auth('integration')).send({ touchpoint: 'visit', customer: 'gs-1', idempotencyKey: key });

  beforeAll(async () => {
    api = await startApiTestApp({ env: { EVENT_GROUP_POOL_SIZE: '2', EVENT_GROUP_STATEMENT_TIMEOUT_MS: '300', EVENT_GROUP_LOCK_TIMEOUT_MS: '150' } });
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await api.http.post('/v1/customers/import').set(api.auth('integration')).set('Content-Type', 'application/x-ndjson').send(JSON.stringify({ id: 'gs-1', attributes: { email: 'gs@x.io' } })).expect(200);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('visit', 'Visit', 'explore', 'web', 1)`);
  });
  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  it('answers a group blocked by a lock 503 EVENT_WRITE_TIMEOUT within the configured bound, nothing written', async () => {
    expect((await post('gs-warm')).status).toBe(202);
    // Another session writes the same key and keeps its transaction open: the group waits on it.
    const locker = db.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    try {
      const [{ id }] = await locker.query(`SELECT id::text AS id FROM customers WHERE external_id = 'gs-1'`);
      await locker.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ($1, 'gs-locked', 'visit', $2, now())`, [EVENT_SOURCE.api, id]);
      const done: string[] = [];
      const started = Date.now();
      const locked = post('gs-locked').then((r) => (done.push('locked'), { r, tookMs: Date.now() - started }));
      // Sent once the blocked group is being written: with EVENT_GROUP_POOL_SIZE=2 there is no second
      // slot, so it waits for the blocked group's timeout (with the default 3, it would pass at once).
      await new Promise((r) => setTimeout(r, 50));
      const free = post('gs-free').then((r) => (done.push('free'), r));
      const [{ r: res, tookMs }, freeRes] = await Promise.all([locked, free]);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('EVENT_WRITE_TIMEOUT');
      // The defaults (1 s lock, 4 s statement) could not answer before a second.
      expect(tookMs).toBeLessThan(900);
      expect(freeRes.status).toBe(202);
      expect(done).toEqual(['locked', 'free']);
    } finally {
      await locker.rollbackTransaction();
      await locker.release();
    }
    expect(await db.query(`SELECT 1 FROM touchpoint_events WHERE idempotency_key = 'gs-locked'`)).toHaveLength(0);
  });
});
