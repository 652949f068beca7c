import { ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { QUEUE, syncSchedulerId } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { createMigratedDatabase, eventually, OwnPostgres, OwnRedis, spawnWorkerProcess, startOwnPostgres, startOwnRedis, stopProcess } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(240_000);

/** Longer than any bound the API keeps (5 s for Redis and for a connection): a hang fails the test. */
const HANG = 30_000;

/**
 * A dependency that is away gives 503 in the error shape within a bounded time, never a 500 or a
 * hang, and the API recovers by itself when it is back. The API runs against a Postgres and a
 * Redis of this test's own, which the test stops and starts again.
 */
describe('API with Redis or Postgres away', () => {
  let redis: OwnRedis;
  let pg: OwnPostgres;
  let api: ApiTestApp;
  let worker: ChildProcess | undefined;
  /** The refresh started while Redis was away: its run must complete once it is back (last test). */
  let refreshRun: string;
  /** A CRM for the manual sync started while Redis was away, which must run once it is back (last test). */
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  /** The manual sync answered 202 while Redis was away, and its manual-only connection. */
  let manualSync: { runId: string; connectionId: string };
  /** The connection whose schedule a PATCH changed while Redis was away. */
  let patchedConnection: string;

  beforeAll(async () => {
    [redis, pg, sandbox] = await Promise.all([
      startOwnRedis(),
      startOwnPostgres(),
      startCrmSandbox({ port: 0, hubspot: { contacts: 60, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never),
    ]);
    api = await startApiTestApp({ env: { DATABASE_URL: await createMigratedDatabase(pg), REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.close();
    await redis?.stop();
    await pg?.dispose();
    await sandbox?.close();
  });

  const admin = () => api.auth('admin');
  /** Reads Postgres directly, on a client of its own (the Postgres test stops the server under a held one). */
  const sql = async (text: string, params: unknown[]) => {
    const client = new Client({ connectionString: pg.urlFor('corridor') });
    await client.connect();
    try {
      return (await client.query(text, params)).rows;
    } finally {
      await client.end();
    }
  };
  const unavailable = (code: string) => ({ code, message: expect.any(String), details: [] });
  const outagePersona = (key: string) => ({ key, name: key, description: '', enabled: true, rule: { attribute: 'email', operator: 'equals', value: 'a@example.com' } });

  it('Redis away: calls that only enqueue answer 503 QUEUE_UNAVAILABLE, those that committed answer 2xx, and all work again when it is back', async () => {
    const created = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'hubspot', name: 'hs', accessToken: 'pat-0123456789', basePath: 'http://127.0.0.1:9', settings: { syncIntervalSeconds: 600 } });
    expect(created.status).toBe(201);
    patchedConnection = created.body.id;
    // Manual only: no schedule tick can pick its run up, only the watchdog.
    const manual = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'hubspot', name: 'manual', accessToken: 'sandbox-hubspot-token', basePath: sandbox.url, settings: { syncIntervalSeconds: 0, searchLagMs: 0 } });
    expect(manual.status).toBe(201);

    await redis.stop();
    // A refresh commits its run in Postgres before queueing it: it started, and says so (the
    // worker's watchdog queues the run once Redis is back; the last test sees it complete).
    const refresh = await api.http.post('/v1/segmentation/refresh').set(admin()).timeout(HANG);
    expect(refresh.status).toBe(202);
    expect(refresh.body).toMatchObject({ run: { kind: 'full', status: 'running' } });
    refreshRun = refresh.body.run.id;
    // A manual sync is a row in Postgres before it is a job: started, and said so (the watchdog
    // queues it once Redis is back; the last test sees it complete).
    const sync = await api.http.post(`/v1/connections/${manual.body.id}/sync`).set(admin()).send({ mode: 'full' }).timeout(HANG);
    expect(sync.status).toBe(202);
    expect(sync.body).toMatchObject({ id: expect.any(String), status: 'queued', mode: 'full', trigger: 'manual' });
    manualSync = { runId: sync.body.id, connectionId: manual.body.id };
    const runRows = await sql(`SELECT status, trigger FROM sync_runs WHERE id = $1`, [sync.body.id]);
    expect(runRows).toEqual([{ status: 'queued', trigger: 'manual' }]);
    // The same request again meets the run it was told had started, not one it was told had failed.
    const again = await api.http.post(`/v1/connections/${manual.body.id}/sync`).set(admin()).send({ mode: 'full' }).timeout(HANG);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'SYNC_ALREADY_RUNNING', details: [{ message: `active sync run ${sync.body.id}` }] });
    // A connection change commits in Postgres; its schedule follows from there (the watchdog).
    const schedule = await api.http.patch(`/v1/connections/${created.body.id}`).set(admin()).send({ settings: { syncIntervalSeconds: 900 } }).timeout(HANG);
    expect(schedule.status).toBe(200);
    expect(schedule.body).toMatchObject({ id: created.body.id, settings: expect.objectContaining({ syncIntervalSeconds: 900 }) });
    const connRows = await sql(`SELECT settings->>'syncIntervalSeconds' AS every FROM connections WHERE id = $1`, [created.body.id]);
    expect(connRows).toEqual([{ every: '900' }]);
    // A publish commits in Postgres first: it succeeded, and the worker's watchdog queues its run
    // once Redis is back (the last test proves the run completes), so the answer is not a 503.
    const publish = await api.http.post('/v1/personas/publish').set(admin()).send({}).timeout(HANG);
    expect(publish.status).toBe(202);
    expect(publish.body).toMatchObject({ setVersion: expect.any(Number), run: { status: 'running' } });
    const preview = await api.http.post('/v1/personas/preview').set(admin()).send({}).timeout(HANG);
    expect(preview.status).toBe(503);
    expect(preview.body).toEqual(unavailable('QUEUE_UNAVAILABLE'));
    const imported = await api.http
      .post('/v1/customers/import')
      .set(api.auth('integration'))
      .set('Content-Type', 'application/x-ndjson')
      .send('{"id":"c-1","email":"a@example.com"}\n')
      .timeout(HANG);
    // The row is stored (Postgres is up); the answer says so, and that re-segmentation could not be
    // queued (the reconcile job re-evaluates customers whose data is newer than their persona).
    expect(imported.status).toBe(503);
    expect(imported.body).toMatchObject({
      code: 'IMPORT_INTERRUPTED',
      details: [{ field: 'job queue', code: 'DEPENDENCY_UNAVAILABLE' }],
      report: { received: 1, created: 1, lastStoredLine: 1 },
    });
    // What needs no queue still works.
    await api.http.get('/v1/attributes').set(admin()).timeout(HANG).expect(200);

    await redis.start();
    // The refresh, publish and sync above left their runs in Postgres (the worker's watchdog and
    // reconcilers queue them once Redis is back; this test runs no worker): an import enqueues anew.
    await eventually(
      async () =>
        (
          await api.http
            .post('/v1/customers/import')
            .set(api.auth('integration'))
            .set('Content-Type', 'application/x-ndjson')
            .send('{"id":"c-2","email":"b@example.com"}\n')
            .timeout(HANG)
        ).status === 200,
      'an import to queue its re-segmentation again',
      60_000,
      500,
    );
    // Each queue has a client of its own, reconnecting on its own backoff (up to 20 s after a long
    // outage): the next test's import enqueues on more queues than this one did.
    const jobs = api.app.get(JobProducer);
    await eventually(
      async () => (await Promise.all(Object.values(QUEUE).map(async (name) => ((await jobs.queue(name).client) as { status?: string }).status))).every((s) => s === 'ready'),
      'every queue client to reconnect',
      60_000,
      500,
    );
  });

  it('Redis away: events, outcomes and the measured experience need only Postgres, so they keep working', async () => {
    await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'purchase', name: 'Purchase', stageKey: 'purchase', channel: 'web' }).expect(201);
    await api.http.post('/v1/customers/import').set(api.auth('integration')).set('Content-Type', 'application/x-ndjson').send('{"id":"c-9","email":"c9@example.com"}\n{"id":"c-10","email":"c10@example.com"}\n').expect(200);

    await redis.stop();
    try {
      // Acknowledged events and outcomes are rows in Postgres (the outbox relays them later), so an
      // outage of the queue is no reason to refuse them.
      const event = await api.http.post('/v1/events').set(api.auth('integration')).send({ touchpoint: 'purchase', customer: 'c-9', idempotencyKey: 'order-9' }).timeout(HANG);
      expect(event.status).toBe(202);
      expect(event.body.results[0]).toMatchObject({ status: 'accepted' });
      const eventId = event.body.results[0].eventId;
      const outcome = await api.http.post('/v1/outcomes').set(api.auth('integration')).send({ eventId, type: 'feedback', csat: 2, idempotencyKey: 'survey-9' }).timeout(HANG);
      expect(outcome.status).toBe(202);
      expect(outcome.body.results[0]).toMatchObject({ status: 'accepted' });
      const timeline = await api.http.get('/v1/customers/c-9/timeline').set(api.auth('agent')).timeout(HANG);
      expect(timeline.status).toBe(200);
      expect(timeline.body.events.map((e: { touchpointKey: string }) => e.touchpointKey)).toEqual(['purchase']);
      expect(timeline.body.events[0].outcomes).toEqual([expect.objectContaining({ type: 'feedback', csat: 2 })]);
      const today = new Date().toISOString().slice(0, 10);
      await api.http.get(`/v1/measures/cells?from=${today}&to=${today}`).set(api.auth('agent')).timeout(HANG).expect(200);
      await api.http.get('/v1/experience/settings').set(api.auth('agent')).timeout(HANG).expect(200);

      // The audit log and customer data requests are Postgres only: they keep working too.
      await api.http.get('/v1/audit').set(admin()).timeout(HANG).expect(200);
      const exported = await api.http.get('/v1/customers/c-10/export').set(admin()).timeout(HANG);
      expect(exported.status).toBe(200);
      const erased = await api.http.post('/v1/customers/c-10/erase').set(admin()).send({}).timeout(HANG);
      expect(erased.status).toBe(200);
      // Readiness turns red, in the error shape, naming Redis, within its ping bound.
      const started = Date.now();
      const ready = await api.http.get('/health/ready').timeout(HANG);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ code: 'UNHEALTHY', details: expect.arrayContaining([expect.objectContaining({ field: 'redis', code: 'DOWN' })]) });
    } finally {
      await redis.start();
    }
  });

  it('Postgres away: requests answer 503 DATABASE_UNAVAILABLE, then work again when it is back', async () => {
    await api.http.get('/v1/attributes').set(admin()).expect(200);
    const { saved: _saved, ...settings } = (await api.http.get('/v1/experience/settings').set(admin()).expect(200)).body;
    await api.http
      .put('/v1/strategy/draft')
      .set(admin())
      .send({ cells: [], policies: { holdoutPercent: 0, defaultTimeZone: 'UTC' } })
      .expect(200);
    const draftBefore = (await api.http.get('/v1/strategy/draft').set(admin()).expect(200)).body;
    const configBefore = (await api.http.get('/v1/config').set(admin()).expect(200)).body;
    const strategyVersions = (await api.http.get('/v1/strategy/versions').set(admin()).expect(200)).body;

    await pg.stop();
    for (const request of [
      () => api.http.get('/v1/attributes').set(admin()),
      () => api.http.post('/v1/attributes').set(admin()).send({ name: 'plan', type: 'string' }),
      () => api.http.get('/v1/personas').set(api.auth('agent')),
      // The routes of the measured experience, each its own way in.
      () => api.http.post('/v1/events').set(api.auth('integration')).send({ touchpoint: 'purchase', customer: 'c-9', idempotencyKey: 'order-10' }),
      () => api.http.post('/v1/outcomes').set(api.auth('integration')).send({ eventKey: 'order-9', type: 'converted', value: 5, idempotencyKey: 'conv-9' }),
      () => api.http.post('/v1/destinations/00000000-0000-4000-8000-000000000000/callbacks').set({ 'webhook-id': 'msg_1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }).send({ type: 'clicked' }),
      () => api.http.get('/v1/customers/c-9/timeline').set(api.auth('agent')),
      () => api.http.get('/v1/customers/c-9/strategy').set(api.auth('agent')),
      () => api.http.get('/v1/measures/cells?from=2026-01-01&to=2026-01-31').set(api.auth('agent')),
      () => api.http.get('/v1/measures/targets/report').set(api.auth('agent')),
      () => api.http.get('/v1/experience/settings').set(api.auth('agent')),
      () => api.http.put('/v1/experience/settings').set(admin()).send(settings),
      // Added with the audit log and customer data requests.
      () => api.http.get('/v1/audit').set(admin()),
      () => api.http.get('/v1/customers/c-9/export').set(admin()),
      () => api.http.post('/v1/customers/c-9/erase').set(admin()).send({}),
      // Configuration as code and the publishes: each a transaction, refused before it starts.
      () => api.http.get('/v1/config').set(admin()),
      () =>
        api.http
          .post('/v1/config/apply')
          .set(admin())
          .send({ expectedVersions: configBefore.versions, personas: [...configBefore.personas, outagePersona('pg_outage')], journey: configBefore.journey, strategy: configBefore.strategy }),
      () => api.http.post('/v1/personas/publish').set(admin()).send({}),
      () => api.http.post('/v1/strategy/publish').set(admin()).send({}),
    ]) {
      const started = Date.now();
      const res = await request().timeout(HANG);
      expect(res.status).toBe(503);
      expect(res.body).toEqual(unavailable('DATABASE_UNAVAILABLE'));
      expect(Date.now() - started).toBeLessThan(15_000);
    }
    const ready = await api.http.get('/health/ready').timeout(HANG);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'UNHEALTHY', details: expect.arrayContaining([expect.objectContaining({ field: 'postgres', code: 'DOWN' })]) });

    await pg.start();
    await eventually(async () => (await api.http.get('/v1/attributes').set(admin()).timeout(HANG)).status === 200, 'reads to work again', 60_000, 500);
    await api.http.post('/v1/attributes').set(admin()).send({ name: 'plan', type: 'string' }).expect(201);
    // Nothing of the refused config apply or publishes was written: same document, versions and sets.
    expect((await api.http.get('/v1/config').set(admin()).expect(200)).body).toEqual(configBefore);
    expect((await api.http.get('/v1/strategy/versions').set(admin()).expect(200)).body).toEqual(strategyVersions);
    expect((await api.http.get('/v1/strategy/draft').set(admin()).expect(200)).body).toEqual(draftBefore);
    // And they work again.
    const applied = await api.http
      .post('/v1/config/apply')
      .set(admin())
      .send({ expectedVersions: configBefore.versions, personas: [...configBefore.personas, outagePersona('pg_outage')] })
      .expect(200);
    expect(applied.body).toMatchObject({ applied: true, changes: { personas: 1 }, personas: { setVersion: expect.any(Number), run: { status: 'running' } } });
  });

  it(
    'Redis away: a persona publish and a config apply answer success once committed, and their runs complete by themselves when Redis is back',
    async () => {
      await api.http.post('/v1/personas').set(admin()).send({ key: 'redis_outage_a', name: 'A', rule: outagePersona('x').rule }).expect(201);
      await redis.stop();
      let publishedRun: string;
      let appliedRun: string;
      let appliedSet: number;
      try {
        const published = await api.http.post('/v1/personas/publish').set(admin()).send({}).timeout(HANG);
        expect(published.status).toBe(202);
        expect(published.body).toMatchObject({ setVersion: expect.any(Number), run: { status: 'running' } });
        publishedRun = published.body.run.id;

        const doc = (await api.http.get('/v1/config').set(admin()).expect(200)).body;
        const applied = await api.http
          .post('/v1/config/apply')
          .set(admin())
          .send({ expectedVersions: doc.versions, personas: [...doc.personas, outagePersona('redis_outage_b')] })
          .timeout(HANG);
        expect(applied.status).toBe(200);
        expect(applied.body).toMatchObject({ applied: true, changes: { personas: 1 }, personas: { setVersion: published.body.setVersion + 1, run: { status: 'running' } } });
        appliedRun = applied.body.personas.run.id;
        appliedSet = applied.body.personas.setVersion;
        // Committed, as answered: the document reads back with the new persona.
        const after = (await api.http.get('/v1/config').set(admin()).expect(200)).body;
        expect(after.personas.map((p: { key: string }) => p.key)).toEqual([...doc.personas.map((p: { key: string }) => p.key), 'redis_outage_b']);
      } finally {
        await redis.start();
      }

      // Redis came back empty: the worker's watchdog finds the runs (segmentation and the manual sync)
      // and the connections' schedules in Postgres and queues them.
      worker = spawnWorkerProcess({ ...api.ctx.env, DATABASE_URL: pg.urlFor('corridor'), REDIS_URL: redis.url, WORKER_WATCHDOG_SECONDS: '2' });
      const run = async (id: string) => (await api.http.get(`/v1/segmentation/runs/${id}`).set(admin()).expect(200)).body;
      await eventually(async () => (await run(appliedRun)).status === 'completed', 'the config apply run to complete', 240_000, 500);
      expect(['completed', 'superseded']).toContain((await run(publishedRun)).status);
      expect(['completed', 'superseded']).toContain((await run(refreshRun)).status);
      const config = (await api.http.get('/v1/config').set(admin()).expect(200)).body;
      expect(config.live.personaSet).toBe(appliedSet);
      // The manual sync answered 202 while Redis was away ran, through the worker, against the CRM.
      const synced = await eventually(async () => {
        const r = (await api.http.get(`/v1/sync-runs/${manualSync.runId}`).set(admin()).expect(200)).body;
        return r.status === 'queued' || r.status === 'running' ? null : r;
      }, 'the manual sync run to finish', 120_000, 500);
      expect(synced).toMatchObject({ status: 'completed', mode: 'full', trigger: 'manual', records: 60, created: 60 });
      // And the schedule runs at the interval the PATCH committed while Redis was away.
      const crmSync = api.app.get(JobProducer).queue(QUEUE.crmSync);
      await eventually(async () => (await crmSync.getJobScheduler(syncSchedulerId(patchedConnection)))?.every === 900_000, 'the patched schedule', 60_000, 500);
      // A Redis that kept its data through the outage still has the schedule as it was before the
      // PATCH: the watchdog sets it to the committed interval.
      const stale = await crmSync.getJobScheduler(syncSchedulerId(patchedConnection));
      await crmSync.upsertJobScheduler(syncSchedulerId(patchedConnection), { every: 600_000 }, { name: stale!.name, data: stale!.template?.data });
      await eventually(async () => (await crmSync.getJobScheduler(syncSchedulerId(patchedConnection)))?.every === 900_000, 'the stale schedule to be corrected', 60_000, 500);
    },
    300_000,
  );
});
