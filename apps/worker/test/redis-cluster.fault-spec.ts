import { ChildProcess } from 'node:child_process';
import { Pool } from 'pg';
import { Cluster } from 'ioredis';
import { ALL_QUEUES } from '@corridor/contracts';
import { isHeldOut } from '@corridor/domain';
import { createRedisClient } from '@corridor/jobs';
import { eventually, OwnRedisCluster, spawnWorkerProcess, startOwnRedisCluster, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { newWebhookSecret, startReceiver } from './dispatch-support';

jest.setTimeout(600_000);

const CONTACTS = 500;

/**
 * Corridor on a three-master Redis Cluster of the test's own (REDIS_URL=redis+cluster://...): the
 * API in-process and two worker processes run a HubSpot sync from the sandbox (through the CRM
 * rate budget's Lua script), a full re-segmentation (a BullMQ flow of chunk jobs), and a burst of
 * events to decisions to webhook deliveries (through the destination budget). Every count is
 * exact; then the keys show that each queue sits in one hash slot and different queues in different
 * slots, spread over the masters. A fault test: it starts three servers and two workers.
 */
describe('Corridor on a Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let api: ApiTestApp;
  let db: Pool;
  let redis: Cluster;
  let workers: ChildProcess[] = [];
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  const admin = () => api.auth('admin');

  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    receiver = await startReceiver(secret);
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: CONTACTS, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    const settings = { REDIS_URL: cluster.url, DESTINATION_ALLOWED_HOSTS: '127.0.0.1', DISPATCH_CONCURRENCY: '4', SEGMENTATION_CHUNK_SIZE: '100' };
    api = await startApiTestApp({ env: settings });
    workers = [spawnWorkerProcess({ ...api.ctx.env, ...settings }), spawnWorkerProcess({ ...api.ctx.env, ...settings })];
    db = new Pool({ connectionString: api.ctx.databaseUrl, max: 2 });
    redis = createRedisClient(cluster.url, { maxRetriesPerRequest: 3 }) as Cluster;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await db?.end();
    await api?.close();
    redis?.disconnect();
    await sandbox?.close();
    await receiver?.close();
    await cluster?.stop();
  }, 60_000);

  const count = async (sql: string, params: unknown[] = []) => (await db.query(sql, params)).rows[0].n as number;

  it('syncs every CRM contact once, through the rate budget on the cluster', async () => {
    const created = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({
        kind: 'hubspot',
        name: 'HubSpot on a cluster',
        accessToken: 'sandbox-hubspot-token',
        basePath: sandbox.url,
        // Limits on: every request takes a slot from the budget's Lua script (two keys, one slot).
        settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 100, searchPerSecond: 5 } },
      })
      .expect(201);
    const start = await api.http.post(`/v1/connections/${created.body.id}/sync`).set(admin()).send({ mode: 'full' }).expect(202);
    const run = await eventually(
      async () => {
        const r = (await api.http.get(`/v1/sync-runs/${start.body.id}`).set(admin())).body;
        if (r.status === 'failed') throw new Error(`sync failed: ${r.error}`);
        return r.status === 'completed' ? r : null;
      },
      'the full sync',
      180_000,
    );
    expect(run).toMatchObject({ status: 'completed', mode: 'full', created: CONTACTS, records: CONTACTS });
    expect(await count(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1 AND deleted_at IS NULL`, [created.body.id])).toBe(CONTACTS);
  });

  // Imported customers for the treatment burst: US/GB ones are "buyers", one in five opted out.
  const customers = Array.from({ length: 60 }, (_, i) => ({
    id: `cust-${i}`,
    attributes: { email: `c${i}@shop.test`, first_name: `Name${i}`, country: i % 4 === 3 ? 'FR' : i % 2 ? 'GB' : 'US', email_opt_out: i % 5 === 0 },
  }));

  it('re-segments everyone: a flow of chunk jobs, one assignment per customer', async () => {
    await api.http
      .post('/v1/customers/import')
      .set(api.auth('integration'))
      .set('Content-Type', 'application/x-ndjson')
      .send(customers.map((c) => JSON.stringify(c)).join('\n'))
      .expect(200);
    await api.http.post('/v1/personas').set(admin()).send({ key: 'buyers', name: 'Buyers', description: 'US and GB', rule: { attribute: 'country', operator: 'in', value: ['US', 'GB'] } }).expect(201);
    const started = await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 });
    expect([200, 202]).toContain(started.status);
    await eventually(
      async () => {
        const r = (await api.http.get(`/v1/segmentation/runs/${started.body.run.id}`).set(admin())).body;
        if (r.status === 'failed') throw new Error(`segmentation run failed: ${JSON.stringify(r)}`);
        return r.status === 'completed' ? r : null;
      },
      'the re-segmentation run',
      240_000,
    );
    const total = CONTACTS + customers.length;
    expect(await count(`SELECT count(*)::int AS n FROM customers WHERE deleted_at IS NULL`)).toBe(total);
    const live = `JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' JOIN customers c ON c.id = a.customer_id AND c.deleted_at IS NULL`;
    expect(await count(`SELECT count(*)::int AS n FROM assignments a ${live}`)).toBe(total);
    const buyers = await count(`SELECT count(*)::int AS n FROM customers WHERE deleted_at IS NULL AND attributes->>'country' IN ('US', 'GB')`);
    expect(buyers).toBeGreaterThanOrEqual(45);
    expect(await count(`SELECT count(*)::int AS n FROM assignments a ${live} JOIN personas p ON p.id = a.persona_id WHERE p.key = 'buyers'`)).toBe(buyers);
  });

  it('decides a burst of events once each and delivers one signed webhook per treated customer', async () => {
    const destination = await api.http
      .post('/v1/destinations')
      .set(admin())
      .send({ name: 'Shop hooks', url: receiver.url('/hooks'), secret, timeoutMs: 5000, rateLimitPerSecond: 20 })
      .expect(201);
    await api.http
      .post('/v1/touchpoints')
      .set(admin())
      .send({ key: 'checkout', name: 'Checkout', stageKey: 'purchase', channel: 'web', major: true, momentOfTruth: true, eventProperties: [{ name: 'amount', type: 'number' }] })
      .expect(201);
    await api.http
      .post('/v1/treatments')
      .set(admin())
      .send({ key: 'thank_you', name: 'Thank-you mail', type: 'webhook', channel: 'email', config: { destinationId: destination.body.id, payloadTemplate: { to: '{{customer.email}}' } } })
      .expect(201);
    const draft = await api.http
      .put('/v1/strategy/draft')
      .set(admin())
      .send({
        cells: [{ personaKey: 'buyers', touchpointKey: 'checkout', options: [{ treatmentKey: 'thank_you' }] }],
        policies: { consent: [{ channel: 'email', attribute: 'email_opt_out' }], holdoutPercent: 20, defaultTimeZone: 'UTC' },
      })
      .expect(200);
    const salt = draft.body.policies.holdoutSalt as string;
    await api.http.post('/v1/strategy/publish').set(admin()).send({}).expect(201);

    const treated: string[] = [];
    for (const c of customers) {
      const view = await api.http.get(`/v1/customers/${encodeURIComponent(`import:${c.id}`)}`).set(api.auth('agent')).expect(200);
      if (c.attributes.country !== 'FR' && !c.attributes.email_opt_out && !isHeldOut(20, salt, String(view.body.customer.id))) treated.push(c.attributes.email);
    }
    expect(treated.length).toBeGreaterThan(0);

    const events = customers.map((c, i) => ({ touchpoint: 'checkout', customer: `import:${c.id}`, properties: { amount: 10 + i }, idempotencyKey: `order-${i}` }));
    const res = await api.http.post('/v1/events').set(api.auth('integration')).send({ events }).expect(202);
    expect(res.body).toMatchObject({ accepted: customers.length, duplicate: 0, rejected: 0 });
    const eventIds = res.body.results.map((r: { eventId: string }) => String(r.eventId));

    await eventually(
      async () => (await count(`SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds])) === customers.length,
      'a decision for every event',
      180_000,
    );
    await eventually(async () => receiver.at('/hooks').length >= treated.length, 'the webhooks', 180_000);
    // Let any stray second delivery arrive before counting.
    await new Promise((r) => setTimeout(r, 2000));
    expect(await count(`SELECT count(DISTINCT event_id)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds])).toBe(customers.length);
    expect(await count(`SELECT count(*)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[])`, [eventIds])).toBe(customers.length);
    const seen = receiver.at('/hooks');
    expect(seen.every((r) => r.verified)).toBe(true);
    expect(seen.map((r) => JSON.parse(r.body).to).sort()).toEqual([...treated].sort());
    expect(await count(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'delivered'`)).toBe(treated.length);
  });

  it('keeps each queue in one hash slot, different queues in different slots, spread over the masters', async () => {
    const prefix = api.ctx.redisPrefix;
    const slotOf = async (key: string) => Number(await redis.call('CLUSTER', 'KEYSLOT', key));
    const byQueue = new Map<string, Set<number>>();
    const budgetSlots = new Map<string, Set<number>>();
    const nodesWithKeys = new Set<string>();
    for (const node of redis.nodes('master')) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        for (const key of keys) {
          nodesWithKeys.add(`${node.options.host}:${node.options.port}`);
          const queue = new RegExp(`^${prefix}\\{([^}]+)\\}:`).exec(key);
          const budget = /:(?:crm|destination)-budget:\{([^}]+)\}:/.exec(key);
          const group = queue ? byQueue : budget ? budgetSlots : null;
          expect([key, group !== null]).toEqual([key, true]); // every key of ours carries a hash tag
          const name = (queue ?? budget)![1];
          if (!group!.has(name)) group!.set(name, new Set());
          group!.get(name)!.add(await slotOf(key));
        }
      } while (cursor !== '0');
    }
    // The queues this run used, each in exactly one slot.
    expect([...byQueue.keys()].every((q) => (ALL_QUEUES as readonly string[]).includes(q))).toBe(true);
    expect(byQueue.size).toBeGreaterThanOrEqual(4);
    for (const [queue, slots] of byQueue) expect([queue, slots.size]).toEqual([queue, 1]);
    for (const [budget, slots] of budgetSlots) expect([budget, slots.size]).toEqual([budget, 1]);
    const distinct = new Set([...byQueue.values()].map((s) => [...s][0]));
    expect(distinct.size).toBe(byQueue.size);
    expect(nodesWithKeys.size).toBeGreaterThanOrEqual(2);
  });
});
