import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Job, Queue } from 'bullmq';
import { DECIDE_EVENTS, DISPATCH_DELIVERIES, DISPATCH_DELIVERY, QUEUE } from '@corridor/contracts';
import { SecretBox } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness, DESTINATION_ID } from './decide-harness';
import { newWebhookSecret, startReceiver } from './dispatch-support';

jest.setTimeout(180_000);

const GRACE_SECONDS = 2;
const EVENTS = 120;

/**
 * The outbox reconciler against a dispatch backlog, in a real worker process context (its own
 * timer, every second here, for work older than two seconds) on real Postgres and Redis, with a
 * real HTTP receiver. Events are decided by the worker (DECIDE_EVENTS batches), whose pending
 * deliveries go out as DISPATCH_DELIVERIES batches, each outbox row then naming its batch. The
 * treatment-dispatch queue is paused, so the batches wait as they do behind a slow or rate-limited
 * destination: the reconciler must leave their deliveries to them (it once re-queued each as a
 * DISPATCH_DELIVERY of its own, doubling the dispatch work), and re-queue only the deliveries of a
 * batch that is gone from Redis, each then delivered once.
 */
describe('outbox reconciler with a dispatch backlog', () => {
  let ctx: TestContext;
  let worker: INestApplicationContext;
  let h: DecideHarness;
  let queue: Queue;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  let deliveryIds: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.OUTBOX_RECONCILE_SECONDS = '1';
    process.env.OUTBOX_RECONCILE_GRACE_SECONDS = String(GRACE_SECONDS);
    process.env.DESTINATION_ALLOWED_HOSTS = '127.0.0.1';
    // A failed attempt's retry waits long enough for the test to pause the queue first.
    process.env.DISPATCH_BACKOFF_BASE_MS = '3000';
    process.env.DISPATCH_BACKOFF_MAX_MS = '3000';
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    h = new DecideHarness(worker);
    receiver = await startReceiver(secret);
    await h.db.query(`INSERT INTO destinations (id, name, url, secret_encrypted) VALUES ($1, 'backlog hooks', $2, $3)`, [DESTINATION_ID, receiver.url('/hooks'), worker.get(SecretBox).seal(secret)]);
    queue = worker.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    // No dispatch processor takes a job: every batch waits, as behind a slow destination's backlog.
    await queue.pause();
    await h.seedCustomers(Array.from({ length: EVENTS }, (_, i) => ({ externalId: `c${i}`, attributes: { email: `c${i}@x.io`, first_name: `Ann${i}`, country: 'US' } })));
    await h.publishPersonas();
    await h.publishStrategy({});
  });
  afterAll(async () => {
    delete process.env.OUTBOX_RECONCILE_SECONDS;
    delete process.env.OUTBOX_RECONCILE_GRACE_SECONDS;
    delete process.env.DESTINATION_ALLOWED_HOSTS;
    delete process.env.DISPATCH_BACKOFF_BASE_MS;
    delete process.env.DISPATCH_BACKOFF_MAX_MS;
    await worker?.close();
    await receiver?.close();
    await ctx?.dispose();
  });

  async function allJobs(): Promise<Job[]> {
    return queue.getJobs(['waiting', 'paused', 'prioritized', 'active', 'completed', 'failed', 'delayed', 'waiting-children'], 0, -1);
  }

  /** The ids of the jobs still to run. */
  async function queued(): Promise<string[]> {
    return (await queue.getJobs(['waiting', 'paused', 'prioritized', 'active', 'delayed', 'waiting-children'], 0, -1)).map((j) => j.id!).sort();
  }

  /** Returns once a whole reconciler pass ran after this call (its last step purges a day-old relayed marker row; see the events' backlog spec). */
  async function aWholePass(): Promise<void> {
    for (const marker of ['pass-1', 'pass-2']) {
      await h.db.query(`INSERT INTO outbox (topic, ref, relayed_at) VALUES ('test-marker', $1, now() - interval '25 hours')`, [marker]);
      await eventually(async () => (await h.db.query(`SELECT 1 FROM outbox WHERE topic = 'test-marker'`)).length === 0, 'a reconciler pass to purge the marker', 30_000, 100);
    }
  }

  it('adds no job for deliveries whose batch jobs are still queued past the grace', async () => {
    const [{ id: customerIds }] = await h.db.query(`SELECT array_agg(id::text ORDER BY id) AS id FROM customers WHERE external_id LIKE 'c%'`);
    const eventIds: string[] = [];
    for (const customerId of customerIds as string[]) eventIds.push(await h.event(customerId, 'signup', { plan: 'free' }, false));
    // Decided as the relay hands events over: in batches, each decide job enqueuing its deliveries' batches.
    for (let i = 0; i < eventIds.length; i += 50) await h.jobs.enqueue(DECIDE_EVENTS, { eventIds: eventIds.slice(i, i + 50) });
    await eventually(async () => {
      const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM outbox o JOIN deliveries v ON v.id::text = o.ref WHERE o.topic = 'dispatch-delivery' AND o.job_id IS NOT NULL`);
      return n === EVENTS;
    }, 'every delivery decided, its outbox row stamped with its batch job');
    deliveryIds = (await h.db.query(`SELECT id::text FROM deliveries WHERE status = 'pending' ORDER BY id`)).map((r: { id: string }) => r.id);
    expect(deliveryIds).toHaveLength(EVENTS);
    const before = await allJobs();
    expect(before.length).toBeGreaterThan(1);
    expect(before.every((j) => j.name === DISPATCH_DELIVERIES.name)).toBe(true);
    const byId = new Map(before.map((j) => [j.id, j]));
    for (const r of await h.db.query(`SELECT ref, job_id FROM outbox WHERE topic = 'dispatch-delivery'`)) expect(byId.get(r.job_id)?.data.deliveryIds).toContain(r.ref);

    // Past the grace, with passes run since: the deliveries are pending, and still no job was added.
    const [{ at }] = await h.db.query(`SELECT max(created_at) AS at FROM deliveries`);
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() + GRACE_SECONDS * 1000 + 500 - Date.now())));
    await aWholePass();
    const [{ n: pending }] = await h.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'`);
    expect(pending).toBe(EVENTS);
    const after = await allJobs();
    expect(after.map((j) => j.id).sort()).toEqual(before.map((j) => j.id).sort());
    expect(receiver.at('/hooks')).toHaveLength(0);
  });

  it('re-queues the deliveries of a batch gone from Redis, and each delivery reaches the receiver once', async () => {
    const [{ job_id: lostId }] = await h.db.query(`SELECT job_id FROM outbox WHERE topic = 'dispatch-delivery' AND ref = $1`, [deliveryIds[0]]);
    const lostBatch = (await queue.getJob(lostId))!;
    const lost = lostBatch.data.deliveryIds as string[];
    const batchesLeft = (await allJobs()).length - 1;
    await lostBatch.remove();

    await eventually(async () => (await allJobs()).filter((j) => j.name === DISPATCH_DELIVERY.name).length === lost.length, 'the lost batch\'s deliveries re-queued', 30_000, 100);
    await aWholePass();
    const jobs = await allJobs();
    // One DISPATCH_DELIVERY (first attempt) per lost delivery, nothing for those still in their batches, nothing twice.
    const singles = jobs.filter((j) => j.name === DISPATCH_DELIVERY.name);
    expect(singles.map((j) => j.data.deliveryId).sort()).toEqual([...lost].sort());
    expect(singles.every((j) => j.data.attempt === 1)).toBe(true);
    expect(jobs.filter((j) => j.name === DISPATCH_DELIVERIES.name)).toHaveLength(batchesLeft);

    await queue.resume();
    await eventually(async () => {
      const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`);
      return n === EVENTS;
    }, 'every delivery delivered', 60_000, 200);
    await aWholePass();
    const seen = receiver.at('/hooks');
    expect(seen.filter((r) => !r.verified)).toEqual([]);
    const webhookIds = (await h.db.query(`SELECT webhook_id FROM deliveries`)).map((r: { webhook_id: string }) => r.webhook_id);
    expect(seen.map((r) => r.webhookId).sort()).toEqual([...webhookIds].sort());
    const [{ attempts }] = await h.db.query(`SELECT sum(attempts)::int AS attempts FROM deliveries`);
    expect(attempts).toBe(EVENTS);
  });

  it("a retry's and a held release's own jobs: left alone while queued past the grace, re-queued once gone, each delivery sent once more", async () => {
    const [customer] = await h.db.query(`SELECT id::text FROM customers WHERE external_id = 'c0'`);
    // The next delivery's first attempt answers 500: it is left retrying, its attempt-2 job delayed by the backoff.
    await h.db.query(`UPDATE destinations SET url = $2 WHERE id = $1`, [DESTINATION_ID, receiver.url('/retry')]);
    receiver.on('/retry', [{ status: 500 }, { status: 200 }]);
    const event = await h.event(customer.id, 'signup', { plan: 'free' }, false);
    await h.jobs.enqueue(DECIDE_EVENTS, { eventIds: [event] });
    const retrying = await eventually(async () => (await h.db.query(`SELECT id::text, webhook_id FROM deliveries WHERE event_id = $1 AND status = 'retrying'`, [event]))[0], 'the first attempt failed');
    // Dispatch stops (a backlog): the retry job and a held delivery's release job wait past their time.
    await queue.pause();
    const [held] = await h.db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, destination_id, status, next_attempt_at, request, event_received_at)
       VALUES (0, 0, $1, 'welcome_mail', 'webhook', 'email', 'msg_held0000000000000000000000000000', $2, 'held', now() - interval '1 second', $3, now()) RETURNING id::text`,
      [customer.id, DESTINATION_ID, JSON.stringify({ destinationId: DESTINATION_ID, body: { held: true } })],
    );
    await h.jobs.enqueue(DISPATCH_DELIVERY, { deliveryId: held.id, attempt: 1 });
    const retryJob = `dispatch.${retrying.id}.2`;
    const heldJob = `dispatch.${held.id}.1`;
    expect(await queue.getJobState(retryJob)).not.toBe('unknown');
    const before = await queued();
    expect(before).toEqual([heldJob, retryJob].sort());
    const [{ at }] = await h.db.query(`SELECT next_attempt_at AS at FROM deliveries WHERE id = $1`, [retrying.id]);
    await new Promise((r) => setTimeout(r, Math.max(0, at.getTime() + GRACE_SECONDS * 1000 + 500 - Date.now())));
    await aWholePass();
    expect(await queued()).toEqual(before);

    // Redis loses both: the reconciler adds each again under its own id, once.
    await (await queue.getJob(retryJob))!.remove();
    await (await queue.getJob(heldJob))!.remove();
    await eventually(async () => (await queue.getJobState(retryJob)) !== 'unknown' && (await queue.getJobState(heldJob)) !== 'unknown', 'the lost jobs re-queued', 30_000, 100);
    await aWholePass();
    expect(await queued()).toEqual(before);
    await queue.resume();
    await eventually(async () => {
      const rows = await h.db.query(`SELECT status FROM deliveries WHERE id = ANY($1::bigint[])`, [[retrying.id, held.id]]);
      return rows.every((r: { status: string }) => r.status === 'delivered');
    }, 'both delivered', 60_000, 200);
    await aWholePass();
    expect(receiver.at('/retry').map((r) => r.webhookId).sort()).toEqual([retrying.webhook_id, retrying.webhook_id, 'msg_held0000000000000000000000000000'].sort());
    expect(receiver.at('/retry').every((r) => r.verified)).toBe(true);
  });
});
