import { Client } from 'pg';
import { createMigratedDatabase, eventually, OwnPostgres, startOwnPostgres } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(240_000);

/**
 * DATABASE_READ_URL: the agent's read routes read a streaming replica, everything else the primary.
 * A primary and a standby of this test's own (pg_basebackup -R); pausing the standby's WAL replay
 * makes the two differ, so each route shows which one it read: writes succeed on the primary while
 * agent reads lag, and catch up once replay resumes.
 */
describe('agent reads on a read replica', () => {
  let primary: OwnPostgres;
  let standby: OwnPostgres;
  let api: ApiTestApp;
  let replica: Client;
  let primaryDb: Client;

  beforeAll(async () => {
    primary = await startOwnPostgres();
    await createMigratedDatabase(primary, 'corridor-replica-test');
    standby = await startOwnPostgres({ standbyOf: primary });
    replica = new Client({ connectionString: standby.urlFor('corridor') });
    await replica.connect();
    primaryDb = new Client({ connectionString: primary.urlFor('corridor') });
    await primaryDb.connect();
    api = await startApiTestApp({ env: { DATABASE_URL: primary.urlFor('corridor'), DATABASE_READ_URL: standby.urlFor('corridor') } });
  });
  afterAll(async () => {
    await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
    await replica?.end().catch(() => undefined);
    await primaryDb?.end().catch(() => undefined);
    await api?.close();
    await standby?.dispose();
    await primary?.dispose();
  });

  const importCustomer = (id: string, email: string) =>
    api.http.post('/v1/customers/import').set(api.auth('integration')).set('Content-Type', 'application/x-ndjson').send(`${JSON.stringify({ id, email, last_name: `Zed${id}` })}\n`);
  const search = async (email: string) => (await api.http.get('/v1/customers').query({ email }).set(api.auth('agent'))).body.customers as Array<{ id: string }>;

  it('the standby is a replica: in recovery, refusing writes', async () => {
    expect((await replica.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(true);
    await expect(replica.query(`INSERT INTO customers (connection_id, external_id, content_hash) VALUES ('00000000-0000-4000-8000-000000000001', 'x', 'h')`)).rejects.toThrow(
      /read-only transaction/,
    );
  });

  it('agent reads come from the replica: they lag while its replay is paused, and catch up after', async () => {
    const first = await importCustomer('r-1', 'r1@example.com');
    expect(first.status).toBe(200);
    // Replication is asynchronous: the first customer reaches the replica shortly.
    const [found] = await eventually(async () => {
      const list = await search('r1@example.com');
      return list.length ? list : false;
    }, 'the replica to replay the first import');

    await replica.query('SELECT pg_wal_replay_pause()');
    await eventually(async () => (await replica.query(`SELECT pg_get_wal_replay_pause_state() AS s`)).rows[0].s === 'paused', 'replay to pause');

    // Writes still succeed (they go to the primary) ...
    const second = await importCustomer('r-2', 'r2@example.com');
    expect(second.status).toBe(200);
    expect((await primaryDb.query(`SELECT count(*)::int AS n FROM customers WHERE email = 'r2@example.com'`)).rows[0].n).toBe(1);
    // ... while every agent read route answers from the replica, which has not seen them.
    await new Promise((r) => setTimeout(r, 300));
    expect(await search('r2@example.com')).toEqual([]);
    expect((await api.http.get('/v1/customers/email:r2@example.com').set(api.auth('agent'))).status).toBe(404);
    expect((await api.http.get('/v1/customers/email:r2@example.com/strategy').set(api.auth('agent'))).status).toBe(404);
    expect((await api.http.get('/v1/customers/email:r2@example.com/timeline').set(api.auth('agent'))).status).toBe(404);
    expect((await api.http.get('/v1/customers').query({ name: 'zedr-2' }).set(api.auth('agent'))).body.customers).toEqual([]);
    // The customer the replica has is served, by every route.
    expect((await api.http.get(`/v1/customers/${found.id}`).set(api.auth('agent'))).status).toBe(200);
    expect((await api.http.get(`/v1/customers/${found.id}/strategy`).set(api.auth('agent'))).status).toBe(200);
    expect((await api.http.get(`/v1/customers/${found.id}/timeline`).set(api.auth('agent'))).status).toBe(200);
    expect((await api.http.get('/v1/personas').set(api.auth('agent'))).status).toBe(200);
    // The read routes' pool is on the standby, under its own name.
    const sessions = await replica.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'corridor-read'`);
    expect(sessions.rows[0].n).toBeGreaterThan(0);

    await replica.query('SELECT pg_wal_replay_resume()');
    const caughtUp = await eventually(async () => {
      const list = await search('r2@example.com');
      return list.length ? list : false;
    }, 'the replica to catch up after resume');
    expect(caughtUp).toHaveLength(1);
    expect((await api.http.get('/v1/customers/email:r2@example.com').set(api.auth('agent'))).status).toBe(200);
  });
});
