import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { Client } from 'pg';
import { DECIDE_EVENTS, QUEUE } from '@corridor/contracts';
import { parseCustomerRef } from '@corridor/domain';
import { CustomerRepository, IMPORT_CONNECTION_ID, OutboxRow, OutboxStore, TouchpointEventStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { RELAY_JOB_BATCH } from '../src/outbox/outbox-topics';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(120_000);

/**
 * The outbox relay and the persona-change feed's treatments consumer, in a real worker process
 * context against real Postgres and Redis: acknowledged events reach the touchpoint-events queue
 * in DECIDE_EVENTS batch jobs, and persona changes raise `persona_changed` events exactly once.
 */
describe('outbox relay and persona-change feed', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext;
  let db: Client;
  let queue: Queue;
  let ingest: TouchpointEventStore;

  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.OUTBOX_RECONCILE_SECONDS = '1';
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    queue = worker.get<Queue>(getQueueToken(QUEUE.touchpointEvents));
    ingest = worker.get(TouchpointEventStore);
    db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    await worker.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, Array.from({ length: 50 }, (_, i) => ({ externalId: `c${i}`, attributes: { email: `c${i}@x.io` } })));
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('page_view', 'Page view', 'awareness', 'web', 2)`);
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RECONCILE_SECONDS;
    await db?.end();
    await worker?.close();
    await ctx?.dispose();
  });

  /** The touchpoint-events jobs (any state) that name an event: the relay's DECIDE_EVENTS batches, or DECIDE_EVENT. */
  async function jobsByEvent(): Promise<Map<string, Job[]>> {
    const jobs = await queue.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children'], 0, -1);
    const byEvent = new Map<string, Job[]>();
    for (const job of jobs) {
      for (const id of job.name === DECIDE_EVENTS.name ? (job.data.eventIds as string[]) : [job.data.eventId as string]) byEvent.set(id, [...(byEvent.get(id) ?? []), job]);
    }
    return byEvent;
  }

  /** Every event is decided, or a job that names it is in the queue (whatever its state). */
  async function undecidedWithoutJob(eventIds: readonly string[]): Promise<string[]> {
    const { rows } = await db.query(`SELECT event_id::text AS id FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds]);
    const decided = new Set(rows.map((r) => r.id));
    const jobs = await jobsByEvent();
    return eventIds.filter((id) => !decided.has(id) && !jobs.has(id));
  }

  it('relays every acknowledged event to a DECIDE_EVENTS batch job and stamps its outbox row', async () => {
    const results = await ingest.ingest(
      'api',
      Array.from({ length: 120 }, (_, i) => ({
        index: i,
        event: { touchpoint: 'page_view', customer: parseCustomerRef(`c${i % 50}`), occurredAt: new Date(), properties: { i }, idempotencyKey: `relay-${i}` },
      })),
      (i, n) => `events[${i}].${n}`,
    );
    const ids = results.map((r) => ('eventId' in r ? r.eventId : ''));
    expect(ids.filter(Boolean)).toHaveLength(120);
    await eventually(async () => (await undecidedWithoutJob(ids)).length === 0, 'every event to be in a DECIDE_EVENTS job');
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE ref = ANY($1::text[]) AND relayed_at IS NULL`, [ids]);
      return rows[0].n === 0;
    }, 'the outbox rows to be stamped relayed');
    // Relayed in batches (one DECIDE_EVENTS job per RELAY_JOB_BATCH rows of a claim), each event in one job.
    const jobs = await jobsByEvent();
    const [job] = jobs.get(ids[0])!;
    expect(job.name).toBe(DECIDE_EVENTS.name);
    expect(job.data.eventIds).toContain(ids[0]);
    expect(job.data.eventIds.length).toBeLessThanOrEqual(RELAY_JOB_BATCH);
    expect(ids.every((id) => jobs.get(id)?.length === 1)).toBe(true);
    expect(new Set(ids.map((id) => jobs.get(id)![0].id)).size).toBeLessThan(ids.length);
    // An integration's event is not prioritised down: it goes before Corridor's own bulk events.
    expect(job.opts.priority ?? 0).toBe(0);
  });

  it('lets several relays share the outbox without relaying a row twice (SKIP LOCKED)', async () => {
    // A topic the worker's relay does not claim (and is not blocked by): only the test's relays take these.
    await db.query(`INSERT INTO outbox (topic, ref) SELECT 'test-topic', g::text FROM generate_series(1, 300) g`);
    const store = worker.get(OutboxStore);
    const seen: string[] = [];
    const slowPublish = async (rows: OutboxRow[]) => {
      seen.push(...rows.map((r) => r.ref));
      await new Promise((r) => setTimeout(r, 50));
    };
    // Three relays at once, each claiming batches of 40 until none is left.
    await Promise.all([0, 1, 2].map(async () => {
      while ((await store.relay(['test-topic'], 40, slowPublish)) > 0);
    }));
    expect(seen.length).toBe(300);
    expect(new Set(seen).size).toBe(300);
    await db.query(`DELETE FROM outbox WHERE topic = 'test-topic'`);
  });

  it('wakes one listener across processes, only for unrelayed rows, and the listening passes on when its connection ends', async () => {
    const store = worker.get(OutboxStore);
    // The worker's relay listens already: a second exclusive listener is refused.
    const second = await store.listen(() => undefined, { exclusive: true });
    await second?.close();
    expect(second).toBeNull();

    // A plain listener sees which inserts notify: a statement of relayed rows only does not.
    let notices = 0;
    const plain = (await store.listen(() => notices++))!;
    await db.query(`INSERT INTO outbox (topic, ref, relayed_at) SELECT 'test-topic', g::text, now() FROM generate_series(1, 3) g`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(notices).toBe(0);
    await db.query(`INSERT INTO outbox (topic, ref) VALUES ('test-topic', 'x')`);
    await eventually(async () => notices === 1, 'a notice for an unrelayed row');
    await plain.close();

    // The listener's connection ends (its process died, say): another process takes the listening over.
    // This test's database only: suites running beside it hold the same lock in theirs.
    const listenerLock = `FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = hashtext('corridor.outbox')::oid AND objid = hashtext('listener')::oid
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
    const { rows: ended } = await db.query(`SELECT pid, pg_terminate_backend(pid) ${listenerLock}`);
    expect(ended).toHaveLength(1);
    // Whoever takes it (the worker's relay on its next look, typically), a new connection listens.
    await eventually(
      async () => (await db.query(`SELECT pid ${listenerLock}`)).rows.some((r: { pid: number }) => r.pid !== ended[0].pid),
      'the listening to pass on to another connection',
      30_000,
      100,
    );
    await db.query(`DELETE FROM outbox WHERE topic = 'test-topic'`);
  });

  it('raises persona_changed once per persona change, with from/to/cause, and decides it through the outbox', async () => {
    await db.query(`INSERT INTO personas (key, name, description, priority) VALUES ('vip', 'VIP', 'Big spenders.', 1), ('churn_risk', 'Churn risk', 'Leaving.', 2)`);
    const { rows: history } = await db.query(
      `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
       SELECT c.id, CASE WHEN c.id % 2 = 0 THEN pf.id END, pt.id, 2, 'rules_published', now()
         FROM customers c, personas pf, personas pt WHERE pf.key = 'churn_risk' AND pt.key = 'vip' AND c.external_id IN ('c1', 'c2', 'c3')
       RETURNING id::text AS id, customer_id::text AS customer_id, from_persona_id IS NOT NULL AS had_from`,
    );
    expect(history).toHaveLength(3);
    const events = await eventually(async () => {
      const { rows } = await db.query(
        `SELECT id::text AS id, idempotency_key, customer_id::text AS customer_id, properties FROM touchpoint_events
          WHERE source = 'corridor' AND touchpoint_key = 'persona_changed' AND idempotency_key = ANY($1::text[]) ORDER BY idempotency_key`,
        [history.map((h) => `persona_changed:${h.id}`)],
      );
      return rows.length >= 3 ? rows : null;
    }, 'persona_changed events for the three changes');
    expect(events.map((e) => [e.idempotency_key, e.customer_id, e.properties])).toEqual(
      history
        .map((h) => [`persona_changed:${h.id}`, h.customer_id, { from: h.had_from ? 'churn_risk' : null, to: 'vip', cause: 'rules_published' }])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    await eventually(async () => (await undecidedWithoutJob(events.map((e) => e.id))).length === 0, 'their DECIDE_EVENTS jobs');
    // Raised in bulk by a publish: decided after the events customers cause (BullMQ priority).
    const [raisedJob] = (await jobsByEvent()).get(events[0].id)!;
    expect(raisedJob.opts.priority).toBe(10);
    // One event per change, however many passes ran (later passes find the cursor past them).
    await new Promise((r) => setTimeout(r, 1500));
    const { rows: perChange } = await db.query(
      `SELECT count(*)::int AS n FROM touchpoint_events WHERE source = 'corridor' AND idempotency_key = ANY($1::text[])`,
      [history.map((h) => `persona_changed:${h.id}`)],
    );
    expect(perChange[0].n).toBe(3);
    expect((await db.query(`SELECT last_history_id::text AS h FROM feed_cursors WHERE consumer = 'treatments'`)).rows[0].h).not.toBe('0');
  });
});
