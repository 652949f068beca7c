import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess } from 'node:child_process';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DECIDE_EVENT, DECIDE_EVENTS, QUEUE } from '@corridor/contracts';
import { createTestContext, eventually, spawnWorkerProcess, stopProcess, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness } from './decide-harness';

jest.setTimeout(240_000);

const CUSTOMERS = 15;
const EVENTS_PER_CUSTOMER = 8;
const CAP = 3;

/**
 * Exactly one decision per (event, touchpoint), and caps exact, with two worker processes (and this
 * one) taking the same events, each enqueued twice under different job ids as a retry would: one
 * job per event, and batch jobs (as the relay sends) whose customers' locks overlap.
 */
describe('decide under concurrent workers and retries', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let h: DecideHarness;
  const workers: ChildProcess[] = [];
  let destination: Awaited<ReturnType<DecideHarness['localDestination']>>;

  beforeAll(async () => {
    ctx = await createTestContext();
    // Deliveries reach a local receiver through the real dispatcher: a delivery that died would
    // count toward no cap, and the cap is what this test checks.
    process.env.DESTINATION_ALLOWED_HOSTS = '127.0.0.1';
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    h = new DecideHarness(app);
    destination = await h.localDestination();
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await app?.close();
    await destination?.close();
    delete process.env.DESTINATION_ALLOWED_HOSTS;
    await ctx?.dispose();
  });

  /**
   * Seeds CUSTOMERS new customers (`prefix`<i>) with EVENTS_PER_CUSTOMER signups each, has
   * `enqueue` put the events on the queue (each event at least twice), and checks what was written.
   */
  async function decideUnderContention(prefix: string, enqueue: (events: string[]) => Promise<void>): Promise<void> {
    const ids = await h.seedCustomers(Array.from({ length: CUSTOMERS }, (_, i) => ({ externalId: `${prefix}${i}`, attributes: { email: `${prefix}${i}@x.io`, country: 'US' } })));
    await h.publishPersonas();
    if (workers.length === 0) {
      await h.publishStrategy({ caps: [{ scope: 'channel', key: 'email', period: 'day', max: CAP }] });
      for (let i = 0; i < 2; i++) workers.push(spawnWorkerProcess({ ...ctx.env, WORKER_CONCURRENCY: '8', DESTINATION_ALLOWED_HOSTS: '127.0.0.1' }));
    }
    const customerIds = [...ids.values()];

    const events: string[] = [];
    for (const customerId of customerIds) {
      for (let k = 0; k < EVENTS_PER_CUSTOMER; k++) events.push(await h.event(customerId, 'signup', { plan: 'free' }, false));
    }
    await enqueue(events);

    const total = CUSTOMERS * EVENTS_PER_CUSTOMER;
    const mine = `customer_id = ANY($1::bigint[])`;
    await eventually(async () => {
      const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM decisions WHERE touchpoint_key = 'signup' AND ${mine}`, [customerIds]);
      return n === total;
    }, `${total} decisions`, 180_000, 200);
    // Let every duplicate job finish before counting what they wrote.
    const queue = app.get<Queue>(getQueueToken(QUEUE.touchpointEvents));
    await eventually(async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(c).every((n) => n === 0);
    }, 'the duplicate jobs to finish', 120_000, 200);
    // Only this test's jobs: the publish also raised persona_changed events, decided on this queue.
    const ours = new Set(events);
    const jobs = (await queue.getJobs(['completed', 'failed'], 0, -1)).filter((j) => ours.has(j.data.eventId) || (j.data.eventIds ?? []).some((id: string) => ours.has(id)));
    const named = jobs.flatMap((j) => j.data.eventIds ?? [j.data.eventId]);
    expect(named.length).toBeGreaterThanOrEqual(2 * total);
    expect(new Set(named).size).toBe(total);
    // Every job completed at its first attempt: no deadlock, no lock timeout, nothing retried.
    expect(jobs.filter((j) => j.finishedOn === undefined || j.failedReason || (j.stacktrace ?? []).length > 0).map((j) => j.failedReason)).toEqual([]);

    const [{ decisions, distinct }] = await h.db.query(
      `SELECT count(*)::int AS decisions, count(DISTINCT (event_id, touchpoint_key))::int AS distinct FROM decisions WHERE touchpoint_key = 'signup' AND ${mine}`,
      [customerIds],
    );
    expect({ decisions, distinct }).toEqual({ decisions: total, distinct: total });
    const perCustomer: Array<{ customer_id: string; n: number }> = await h.db.query(`SELECT customer_id::text, count(*)::int AS n FROM deliveries WHERE ${mine} GROUP BY customer_id`, [customerIds]);
    expect(perCustomer).toHaveLength(CUSTOMERS);
    for (const row of perCustomer) expect(row.n).toBe(CAP);
    const outcomes = await h.db.query(`SELECT outcome, count(*)::int AS n FROM decisions WHERE touchpoint_key = 'signup' AND ${mine} GROUP BY outcome ORDER BY outcome`, [customerIds]);
    expect(outcomes).toEqual([
      { outcome: 'suppressed', n: CUSTOMERS * (EVENTS_PER_CUSTOMER - CAP) },
      { outcome: 'treated', n: CUSTOMERS * CAP },
    ]);
    const [{ outbox }] = await h.db.query(
      `SELECT count(*)::int AS outbox FROM outbox o JOIN deliveries v ON v.id::text = o.ref WHERE o.topic = 'dispatch-delivery' AND v.${mine}`,
      [customerIds],
    );
    expect(outbox).toBe(CUSTOMERS * CAP);
  }

  it('makes one decision per event and never more deliveries than the cap', async () => {
    await decideUnderContention('p', async (events) => {
      // Each event twice, as a lost-and-requeued job would be (the job id only filters the first).
      await h.jobs.enqueueMany(DECIDE_EVENT, events.map((eventId) => ({ eventId })));
      await h.jobs.enqueueMany(DECIDE_EVENT, events.map((eventId) => ({ eventId })), { jobId: undefined });
    });
  });

  it('the same with batch jobs (DECIDE_EVENTS) that overlap in events and customers, taken by both workers at once', async () => {
    await decideUnderContention('q', async (events) => {
      // Two different shuffles cut into batches of different sizes: every batch shares customers
      // with batches the other worker runs at the same time, and every event is in two batches.
      const shuffled = (seed: number) => events.map((e, i) => ({ e, k: Math.sin(seed * 1000 + i) })).sort((a, b) => a.k - b.k).map((x) => x.e);
      const cut = (list: string[], size: number) => Array.from({ length: Math.ceil(list.length / size) }, (_, i) => ({ eventIds: list.slice(i * size, (i + 1) * size) }));
      await h.jobs.enqueueMany(DECIDE_EVENTS, [...cut(shuffled(1), 10), ...cut(shuffled(2), 7)], { jobId: undefined });
    });
  });
});
