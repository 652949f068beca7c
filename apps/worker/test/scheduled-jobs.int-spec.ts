import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { ConfigModule } from '@corridor/config';
import { INFER_IGNORED_SCHEDULER_ID, QUEUE, RECONCILE_SCHEDULER_ID, REFRESH_SCHEDULER_ID, syncSchedulerId } from '@corridor/contracts';
import { JobsModule } from '@corridor/jobs';
import { ConnectionRepository, CustomerRepository, IMPORT_CONNECTION_ID, PersistenceModule, SegmentationStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../src/worker.module';

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule] })
class ProducerOnlyModule {}

/**
 * Every scheduled job, end to end: the worker's own schedulers enqueue it, the real dispatcher
 * (payload validation included) runs it, and its effect shows in Postgres. Calling the services
 * directly missed that every reconcile job was refused by validation.
 */
describe('scheduled jobs through the real dispatcher', () => {
  let ctx: TestContext;
  let producer: INestApplicationContext;
  let worker: INestApplicationContext | undefined;
  let db: Client;

  beforeAll(async () => {
    ctx = await createTestContext();
    producer = await NestFactory.createApplicationContext(ProducerOnlyModule, { logger: false });
    db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
  });
  afterEach(async () => {
    await worker?.close();
    worker = undefined;
  });
  afterAll(async () => {
    await db.end();
    await producer.close();
    await ctx.dispose();
  });

  /** A worker process as production boots it, with these settings. */
  async function bootWorker(env: Record<string, string>): Promise<Queue> {
    Object.assign(process.env, { SEGMENTATION_RECONCILE_MINUTES: '0', SEGMENTATION_REFRESH_CRON: '', WORKER_WATCHDOG_SECONDS: '1' }, env);
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    return worker.get<Queue>(getQueueToken(QUEUE.segmentation));
  }

  it('reconcile-assignments: a customer whose evaluation was lost gets its persona', async () => {
    await producer.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'lost', attributes: { country: 'GB' } }]);
    const [{ id }] = (await db.query(`SELECT id::text FROM customers WHERE external_id = 'lost'`)).rows;
    const store = producer.get(SegmentationStore);
    expect(await store.liveAssignment(id)).toBeNull();

    // An `every` scheduler fires at once, then every N minutes.
    const queue = await bootWorker({ SEGMENTATION_RECONCILE_MINUTES: '1' });
    expect(await queue.getJobScheduler(RECONCILE_SCHEDULER_ID)).toMatchObject({ every: 60_000 });
    await eventually(() => store.liveAssignment(id), 'the scheduled reconcile to assign the lost customer', 60_000);
    expect(await queue.getFailedCount()).toBe(0);
  }, 90_000);

  it('refresh-segments: the cron schedule re-applies the live rules as a new set version', async () => {
    const queue = await bootWorker({ SEGMENTATION_REFRESH_CRON: '*/2 * * * * *' });
    expect(await queue.getJobScheduler(REFRESH_SCHEDULER_ID)).toMatchObject({ pattern: '*/2 * * * * *' });
    const live = await eventually(async () => {
      const { rows } = await db.query(`SELECT version FROM persona_sets WHERE status = 'live' AND reason = 'refresh'`);
      return rows[0];
    }, 'a scheduled refresh to go live', 60_000);
    const [{ id }] = (await db.query(`SELECT id::text FROM customers WHERE external_id = 'lost'`)).rows;
    expect((await producer.get(SegmentationStore).liveAssignment(id))!.setVersion).toBeGreaterThanOrEqual(live.version);
    expect(await queue.getFailedCount()).toBe(0);
  }, 90_000);

  it("sync-connection: a connection's schedule (made by the worker from Postgres) syncs it from the CRM", async () => {
    const sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 25, searchLagMs: 0 } } as never);
    try {
      const connection = await producer.get(ConnectionRepository).create({
        kind: 'hubspot',
        name: 'scheduled',
        settings: { basePath: sandbox.url, searchLagMs: 0, syncIntervalSeconds: 3600 },
        credentials: { kind: 'hubspot', accessToken: 'sandbox-hubspot-token' },
      });
      // Nothing made the schedule yet (the API makes it when a connection is created through it).
      await bootWorker({});
      const crmSync = worker!.get<Queue>(getQueueToken(QUEUE.crmSync));
      await eventually(() => crmSync.getJobScheduler(syncSchedulerId(connection.id)), 'the sync schedule', 30_000);
      const run = await eventually(async () => {
        const { rows } = await db.query(`SELECT status, trigger FROM sync_runs WHERE connection_id = $1 AND status = 'completed'`, [connection.id]);
        return rows[0];
      }, 'the scheduled sync to complete', 60_000);
      expect(run.trigger).toBe('first'); // a scheduled tick on a never-synced connection runs the first, full sync
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1`, [connection.id]);
      expect(rows[0].n).toBe(25);
    } finally {
      await worker?.close();
      worker = undefined;
      await sandbox.close();
    }
  }, 120_000);

  it('infer-ignored: the worker schedules the sweep from its setting, and the watchdog brings the schedule back when Redis loses it', async () => {
    try {
      await bootWorker({ OUTCOME_IGNORED_SWEEP_SECONDS: '2' });
      const sweeps = worker!.get<Queue>(getQueueToken(QUEUE.outcomeSweeps));
      expect(await sweeps.getJobScheduler(INFER_IGNORED_SCHEDULER_ID)).toMatchObject({ every: 2000 });
      await eventually(async () => (await sweeps.getCompletedCount()) > 0, 'a scheduled sweep to run', 30_000);
      await sweeps.removeJobScheduler(INFER_IGNORED_SCHEDULER_ID);
      await eventually(() => sweeps.getJobScheduler(INFER_IGNORED_SCHEDULER_ID), 'the watchdog to re-create the sweep schedule', 30_000);
      expect(await sweeps.getFailedCount()).toBe(0);
    } finally {
      delete process.env.OUTCOME_IGNORED_SWEEP_SECONDS;
    }
  }, 90_000);
});
