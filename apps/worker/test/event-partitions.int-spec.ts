import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PARTITION_MAINTENANCE_SCHEDULER_ID, QUEUE } from '@corridor/contracts';
import { addMonths, monthOf, monthStart } from '@corridor/domain';
import { dataSourceOptions, insertTouchpointEvents, MeasureStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(180_000);

const TABLES = ['touchpoint_events', 'decisions', 'deliveries'];
const part = (table: string, month: string) => `${table}_p${month.replace('-', '_')}`;

/**
 * Touchpoint events, decisions and deliveries partitioned by the event's month
 * (1797200000000-PartitionEvents): rows land in their event's month, the uniques that make "one
 * decision per (event, touchpoint), one delivery per (decision, treatment)" and event idempotency
 * still hold across partitions, and the retention job, enqueued by the worker's own scheduler and
 * run by its dispatcher, drops the months past EVENT_RETENTION_DAYS and makes the ones ahead.
 */
describe('event tables partitioned by month', () => {
  let ctx: TestContext;
  let db: Client;
  let ds: DataSource;
  let worker: INestApplicationContext | undefined;
  const now = new Date();
  const current = monthOf(now);

  beforeAll(async () => {
    ctx = await createTestContext();
    db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    ds = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
  }, 120_000);
  afterAll(async () => {
    await worker?.close();
    await ds?.destroy();
    await db?.end();
    await ctx?.dispose();
  }, 120_000);

  async function partitionsOf(table: string): Promise<string[]> {
    const { rows } = await db.query(`SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1`, [table]);
    return rows.map((r) => r.relname);
  }

  /** An event received at `at`, with a decision and a delivery as the decide step writes them. */
  async function eventWithDecision(key: string, at: Date): Promise<{ eventId: string; decisionId: string }> {
    const { rows: e } = await db.query(
      `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at) VALUES ('api', $1, 'signup', 7, $2, $2) RETURNING id::text`,
      [key, at],
    );
    const { rows: d } = await db.query(
      `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, outcome, reasons, event_received_at, decided_at)
       SELECT id, touchpoint_key, customer_id, 'vip', 'treated', '[]', received_at, received_at FROM touchpoint_events WHERE id = $1 RETURNING id::text`,
      [e[0].id],
    );
    await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, event_received_at)
       SELECT d.id, d.event_id, d.customer_id, 'promo', 'webhook', 'email', 'msg_' || d.id, 'delivered', d.event_received_at FROM decisions d WHERE d.id = $1`,
      [d[0].id],
    );
    return { eventId: e[0].id, decisionId: d[0].id };
  }

  async function tableOf(table: string, column: string, id: string): Promise<string> {
    const { rows } = await db.query(`SELECT tableoid::regclass::text AS t FROM ${table} WHERE ${column} = $1`, [id]);
    return rows.map((r) => r.t).join(',');
  }

  it('has the current month and two ahead, and a default, for each table', async () => {
    for (const table of TABLES) {
      const { rows } = await db.query(`SELECT relkind FROM pg_class WHERE relname = $1`, [table]);
      expect(rows[0].relkind).toBe('p');
      const parts = await partitionsOf(table);
      for (const month of [current, addMonths(current, 1), addMonths(current, 2)]) expect(parts).toContain(part(table, month));
      expect(parts).toContain(`${table}_default`);
    }
  });

  it("files decisions and deliveries under their event's month, even when decided in the next one", async () => {
    // Received in the last millisecond of this month, decided (decided_at) in the next.
    const lastInstant = new Date(monthStart(addMonths(current, 1)).getTime() - 1);
    const { eventId, decisionId } = await eventWithDecision('edge', lastInstant);
    await db.query(`UPDATE decisions SET decided_at = $2 WHERE id = $1`, [decisionId, monthStart(addMonths(current, 1))]);
    expect(await tableOf('touchpoint_events', 'id', eventId)).toBe(part('touchpoint_events', current));
    expect(await tableOf('decisions', 'id', decisionId)).toBe(part('decisions', current));
    expect(await tableOf('deliveries', 'decision_id', decisionId)).toBe(part('deliveries', current));

    const next = await eventWithDecision('next', monthStart(addMonths(current, 1)));
    expect(await tableOf('decisions', 'id', next.decisionId)).toBe(part('decisions', addMonths(current, 1)));
  });

  it('rejects a second decision for an event and touchpoint, and a second delivery for a decision and treatment', async () => {
    const lastInstant = new Date(monthStart(addMonths(current, 1)).getTime() - 1);
    const { eventId, decisionId } = await eventWithDecision('twice', lastInstant);
    // The decide step's own statement (decision.store): the event's received_at, joined in.
    const again = await db.query(
      `INSERT INTO decisions (event_id, touchpoint_key, customer_id, outcome, event_received_at)
       SELECT id, touchpoint_key, customer_id, 'treated', received_at FROM touchpoint_events WHERE id = $1
       ON CONFLICT (event_id, touchpoint_key, event_received_at) DO NOTHING RETURNING id`,
      [eventId],
    );
    expect(again.rowCount).toBe(0);
    await expect(
      db.query(`INSERT INTO decisions (event_id, touchpoint_key, customer_id, outcome, event_received_at) SELECT id, touchpoint_key, customer_id, 'treated', received_at FROM touchpoint_events WHERE id = $1`, [
        eventId,
      ]),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      db.query(
        `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, event_received_at)
         SELECT id, event_id, customer_id, 'promo', 'webhook', 'email', 'msg_other', 'pending', event_received_at FROM decisions WHERE id = $1`,
        [decisionId],
      ),
    ).rejects.toMatchObject({ code: '23505' });
    const { rows } = await db.query(`SELECT (SELECT count(*)::int FROM decisions WHERE event_id = $1) AS d, (SELECT count(*)::int FROM deliveries WHERE event_id = $1) AS v`, [eventId]);
    expect(rows[0]).toEqual({ d: 1, v: 1 });
  });

  it('keeps event idempotency across months, through the ingest statement and under concurrency', async () => {
    // First seen last month (the default partition holds it: no partition was made that far back).
    const lastMonth = new Date(monthStart(current).getTime() - 3_600_000);
    const { rows: first } = await db.query(
      `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at) VALUES ('api', 'idem', 'signup', 7, $1, $1) RETURNING id::text, tableoid::regclass::text AS t`,
      [lastMonth],
    );
    expect(first[0].t).toBe('touchpoint_events_default');
    const event = { touchpoint: 'signup', customerId: '7', occurredAt: now, properties: {}, idempotencyKey: 'idem' };
    const results = await ds.transaction((em) => insertTouchpointEvents(em, 'api', [{ index: 0, event }, { index: 1, event: { ...event, idempotencyKey: 'fresh' } }]));
    expect(results[0]).toEqual({ index: 0, status: 'duplicate', eventId: first[0].id });
    expect(results[1]).toMatchObject({ index: 1, status: 'accepted' });
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM touchpoint_events WHERE idempotency_key = 'idem'`);
    expect(rows[0].n).toBe(1);

    // Two transactions claim one key at once: the second waits for the first, then skips.
    const a = new Client({ connectionString: ctx.databaseUrl });
    const b = new Client({ connectionString: ctx.databaseUrl });
    await Promise.all([a.connect(), b.connect()]);
    try {
      const insert = `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', 'race', 'signup', 7, now()) RETURNING id`;
      await a.query('BEGIN');
      expect((await a.query(insert)).rowCount).toBe(1);
      await b.query('BEGIN');
      const second = b.query(insert);
      await new Promise((r) => setTimeout(r, 300));
      await a.query('COMMIT');
      expect((await second).rowCount).toBe(0);
      await b.query('COMMIT');
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
    const race = await db.query(`SELECT count(*)::int AS n FROM touchpoint_events WHERE idempotency_key = 'race'`);
    expect(race.rows[0].n).toBe(1);
  });

  it('the scheduled maintenance drops months past retention (counters kept) and makes the ones ahead', async () => {
    // Two old months with rows, as if the database had run for a while; the farthest month ahead missing.
    const old = [addMonths(current, -4), addMonths(current, -3)];
    for (const month of old) {
      for (const table of TABLES) {
        await db.query(`CREATE TABLE ${part(table, month)} PARTITION OF ${table} FOR VALUES FROM ('${monthStart(month).toISOString()}') TO ('${monthStart(addMonths(month, 1)).toISOString()}')`);
      }
      await eventWithDecision(`old-${month}`, new Date(monthStart(month).getTime() + 86_400_000));
    }
    const ahead = addMonths(current, 2);
    for (const table of [...TABLES].reverse()) await db.query(`DROP TABLE ${part(table, ahead)}`);
    // Caught by the default partition meanwhile: it must move into the month made for it.
    const caught = await eventWithDecision('ahead', new Date(monthStart(ahead).getTime() + 1000));
    expect(await tableOf('decisions', 'id', caught.decisionId)).toBe('decisions_default');

    // This test's decisions only (persona vip): the worker's own pipeline may decide the events above meanwhile.
    const counters = `SELECT coalesce(sum(decisions), 0)::int AS decisions, coalesce(sum(deliveries), 0)::int AS deliveries
                        FROM (SELECT decisions, deliveries FROM measure_cells WHERE persona_key = 'vip'
                              UNION ALL SELECT decisions, deliveries FROM measure_deltas WHERE persona_key = 'vip') x`;
    const before = (await db.query(counters)).rows[0];
    expect(before.decisions).toBeGreaterThanOrEqual(6);

    // 40 days: the two old months are wholly past it; last month and this one are kept.
    Object.assign(process.env, {
      SEGMENTATION_RECONCILE_MINUTES: '0',
      SEGMENTATION_REFRESH_CRON: '',
      MEASURES_ROLLUP_SECONDS: '0',
      EVENT_RETENTION_DAYS: '40',
      PARTITION_MAINTENANCE_CRON: '* * * * * *',
    });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    const queue = worker.get<Queue>(getQueueToken(QUEUE.measures));
    expect(await queue.getJobScheduler(PARTITION_MAINTENANCE_SCHEDULER_ID)).toMatchObject({ pattern: '* * * * * *' });

    await eventually(async () => (await partitionsOf('touchpoint_events')).includes(part('touchpoint_events', ahead)) && !(await partitionsOf('touchpoint_events')).includes(part('touchpoint_events', old[1])), 'the scheduled maintenance to run', 60_000);
    await eventually(async () => (await queue.getCompletedCount()) > 0, 'the maintenance job to complete', 30_000);
    for (const table of TABLES) {
      const parts = await partitionsOf(table);
      for (const month of old) expect(parts).not.toContain(part(table, month));
      for (const month of [current, addMonths(current, 1), ahead]) expect(parts).toContain(part(table, month));
    }
    expect(await tableOf('decisions', 'id', caught.decisionId)).toBe(part('decisions', ahead));
    expect(await tableOf('touchpoint_events', 'id', caught.eventId)).toBe(part('touchpoint_events', ahead));
    const { rows } = await db.query(
      `SELECT (SELECT count(*)::int FROM touchpoint_events WHERE idempotency_key LIKE 'old-%') AS events,
              (SELECT count(*)::int FROM touchpoint_event_keys WHERE idempotency_key LIKE 'old-%') AS keys,
              (SELECT count(*)::int FROM touchpoint_event_keys WHERE idempotency_key = 'idem') AS kept`,
    );
    expect(rows[0]).toEqual({ events: 0, keys: 0, kept: 1 });
    expect((await db.query(counters)).rows[0]).toEqual(before);
    expect(await queue.getFailedCount()).toBe(0);

    // A repair recount keeps the days whose raw rows retention dropped.
    await new MeasureStore(ds).rebuild();
    expect((await db.query(counters)).rows[0]).toEqual(before);
  });
});
