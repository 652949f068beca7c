import { ChildProcess } from 'node:child_process';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QUEUE } from '@corridor/contracts';
import { eventually, OwnRedis, spawnWorkerProcess, startOwnRedis, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';

const CONTACTS = 12_000;

/**
 * A worker process SIGKILLed in the middle of a full HubSpot sync (the CRM sandbox over HTTP, the
 * sync started through the API, a Redis of the test's own). Another worker process takes the
 * stalled job over, waits out the dead one's lease and resumes at the last committed checkpoint:
 * the run completes, every sandbox contact is one customer, none is counted twice.
 */
describe('a worker killed in the middle of a full CRM sync', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  let db: Pool;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startOwnRedis();
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: CONTACTS, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    api = await startApiTestApp({ env: { REDIS_URL: redis.url } });
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 2 });
    workers.push(spawnWorkerProcess({ ...api.ctx.env, REDIS_URL: redis.url }));
    const syncQueue = api.app.get<Queue>(getQueueToken(QUEUE.crmSync));
    await eventually(async () => (await syncQueue.getWorkersCount()) >= 1, 'the first worker process', 240_000, 200);
  }, 360_000); // booting a worker (ts-node) takes minutes on a machine loaded ten times over

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await db?.end();
    await api?.close();
    await sandbox?.close();
    await redis?.stop();
  }, 60_000);

  it('another worker resumes it: the run completes with every contact synced exactly once', async () => {
    const admin = api.auth('admin');
    const env = { ...api.ctx.env, REDIS_URL: redis.url };
    const [first] = workers;

    const { body: connection } = await api.http
      .post('/v1/connections')
      .set(admin)
      .send({ kind: 'hubspot', name: 'HubSpot', accessToken: 'sandbox-hubspot-token', basePath: sandbox.url, settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } } })
      .expect(201);
    // A slow CRM, so the kill lands with pages committed and pages to go.
    sandbox.admin.configure({ hubspot: { faults: { latencyMs: 40 } } } as never);
    const started = await api.http.post(`/v1/connections/${connection.id}/sync`).set(admin).send({ mode: 'full' }).expect(202);
    const runOf = async () => (await api.http.get(`/v1/sync-runs/${started.body.id}`).set(admin).expect(200)).body;

    await eventually(async () => {
      const r = await runOf();
      return r.status === 'running' && r.records >= 2000;
    }, 'the first pages to be committed', 90_000, 100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const atKill = await runOf();
    expect(atKill.status).toBe('running');
    expect(atKill.records).toBeLessThan(CONTACTS);
    sandbox.admin.clearFaults('hubspot');

    // The next worker boots while the dead one's job lock (60 s) and run lease run out.
    const killedAt = Date.now();
    workers.push(spawnWorkerProcess(env));
    const done = await eventually(
      async () => {
        const r = await runOf();
        if (r.status === 'failed') throw new Error(`the resumed sync failed: ${r.error}`);
        return r.status === 'completed' ? r : null;
      },
      'the resumed run to complete',
      180_000,
      250,
    );
    const resumedInMs = Date.now() - killedAt;
    expect(done).toMatchObject({ status: 'completed', mode: 'full', records: CONTACTS, created: CONTACTS, updated: 0, unchanged: 0 });
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT external_id)::int AS ids FROM customers WHERE connection_id = $1 AND deleted_at IS NULL`,
      [connection.id],
    );
    expect(rows[0]).toEqual({ n: CONTACTS, ids: CONTACTS });
    // Exactly the sandbox's contacts: none missing, none invented.
    const { rows: missing } = await db.query(
      `SELECT count(*)::int AS n FROM unnest($2::text[]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.connection_id = $1 AND c.external_id = x.id)`,
      [connection.id, Array.from({ length: CONTACTS }, (_, i) => sandbox.admin.hubspot.idForIndex(i))],
    );
    expect(missing).toEqual([{ n: 0 }]);
    const { rows: runs } = await db.query(`SELECT status, count(*)::int AS n FROM sync_runs WHERE connection_id = $1 GROUP BY status`, [connection.id]);
    expect(runs).toEqual([{ status: 'completed', n: 1 }]);
    console.log(JSON.stringify({ test: 'sync-kill', recordsAtKill: atKill.records, resumedInMs }));
  }, 300_000);
});
