import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUE, RECONCILE_SCHEDULER_ID, REFRESH_SCHEDULER_ID } from '@corridor/contracts';
import { CustomerRepository, IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { eventually, OwnRedis, startOwnRedis } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { WorkerModule } from '../src/worker.module';

const CUSTOMERS = 20_000;

/**
 * Redis loses everything (FLUSHALL, or a restart without persistence) while a publish is being
 * applied: Postgres knows the run, so the worker's watchdog re-queues its unfinished chunks and its
 * go-live, and re-creates the schedules. The API and the worker run as in production, on a Redis
 * server of this test's own.
 */
describe('Redis losing its data', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let db: Client;
  let queue: Queue;
  const admin = () => api.auth('admin');

  beforeAll(async () => {
    redis = await startOwnRedis();
    api = await startApiTestApp({
      env: {
        REDIS_URL: redis.url,
        WORKER_WATCHDOG_SECONDS: '2',
        // Many small chunks, one at a time: the run is still going when Redis loses it.
        SEGMENTATION_CHUNK_SIZE: '200',
        WORKER_CONCURRENCY: '1',
      },
    });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    queue = worker.get<Queue>(getQueueToken(QUEUE.segmentation));
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    const customers = api.app.get(CustomerRepository);
    for (let s = 0; s < CUSTOMERS; s += 1000) {
      await customers.upsertBatch(
        IMPORT_CONNECTION_ID,
        Array.from({ length: 1000 }, (_, k) => ({ externalId: `c${s + k}`, attributes: { country: ['US', 'GB', 'DE', 'BR'][(s + k) % 4] } })),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await redis?.stop();
  }, 30_000); // a worker's graceful stop may take a few seconds

  /** Publishes `country = <country>` as the only persona and returns the run once some chunks are done. */
  async function publishAndWaitForProgress(key: string, country: string) {
    await api.http.post('/v1/personas').set(admin()).send({ key, name: key, rule: { attribute: 'country', operator: 'equals', value: country } }).expect(201);
    const published = await api.http.post('/v1/personas/publish').set(admin()).send({}).expect(202);
    const runId: string = published.body.run.id;
    const progress = await eventually(async () => {
      const run = (await api.http.get(`/v1/segmentation/runs/${runId}`).set(admin())).body;
      return run.progress.chunksDone >= 3 ? run.progress : null;
    }, 'the run to be under way', 20_000);
    expect(progress.chunksDone).toBeLessThan(progress.chunksTotal); // still going: the loss hits a run in progress
    return { runId, setVersion: published.body.setVersion as number };
  }

  /** The run completes on its own (no new publish) and every live customer is on its set. */
  async function expectCompletedAndLive(runId: string, setVersion: number, key: string) {
    const run = await eventually(async () => {
      const r = (await api.http.get(`/v1/segmentation/runs/${runId}`).set(admin())).body;
      return r.status !== 'running' ? r : null;
    }, 'the run to finish after Redis lost its jobs', 60_000);
    expect(run).toMatchObject({ status: 'completed', progress: { chunksDone: run.progress.chunksTotal, percent: 100 } });
    const { rows: live } = await db.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
    expect(live).toEqual([{ version: setVersion }]);
    const { rows } = await db.query(
      `SELECT p.key, count(*)::int AS n FROM customers c
         JOIN assignments a ON a.customer_id = c.id AND a.set_version = $1 JOIN personas p ON p.id = a.persona_id
        WHERE c.deleted_at IS NULL GROUP BY p.key ORDER BY p.key`,
      [setVersion],
    );
    expect(rows).toEqual([
      { key: 'everyone_else', n: expect.any(Number) },
      { key, n: CUSTOMERS / 4 },
    ]);
    const { rows: unassigned } = await db.query(
      `SELECT count(*)::int AS n FROM customers c WHERE NOT EXISTS (SELECT 1 FROM assignments a WHERE a.customer_id = c.id AND a.set_version = $1)`,
      [setVersion],
    );
    expect(unassigned).toEqual([{ n: 0 }]);
    expect((await db.query(`SELECT count(*)::int AS n FROM segmentation_run_overrides`)).rows).toEqual([{ n: 0 }]);
  }

  it('completes a run whose jobs a FLUSHALL removed, and refresh says what it did meanwhile', async () => {
    const { runId, setVersion } = await publishAndWaitForProgress('us', 'US');
    await redis.flush();
    // A refresh while the publish runs starts nothing, and says so instead of `queued: true`.
    const refresh = await api.http.post('/v1/segmentation/refresh').set(admin()).send({});
    expect(refresh.status).toBe(409);
    expect(refresh.body).toMatchObject({ code: 'RUN_IN_PROGRESS', message: expect.stringContaining(runId) });
    await expectCompletedAndLive(runId, setVersion, 'us');
    // With nothing running, a refresh starts a run and names it.
    const started = await api.http.post('/v1/segmentation/refresh').set(admin()).send({}).expect(202);
    expect(started.body).toMatchObject({ setVersion: setVersion + 1, run: { kind: 'full', status: 'running' } });
    await eventually(async () => {
      const r = (await api.http.get(`/v1/segmentation/runs/${started.body.run.id}`).set(admin())).body;
      return r.status === 'completed';
    }, 'the refresh to complete', 35_000);
  }, 120_000);

  it('brings the schedules back after a flush, without a restart, and they run', async () => {
    expect(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toBeTruthy();
    // A customer stored without its evaluation job (lost): only the reconcile schedule will find it.
    await api.app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'lost', attributes: { country: 'US' } }]);
    const { rows: [{ id }] } = await db.query(`SELECT id::text FROM customers WHERE external_id = 'lost'`);
    await redis.flush();
    expect(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toBeFalsy();
    await eventually(async () => (await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)) && (await queue.getJobScheduler(REFRESH_SCHEDULER_ID)), 'the schedules to be re-created', 30_000);
    const assigned = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT p.key FROM assignments a JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' JOIN personas p ON p.id = a.persona_id
          WHERE a.customer_id = $1`,
        [id],
      );
      return rows[0];
    }, 'the re-created reconcile schedule to assign the lost customer', 30_000);
    expect(assigned.key).toBe('us');
  }, 120_000);

  it('completes a run after Redis restarts empty (no persistence)', async () => {
    await api.http.delete('/v1/personas/us').set(admin()).expect((res) => expect(res.status).toBeLessThan(300));
    const { runId, setVersion } = await publishAndWaitForProgress('gb', 'GB');
    await redis.restart();
    await expectCompletedAndLive(runId, setVersion, 'gb');
    await eventually(() => queue.getJobScheduler(RECONCILE_SCHEDULER_ID), 'the schedules to be re-created after the restart', 20_000);
  }, 120_000);
});
