import { Client } from 'pg';
import { createMigratedDatabase, eventually, OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(60_000);

const ROWS = 1_500;

/**
 * An admin key's import whose batches are stored and whose audit row is lost: Postgres (a server of
 * this test's own) stops between the two. The test holds a lock on audit_log so the row's insert
 * waits, and stops Postgres once the customers are stored. The answer says so (503
 * AUDIT_NOT_RECORDED with the import's report), not a bare DATABASE_UNAVAILABLE; once Postgres is
 * back, the same file sent again stores nothing twice and writes the audit row.
 */
describe('an admin import whose audit row is lost to a Postgres outage', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let api: ApiTestApp;
  let url: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
    url = await createMigratedDatabase(pg);
    api = await startApiTestApp({ env: { DATABASE_URL: url, REDIS_URL: redis.url } });
  }, 45_000);
  afterAll(async () => {
    await api?.close();
    await redis?.stop();
    await pg?.dispose();
  }, 20_000);

  const file = `${['id,email', ...Array.from({ length: ROWS }, (_, i) => `audit-${i},audit-${i}@outage.test`)].join('\n')}\n`;
  const upload = () => api.http.post('/v1/customers/import').set(api.auth('admin')).set('Content-Type', 'text/csv').send(file).timeout(20_000);

  async function sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(query, params)).rows as T[];
    } finally {
      await c.end();
    }
  }

  it('answers what was stored, and the re-send writes the audit row without storing anything twice', async () => {
    const locker = new Client({ connectionString: url });
    locker.on('error', () => undefined); // it dies with the server
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE');

    const answer = upload().then((r) => r);
    await eventually(
      async () => (await sql<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE external_id LIKE 'audit-%'`))[0].n === ROWS,
      'the batches to be stored',
      20_000,
      100,
    );
    await eventually(
      async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO audit_log%'`)).length > 0,
      'the audit insert to wait',
      10_000,
      100,
    );
    await pg.stop();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'AUDIT_NOT_RECORDED', report: { received: ROWS, created: ROWS, rejected: 0 } });

    await pg.start();
    await eventually(async () => (await upload()).status === 200 || null, 'an import to work again', 20_000, 500).catch(async () => {
      throw new Error(`re-send: ${JSON.stringify((await upload()).body)}`);
    });
    const rows = await sql<{ n: number; ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM customers WHERE external_id LIKE 'audit-%'`);
    expect(rows).toEqual([{ n: ROWS, ids: ROWS }]);
    const audit = await sql<{ route: string; after: { created: number; unchanged: number } }>(`SELECT route, after FROM audit_log WHERE route = '/v1/customers/import'`);
    expect(audit).toHaveLength(1);
    expect(audit[0].after).toMatchObject({ created: 0, unchanged: ROWS });
  });

  it('refuses a customer export whose audit row cannot be written, without handing out its data', async () => {
    const [{ id }] = await sql<{ id: string }>(`SELECT id::text AS id FROM customers WHERE external_id = 'audit-0'`);
    const locker = new Client({ connectionString: url });
    locker.on('error', () => undefined); // it dies with the server
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE');

    const answer = api.http.get(`/v1/customers/${id}/export`).set(api.auth('admin')).timeout(20_000).then((r) => r);
    await eventually(
      async () => (await sql(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO audit_log%'`)).length > 0,
      'the audit insert to wait',
      10_000,
      100,
    );
    await pg.stop();
    const res = await answer;
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('DATABASE_UNAVAILABLE');
    expect(JSON.stringify(res.body)).not.toContain('audit-0@outage.test');
    await pg.start();
  });
});
