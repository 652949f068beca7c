import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { MEASURES_ROLLUP_SCHEDULER_ID, QUEUE } from '@corridor/contracts';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';

/**
 * The measures rollup as production runs it: the worker's own scheduler enqueues it, the real
 * dispatcher (payload validation included) runs it, and the deltas the triggers appended end up
 * folded into the daily rows.
 */
describe('rollup-measures through the scheduler', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext | undefined;
  let db: Client;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await worker?.close();
    await db.end();
    await ctx.dispose();
  });

  it('folds the deltas of new decisions and outcomes into measure_cells', async () => {
    await db.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', 'r1', 'signup', 7, now())`);
    await db.query(
      `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, outcome, reasons, event_received_at)
       SELECT id, touchpoint_key, customer_id, 'vip', 'held_out', '[]', received_at FROM touchpoint_events WHERE idempotency_key = 'r1'`,
    );
    await db.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, touchpoint_key, value, occurred_at)
       SELECT 'api', 'c1', 'converted', d.customer_id, d.event_id, d.id, d.touchpoint_key, 12.5, now() FROM decisions d`,
    );
    const [{ n }] = (await db.query(`SELECT count(*)::int AS n FROM measure_deltas`)).rows;
    expect(n).toBeGreaterThan(0);

    Object.assign(process.env, { SEGMENTATION_RECONCILE_MINUTES: '0', SEGMENTATION_REFRESH_CRON: '', MEASURES_ROLLUP_SECONDS: '1' });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    const queue = worker.get<Queue>(getQueueToken(QUEUE.measures));
    expect(await queue.getJobScheduler(MEASURES_ROLLUP_SCHEDULER_ID)).toMatchObject({ every: 1000 });

    await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM measure_deltas`)).rows[0].n === 0, 'the scheduled rollup to fold the deltas', 30_000);
    const { rows } = await db.query(`SELECT persona_key, touchpoint_key, decisions::int, held_out::int, holdout_converted::int, outcome_converted::int, conversion_value::float FROM measure_cells`);
    expect(rows).toEqual([{ persona_key: 'vip', touchpoint_key: 'signup', decisions: 1, held_out: 1, holdout_converted: 1, outcome_converted: 1, conversion_value: 12.5 }]);
    expect(await queue.getFailedCount()).toBe(0);
    expect(await queue.getCompletedCount()).toBeGreaterThan(0);
  }, 90_000);
});
