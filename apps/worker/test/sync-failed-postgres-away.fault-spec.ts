import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUE, SYNC_CONNECTION } from '@corridor/contracts';
import { createMigratedDatabase, eventually, OwnPostgres, OwnRedis, startOwnPostgres, startOwnRedis } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(200_000);

/**
 * A manual sync's only attempt fails (the CRM answers 503 to everything) while Postgres (a server of
 * this test's own) is away, so the worker cannot mark the run: its job is failed in Redis, its run
 * `running` in Postgres. Once Postgres is back, the worker's watchdog timer ends the run `failed`
 * (after the dead attempt's lease lapses, 60 s) with the job's error, and a new manual sync is accepted.
 */
describe('a manual sync whose last attempt fails while Postgres is away', () => {
  let pg: OwnPostgres;
  let redis: OwnRedis;
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let url: string;

  beforeAll(async () => {
    [pg, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
    url = await createMigratedDatabase(pg);
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 10, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    api = await startApiTestApp({ env: { DATABASE_URL: url, REDIS_URL: redis.url, SYNC_MAX_ATTEMPTS: '1', WORKER_WATCHDOG_SECONDS: '1' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
  }, 90_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sandbox?.close();
    await redis?.stop();
    await pg?.dispose();
  }, 60_000);

  async function runStatus(runId: string): Promise<string> {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(`SELECT status FROM sync_runs WHERE id = $1`, [runId])).rows[0].status;
    } finally {
      await c.end();
    }
  }

  it('the watchdog ends the run failed once Postgres is back, and a new manual sync is accepted', async () => {
    const admin = api.auth('admin');
    const { body: connection } = await api.http
      .post('/v1/connections')
      .set(admin)
      .send({ kind: 'hubspot', name: 'Down', accessToken: 'sandbox-hubspot-token', basePath: sandbox.url, settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } } })
      .expect(201);
    // Every CRM request fails, slowly enough for Postgres to be stopped while the attempt waits on them.
    sandbox.admin.configure({ hubspot: { faults: { errorRate: 1, errorStatuses: [503], latencyMs: 1000 } } } as never);
    const started = await api.http.post(`/v1/connections/${connection.id}/sync`).set(admin).send({ mode: 'full' }).expect(202);
    const runId: string = started.body.id;
    await eventually(async () => (await runStatus(runId)) === 'running', 'the attempt to claim the run', 30_000, 50);
    await pg.stop();

    const job = await api.app.get<Queue>(getQueueToken(QUEUE.crmSync)).getJob(SYNC_CONNECTION.jobId({ connectionId: connection.id, runId, mode: 'full', trigger: 'manual' })!);
    await eventually(async () => (await job!.getState()) === 'failed', 'the job to fail for good', 60_000, 200);
    await pg.start();
    expect(await runStatus(runId)).toBe('running');

    const failed = await eventually(
      async () => {
        const { body } = await api.http.get(`/v1/sync-runs/${runId}`).set(admin);
        return body.status === 'failed' ? body : null;
      },
      'the watchdog to end the run',
      90_000,
      500,
    );
    expect(failed.error).toMatch(/sync job failed after 1 attempt/);
    sandbox.admin.clearFaults('hubspot');
    await api.http.post(`/v1/connections/${connection.id}/sync`).set(admin).send({ mode: 'full' }).expect(202);
  });

});
