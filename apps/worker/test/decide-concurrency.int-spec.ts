import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ChildProcess } from 'node:child_process';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DECIDE_EVENT, QUEUE } from '@corridor/contracts';
import { createTestContext, eventually, spawnWorkerProcess, stopProcess, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness } from './decide-harness';

jest.setTimeout(240_000);

const CUSTOMERS = 15;
const EVENTS_PER_CUSTOMER = 8;
const CAP = 3;

/**
 * Exactly one decision per (event, touchpoint), and caps exact, with two worker processes (and this
 * one) taking the same events, each enqueued twice under different job ids as a retry would.
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

  it('makes one decision per event and never more deliveries than the cap', async () => {
    const ids = await h.seedCustomers(Array.from({ length: CUSTOMERS }, (_, i) => ({ externalId: `p${i}`, attributes: { email: `p${i}@x.io`, country: 'US' } })));
    await h.publishPersonas();
    await h.publishStrategy({ caps: [{ scope: 'channel', key: 'email', period: 'day', max: CAP }] });
    for (let i = 0; i < 2; i++) workers.push(spawnWorkerProcess({ ...ctx.env, WORKER_CONCURRENCY: '8', DESTINATION_ALLOWED_HOSTS: '127.0.0.1' }));

    const events: string[] = [];
    for (const customerId of ids.values()) {
      for (let k = 0; k < EVENTS_PER_CUSTOMER; k++) events.push(await h.event(customerId, 'signup', { plan: 'free' }, false));
    }
    // Each event twice, as a lost-and-requeued job would be (the job id only filters the first).
    await h.jobs.enqueueMany(DECIDE_EVENT, events.map((eventId) => ({ eventId })));
    await h.jobs.enqueueMany(DECIDE_EVENT, events.map((eventId) => ({ eventId })), { jobId: undefined });

    const total = CUSTOMERS * EVENTS_PER_CUSTOMER;
    await eventually(async () => {
      const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM decisions WHERE touchpoint_key = 'signup'`);
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
    const completed = (await queue.getJobs(['completed'], 0, -1)).filter((j) => ours.has(j.data.eventId)).length;
    expect(completed).toBe(2 * total);

    const [{ decisions, distinct }] = await h.db.query(`SELECT count(*)::int AS decisions, count(DISTINCT (event_id, touchpoint_key))::int AS distinct FROM decisions WHERE touchpoint_key = 'signup'`);
    expect({ decisions, distinct }).toEqual({ decisions: total, distinct: total });
    const perCustomer: Array<{ customer_id: string; n: number }> = await h.db.query(`SELECT customer_id::text, count(*)::int AS n FROM deliveries GROUP BY customer_id`);
    expect(perCustomer).toHaveLength(CUSTOMERS);
    for (const row of perCustomer) expect(row.n).toBe(CAP);
    const outcomes = await h.db.query(`SELECT outcome, count(*)::int AS n FROM decisions WHERE touchpoint_key = 'signup' GROUP BY outcome ORDER BY outcome`);
    expect(outcomes).toEqual([
      { outcome: 'suppressed', n: CUSTOMERS * (EVENTS_PER_CUSTOMER - CAP) },
      { outcome: 'treated', n: CUSTOMERS * CAP },
    ]);
    const [{ outbox }] = await h.db.query(`SELECT count(*)::int AS outbox FROM outbox WHERE topic = 'dispatch-delivery'`);
    expect(outbox).toBe(CUSTOMERS * CAP);
  });
});
