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
const BATCHES = 15;
const BATCH = 100;

/**
 * A worker process SIGKILLed while a burst of events is being decided and its webhooks sent, with
 * a second worker process running beside it (as production runs them; the second is started with
 * the first because booting one takes over a minute on a loaded machine, which would swamp the
 * bound). The events keep being acknowledged (the API needs only Postgres), and the survivor finishes
 * the work: what the dead one held comes back through the stalled-job check and the outbox
 * reconciler, and Postgres keeps each decision and delivery single. A webhook the dead process sent
 * but did not record is sent again under the same webhook id, which receivers deduplicate on.
 */
describe('a worker killed in the middle of a treatment burst', () => {
  let redis: OwnRedis;
  let api: ApiTestApp;
  let db: Pool;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const workers: ChildProcess[] = [];
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
    // A receiver that takes a moment per webhook: the kill lands while sends are in flight.
    receiver.on('/hooks', [{ status: 200, hangMs: 30 }]);
    api = await startApiTestApp({ env: { ...settings, REDIS_URL: redis.url } });
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 3 });
    // Both workers boot while the test sets up, through the API, a strategy that treats everyone.
    const env = { ...api.ctx.env, ...settings, REDIS_URL: redis.url };
    workers.push(spawnWorkerProcess(env), spawnWorkerProcess(env));
    await setUpTreatEveryone(api, receiver, secret, CUSTOMERS);
    const dispatchQueue = api.app.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    await eventually(async () => (await dispatchQueue.getWorkersCount()) >= 2, 'both worker processes', 240_000, 200);
    await untilEveryoneHasAPersona(db, CUSTOMERS);
  }, 360_000); // booting a worker (ts-node) takes minutes on a machine loaded ten times over

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await db?.end();
    await api?.close();
    await receiver?.close();
    await redis?.stop();
  }, 60_000);

  it('the other worker finishes it: each acknowledged event decided once, one delivery each, every webhook received', async () => {
    const dispatchQueue = api.app.get<Queue>(getQueueToken(QUEUE.treatmentDispatch));
    const [first, survivor] = workers;

    const eventIds: string[] = [];
    const statuses: number[] = [];
    let sent = 0;
    const ingest = (async () => {
      for (let b = 0; b < BATCHES; b++) {
        const res = await api.http.post('/v1/events').set(api.auth('integration')).send(burstBatch(`kill-${b}`, BATCH, CUSTOMERS));
        statuses.push(res.status);
        if (res.status === 202) eventIds.push(...res.body.results.filter((r: { status: string }) => r.status === 'accepted').map((r: { eventId: string }) => String(r.eventId)));
        sent = b + 1;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    // Mid-burst: webhooks are arriving and many deliveries are not made yet.
    await eventually(async () => receiver.at('/hooks').length >= 150, 'the first webhooks of the burst', 60_000, 20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAt = Date.now();
    const atKill = { batchesSent: sent, ...(await burstCounts(db, eventIds)) };
    await ingest;
    expect(statuses).toEqual(Array(BATCHES).fill(202));
    expect(eventIds).toHaveLength(BATCHES * BATCH);
    expect(atKill.delivered).toBeLessThan(BATCHES * BATCH); // the kill hit a burst in progress

    expect(survivor.exitCode).toBeNull();
    try {
      await untilAllDelivered(db, eventIds, 90_000);
    } catch (e) {
      console.log(JSON.stringify({ atKill, survivorExit: survivor.exitCode, counts: await dispatchQueue.getJobCounts() }));
      throw e;
    }
    const recoveredInMs = Date.now() - killedAt;
    // Let a stray second attempt (a late stalled job, a reconciler pass) arrive before counting.
    await new Promise((r) => setTimeout(r, 3000));
    await expectEachEventDeliveredOnce(db, receiver, eventIds);
    const repeats = receiver.at('/hooks').length - eventIds.length;
    // For the report: what the kill left behind, and how long the survivor took to finish.
    console.log(JSON.stringify({ test: 'treatment-burst-kill', atKill, recoveredInMs, repeatedWebhooks: repeats }));
  }, 180_000);
});
