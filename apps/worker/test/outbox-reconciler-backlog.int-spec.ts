import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { Client } from 'pg';
import { DECIDE_EVENT, DECIDE_EVENTS, QUEUE } from '@corridor/contracts';
import { EVENT_SOURCE, parseCustomerRef } from '@corridor/domain';
import { CustomerRepository, IMPORT_CONNECTION_ID, TouchpointEventStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(120_000);

const GRACE_SECONDS = 2;

/**
 * The outbox reconciler against a backlog, in a real worker process context (its own timer, every
 * second here, for work older than two seconds) on real Postgres and Redis. The touchpoint-events
 * queue is paused, so the relay's DECIDE_EVENTS batches wait as they do behind a burst: the
 * reconciler must leave their events to them (it once re-queued each as a DECIDE_EVENT of its own,
 * which halved the drain), and re-queue only the events of a batch that is gone from Redis, each
 * then decided once.
 */
describe('outbox reconciler with a backlog in the queue', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext;
  let db: Client;
  let queue: Queue;
  const ids: string[] = [];
  const raisedIds: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.OUTBOX_RECONCILE_SECONDS = '1';
    process.env.OUTBOX_RECONCILE_GRACE_SECONDS = String(GRACE_SECONDS);
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    queue = worker.get<Queue>(getQueueToken(QUEUE.touchpointEvents));
    // No decide processor takes a job: every batch waits, as behind a burst's backlog.
    await queue.pause();
    db = new Client({ connectionString: ctx.databaseUrl });
    await db.connect();
    await worker.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, Array.from({ length: 20 }, (_, i) => ({ externalId: `c${i}`, attributes: { email: `c${i}@x.io` } })));
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('page_view', 'Page view', 'awareness', 'web', 2)`);
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RECONCILE_SECONDS;
    delete process.env.OUTBOX_RECONCILE_GRACE_SECONDS;
    await db?.end();
    await worker?.close();
    await ctx?.dispose();
  });

  async function ingest(source: string, prefix: string, n: number): Promise<string[]> {
    const results = await worker.get(TouchpointEventStore).ingest(
      source,
      Array.from({ length: n }, (_, i) => ({
        index: i,
        event: { touchpoint: 'page_view', customer: parseCustomerRef(`c${i % 20}`), occurredAt: new Date(), properties: { i }, idempotencyKey: `${prefix}-${i}` },
      })),
      (i, f) => `events[${i}].${f}`,
    );
    return results.map((r) => ('eventId' in r ? r.eventId : ''));
  }

  async function allJobs(): Promise<Job[]> {
    return queue.getJobs(['waiting', 'paused', 'prioritized', 'active', 'completed', 'failed', 'delayed', 'waiting-children'], 0, -1);
  }

  /**
   * Returns once a whole reconciler pass has run from start to end after this call: each pass ends
   * by purging relayed outbox rows older than a day, so a marker row's purge is a pass's last step;
   * the second marker, written after the first was purged, can only be purged by a pass that began
   * after that.
   */
  async function aWholePass(): Promise<void> {
    for (const marker of ['pass-1', 'pass-2']) {
      await db.query(`INSERT INTO outbox (topic, ref, relayed_at) VALUES ('test-marker', $1, now() - interval '25 hours')`, [marker]);
      await eventually(async () => (await db.query(`SELECT 1 FROM outbox WHERE topic = 'test-marker'`)).rowCount === 0, 'a reconciler pass to purge the marker', 30_000, 100);
    }
  }

  it('adds no job for events whose batch jobs are still queued past the grace', async () => {
    ids.push(...(await ingest('api', 'backlog', 120)));
    raisedIds.push(...(await ingest(EVENT_SOURCE.corridor, 'raised', 30)));
    const all = [...ids, ...raisedIds];
    expect(all.filter(Boolean)).toHaveLength(150);
    // Relayed, each row stamped with the batch job it went in.
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE ref = ANY($1::text[]) AND job_id IS NOT NULL AND relayed_at IS NOT NULL`, [all]);
      return rows[0].n === 150;
    }, 'every outbox row stamped with its job');
    const { rows: stamped } = await db.query(`SELECT ref, job_id FROM outbox WHERE ref = ANY($1::text[])`, [all]);
    const before = await allJobs();
    expect(before.every((j) => j.name === DECIDE_EVENTS.name)).toBe(true);
    const byId = new Map(before.map((j) => [j.id, j]));
    for (const r of stamped) expect(byId.get(r.job_id)?.data.eventIds).toContain(r.ref);

    // Past the grace, with passes run since: the events are undecided, and still no job was added.
    const { rows: received } = await db.query(`SELECT max(received_at) AS at FROM touchpoint_events`);
    await new Promise((r) => setTimeout(r, Math.max(0, received[0].at.getTime() + GRACE_SECONDS * 1000 + 500 - Date.now())));
    await aWholePass();
    expect((await db.query(`SELECT count(*)::int AS n FROM decisions`)).rows[0].n).toBe(0);
    const after = await allJobs();
    expect(after.map((j) => j.id).sort()).toEqual(before.map((j) => j.id).sort());
  });

  it('re-queues the events of a batch gone from Redis, at their priority, and each is decided once', async () => {
    const jobOf = async (eventId: string) => (await db.query(`SELECT job_id FROM outbox WHERE ref = $1`, [eventId])).rows[0].job_id as string;
    const lostBatch = (await queue.getJob(await jobOf(ids[0])))!;
    const lostRaised = (await queue.getJob(await jobOf(raisedIds[0])))!;
    const lost = [...lostBatch.data.eventIds, ...lostRaised.data.eventIds] as string[];
    const countBefore = (await allJobs()).length;
    await lostBatch.remove();
    await lostRaised.remove();

    await eventually(async () => {
      const singles = (await allJobs()).filter((j) => j.name === DECIDE_EVENT.name);
      return singles.length === lost.length;
    }, 'the lost batches\' events re-queued', 30_000, 100);
    await aWholePass();
    const jobs = await allJobs();
    // One DECIDE_EVENT per lost event, nothing for the events still in their batches, nothing twice.
    const singles = jobs.filter((j) => j.name === DECIDE_EVENT.name);
    expect(singles.map((j) => j.data.eventId).sort()).toEqual([...lost].sort());
    expect(jobs).toHaveLength(countBefore - 2 + lost.length);
    const raised = new Set(lostRaised.data.eventIds as string[]);
    for (const j of singles) expect([j.data.eventId, j.opts.priority ?? 0]).toEqual([j.data.eventId, raised.has(j.data.eventId) ? 10 : 0]);

    await queue.resume();
    const all = [...ids, ...raisedIds];
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(DISTINCT event_id)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[])`, [all]);
      return rows[0].n === all.length;
    }, 'every event decided', 60_000, 200);
    await aWholePass();
    const { rows: twice } = await db.query(`SELECT event_id FROM decisions GROUP BY event_id, touchpoint_key HAVING count(*) > 1`);
    expect(twice).toEqual([]);
    expect((await db.query(`SELECT count(*)::int AS n FROM decisions`)).rows[0].n).toBe(all.length);
    // Decided: later passes find nothing to re-queue.
    expect((await allJobs()).filter((j) => j.name === DECIDE_EVENT.name)).toHaveLength(lost.length);
  });
});
