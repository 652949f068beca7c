import { ChildProcess } from 'node:child_process';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { Pool } from 'pg';
import { QUEUE } from '@corridor/contracts';
import { eventually, OwnRedis, spawnWorkerProcess, startOwnRedis, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { newWebhookSecret, startReceiver } from './dispatch-support';
import { burstBatch, burstCounts, expectEachEventDeliveredOnce, setUpTreatEveryone, untilAllDelivered, untilEveryoneHasAPersona } from './treatment-burst';

const CUSTOMERS = 200;
const BATCHES = 24;
const BATCH = 50;
/** How long Redis stays down, events still coming in. */
const OUTAGE_MS = 5000;
/** Longer than any bound the API keeps on a dependency: a hung request fails the test. */
const HANG_MS = 20_000;

/**
 * Redis stopped and started again empty (no persistence) in the middle of an event burst, with the
 * API and a worker process running. Event ingest needs only Postgres, so every batch is acknowledged
 * through the outage; whatever Redis held (relayed decide and dispatch jobs) is gone, and the outbox
 * (rows not relayed yet) and the worker's reconciler (events without a decision, deliveries past due)
 * bring it back: every acknowledged event decided and delivered exactly once. Meanwhile no route
 * answers 500 or hangs: reads keep working and a route that needs Redis says 503 QUEUE_UNAVAILABLE.
 */
describe('Redis restarted empty in the middle of an event burst', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  let db: Pool;
  let worker: ChildProcess;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  const settings = {
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
    // Production's reconciler runs every 10 s for work older than 30 s; shortened so the test is short.
    OUTBOX_RECONCILE_SECONDS: '2',
    OUTBOX_RECONCILE_GRACE_SECONDS: '5',
  };

  beforeAll(async () => {
    redis = await startOwnRedis();
    receiver = await startReceiver(secret);
    receiver.on('/hooks', [{ status: 200, hangMs: 10 }]);
    api = await startApiTestApp({ env: { ...settings, REDIS_URL: redis.url } });
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 3 });
    // The worker boots (slow on a loaded machine) while the test sets up through the API.
    worker = spawnWorkerProcess({ ...api.ctx.env, ...settings, REDIS_URL: redis.url });
    await setUpTreatEveryone(api, receiver, secret, CUSTOMERS);
    const dispatchQueue = api.app.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    await eventually(async () => (await dispatchQueue.getWorkersCount()) >= 1, 'the worker process', 240_000, 200);
    await untilEveryoneHasAPersona(db, CUSTOMERS);
  }, 360_000); // booting a worker (ts-node) takes minutes on a machine loaded ten times over

  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await db?.end();
    await api?.close();
    await receiver?.close();
    await redis?.stop();
  }, 60_000);

  it('acknowledges every batch through the outage, then decides and delivers each event exactly once', async () => {
    const { body: connection } = await api.http
      .post('/v1/connections')
      .set(api.auth('admin'))
      .send({ kind: 'hubspot', name: 'hs', accessToken: 'pat-0123456789', basePath: 'http://127.0.0.1:9', settings: { syncIntervalSeconds: 600 } })
      .expect(201);

    const eventIds: string[] = [];
    const answers: Array<{ route: string; status: number; code?: string; during: boolean }> = [];
    let down = false;
    let sent = 0;
    const record = (route: string, res: { status: number; body: { code?: string } }) => answers.push({ route, status: res.status, code: res.body?.code, during: down });
    const ingest = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        const [events, read, schedule] = await Promise.all([
          api.http.post('/v1/events').set(api.auth('integration')).send(burstBatch(`restart-${b}`, BATCH, CUSTOMERS)).timeout(HANG_MS),
          api.http.get(`/v1/customers/${encodeURIComponent(`import:c-${b}`)}`).set(api.auth('agent')).timeout(HANG_MS),
          // A route that needs Redis (it re-schedules the connection's sync).
          api.http.patch(`/v1/connections/${connection.id}`).set(api.auth('admin')).send({ settings: { syncIntervalSeconds: 600 + b } }).timeout(HANG_MS),
        ]);
        record('POST /v1/events', events);
        record('GET /v1/customers/:ref', read);
        record('PATCH /v1/connections/:id', schedule);
        if (events.status === 202) eventIds.push(...events.body.results.filter((r: { status: string }) => r.status === 'accepted').map((r: { eventId: string }) => String(r.eventId)));
        sent = b + 1;
        await new Promise((r) => setTimeout(r, 300));
      }
    })();

    // Mid-burst: batches acknowledged and some webhooks out, most of the burst still to come.
    await eventually(async () => sent >= 4 && receiver.at('/hooks').length >= 50, 'the burst to be under way', 60_000, 20);
    const before = { batchesSent: sent, ...(await burstCounts(db, eventIds)) };
    down = true;
    await redis.stop();
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    await redis.start();
    down = false;
    const restartedAt = Date.now();
    await ingest;
    expect(before.batchesSent).toBeLessThan(BATCHES);
    expect(answers.filter((a) => a.during).length).toBeGreaterThan(0); // requests were made while Redis was away

    // No 500s and no hangs: events and reads always answered; the Redis route only 503 QUEUE_UNAVAILABLE.
    expect(answers.filter((a) => a.route !== 'PATCH /v1/connections/:id' && a.status !== (a.route === 'POST /v1/events' ? 202 : 200))).toEqual([]);
    expect(answers.filter((a) => a.route === 'PATCH /v1/connections/:id' && a.status !== 200 && !(a.status === 503 && a.code === 'QUEUE_UNAVAILABLE'))).toEqual([]);
    expect(eventIds).toHaveLength(BATCHES * BATCH);

    await untilAllDelivered(db, eventIds, 90_000);
    const recoveredInMs = Date.now() - restartedAt;
    await new Promise((r) => setTimeout(r, 3000));
    await expectEachEventDeliveredOnce(db, receiver, eventIds);
    expect(worker.exitCode).toBeNull(); // the worker rode the outage out
    console.log(
      JSON.stringify({
        test: 'events-redis-restart',
        beforeOutage: before,
        answeredDuringOutage: answers.filter((a) => a.during).map((a) => `${a.route} ${a.status}`),
        recoveredInMs,
        repeatedWebhooks: receiver.at('/hooks').length - eventIds.length,
      }),
    );
  }, 180_000);
});
