import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { DECIDE_EVENTS, DISPATCH_DELIVERY, QUEUE } from '@corridor/contracts';
import { eventually, OwnRedis, startOwnRedis } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(180_000);

/**
 * Redis loses everything after events were acknowledged and relayed: Postgres holds the events,
 * so the worker's outbox reconciler re-queues a DECIDE_EVENT job for every one not decided yet
 * (and a DISPATCH_DELIVERY for deliveries past due). The API and the worker run as in production
 * on a Redis server of this test's own. The decide processor is another part's: the test asserts
 * on the queue (or on a decision, once a processor has made one).
 */
describe('events surviving a Redis flush', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let db: Client;
  let decide: Queue;
  let dispatch: Queue;

  beforeAll(async () => {
    redis = await startOwnRedis();
    api = await startApiTestApp({ env: { REDIS_URL: redis.url, OUTBOX_RECONCILE_SECONDS: '1', OUTBOX_RECONCILE_GRACE_SECONDS: '2' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    decide = worker.get<Queue>(getQueueToken(QUEUE.touchpointEvents));
    dispatch = worker.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    await api.http
      .post('/v1/customers/import')
      .set(api.auth('integration'))
      .set('Content-Type', 'application/x-ndjson')
      .send(Array.from({ length: 20 }, (_, i) => JSON.stringify({ id: `c-${i}`, attributes: { email: `c${i}@x.io` } })).join('\n'))
      .expect(200);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('checkout', 'Checkout', 'purchase', 'web', 2)`);
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await redis?.stop();
  }, 30_000);

  /** Events neither decided nor named by a job of the queue (the relay's DECIDE_EVENTS batches, the reconciler's DECIDE_EVENT). */
  async function missingJobs(eventIds: readonly string[]): Promise<string[]> {
    const { rows } = await db.query(`SELECT event_id::text AS id FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds]);
    const decided = new Set(rows.map((r) => r.id));
    const jobs = await decide.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized'], 0, -1);
    const named = new Set(jobs.flatMap((j) => (j.name === DECIDE_EVENTS.name ? (j.data.eventIds as string[]) : [j.data.eventId as string])));
    return eventIds.filter((id) => !decided.has(id) && !named.has(id));
  }

  it('brings back every acknowledged event\'s DECIDE_EVENT job, and due deliveries\' dispatch jobs', async () => {
    const ids: string[] = [];
    for (let b = 0; b < 3; b++) {
      const res = await api.http
        .post('/v1/events')
        .set(api.auth('integration'))
        .send({ events: Array.from({ length: 100 }, (_, i) => ({ touchpoint: 'checkout', customer: `c-${i % 20}`, idempotencyKey: `flush-${b}-${i}` })) })
        .expect(202);
      expect(res.body.accepted).toBe(100);
      ids.push(...res.body.results.map((r: { eventId: string }) => r.eventId));
    }
    // Relayed: from here only the reconciler can bring a lost job back.
    await eventually(async () => {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE relayed_at IS NULL`);
      return rows[0].n === 0;
    }, 'the relay to move every outbox row');
    expect(await missingJobs(ids)).toEqual([]);

    // Deliveries as the decide step leaves them: one pending long past due, one held whose release
    // passed, one held until tomorrow (not due), one delivered (done).
    const { rows: deliveries } = await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, attempts, next_attempt_at, created_at, event_received_at)
       VALUES (1, $1, 1, 't', 'webhook', 'email', 'w-due', 'pending', 0, NULL, now() - interval '1 minute', now()),
              (2, $1, 1, 't', 'webhook', 'email', 'w-held', 'held', 0, now() - interval '1 minute', now() - interval '1 hour', now()),
              (3, $1, 1, 't', 'webhook', 'email', 'w-later', 'held', 0, now() + interval '1 day', now() - interval '1 hour', now()),
              (4, $1, 1, 't', 'webhook', 'email', 'w-done', 'delivered', 1, NULL, now() - interval '1 hour', now()),
              (5, $1, 1, 't', 'webhook', 'email', 'w-retry', 'retrying', 2, now() - interval '1 minute', now() - interval '1 hour', now())
       RETURNING id::text AS id, webhook_id`,
      [ids[0]],
    );
    const byHook = Object.fromEntries(deliveries.map((d) => [d.webhook_id, d.id]));

    await redis.flush();

    await eventually(async () => ((await missingJobs(ids)).length === 0 ? true : null), 'every event\'s DECIDE_EVENT job to be re-queued', 60_000);
    await eventually(
      async () =>
        (await dispatch.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: byHook['w-due'], attempt: 1 })!)) &&
        (await dispatch.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: byHook['w-held'], attempt: 1 })!)) &&
        (await dispatch.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: byHook['w-retry'], attempt: 3 })!)),
      'due deliveries to be re-queued',
      60_000,
    );
    expect(await dispatch.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: byHook['w-later'], attempt: 1 })!)).toBeUndefined();
    expect(await dispatch.getJob(DISPATCH_DELIVERY.jobId({ deliveryId: byHook['w-done'], attempt: 1 })!)).toBeUndefined();
  });
});
