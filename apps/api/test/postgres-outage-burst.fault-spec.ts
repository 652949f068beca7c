import { ChildProcess } from 'node:child_process';
import { Pool } from 'pg';
import { createMigratedDatabase, eventually, OwnPostgres, spawnWorkerProcess, startOwnPostgres, stopProcess } from '@corridor/testing';
import { newWebhookSecret, startReceiver } from '../../worker/test/dispatch-support';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { importCustomers } from './seed';

jest.setTimeout(240_000);

const CUSTOMERS = 50;
const OUTAGE_MS = 20_000;
/** Every answer, during the outage too, comes within this: a 503 quickly, never a hang. */
const MAX_LATENCY_MS = 6_000;
/** The client gives up here; an answer this late counts as a hang (and fails the latency bound). */
const HANG_MS = 30_000;

interface Call {
  kind: 'event' | 'strategy' | 'deliveries';
  keys: string[];
  startedAt: number;
  endedAt: number;
  status: number;
  code?: string;
  results?: Array<{ status: string }>;
}

/**
 * Postgres stopped for 20 s during an event burst while reads go on. The API and one worker
 * process run against a Postgres cluster of this test's own (the shared one is never touched),
 * with a local webhook receiver as the treatment's destination. Every request gets an answer within
 * a bound: its normal one, or 503 DATABASE_UNAVAILABLE while Postgres is away (never a 500 or a
 * hang). Every event acknowledged with 202 is decided and delivered exactly once once Postgres is
 * back; events refused during the outage were not stored; ingest and the worker recover by
 * themselves, with nothing restarted.
 */
describe('Postgres away for 20 s during an event burst, reads going on', () => {
  let pg: OwnPostgres;
  let api: ApiTestApp;
  let worker: ChildProcess;
  let db: Pool;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  const secret = newWebhookSecret();
  const settings = {
    DESTINATION_ALLOWED_HOSTS: '127.0.0.1',
    DISPATCH_BACKOFF_BASE_MS: '200',
    DISPATCH_BACKOFF_MAX_MS: '2000',
    OUTBOX_RECONCILE_SECONDS: '2',
    OUTBOX_RECONCILE_GRACE_SECONDS: '3',
  };
  const admin = () => api.auth('admin');

  beforeAll(async () => {
    pg = await startOwnPostgres();
    const url = await createMigratedDatabase(pg);
    receiver = await startReceiver(secret);
    const env = { DATABASE_URL: url, ...settings };
    api = await startApiTestApp({ env });
    worker = spawnWorkerProcess({ ...api.ctx.env, ...env });
    db = new Pool({ connectionString: url, max: 2 });
    db.on('error', () => undefined); // its idle clients die with the server

    const destination = await api.http.post('/v1/destinations').set(admin()).send({ name: 'hooks', url: receiver.url('/hooks'), secret, timeoutMs: 5000 }).expect(201);
    await api.http
      .post('/v1/touchpoints')
      .set(admin())
      .send({ key: 'checkout', name: 'Checkout', stageKey: 'purchase', channel: 'web', eventProperties: [{ name: 'ref', type: 'string' }] })
      .expect(201);
    await api.http
      .post('/v1/treatments')
      .set(admin())
      .send({ key: 'hook', name: 'Hook', type: 'webhook', channel: 'email', config: { destinationId: destination.body.id, payloadTemplate: { ref: '{{event.ref}}' } } })
      .expect(201);
    await importCustomers(api, Array.from({ length: CUSTOMERS }, (_, i) => ({ id: `c-${i}`, attributes: { email: `c${i}@outage.test` } })));
    // The worker places every imported customer in the live set (the fallback persona).
    await eventually(async () => (await db.query(`SELECT count(*)::int AS n FROM assignments`)).rows[0].n === CUSTOMERS, 'every customer to have a persona', 120_000, 250);
    await api.http
      .put('/v1/strategy/draft')
      .set(admin())
      .send({ cells: [{ personaKey: 'everyone_else', touchpointKey: 'checkout', options: [{ treatmentKey: 'hook' }] }], policies: { holdoutPercent: 0, defaultTimeZone: 'UTC' } })
      .expect(200);
    await api.http.post('/v1/strategy/publish').set(admin()).send({}).expect(201);
  }, 200_000);

  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await db?.end().catch(() => undefined);
    await api?.close();
    await receiver?.close();
    await pg?.dispose();
  }, 60_000);

  it('answers 503 within bounds while Postgres is away, loses and duplicates nothing acknowledged, and recovers by itself', async () => {
    const calls: Call[] = [];
    let seq = 0;
    let stopping = false;
    const timed = async (kind: Call['kind'], keys: string[], send: () => Promise<{ status: number; body: { code?: string; results?: Array<{ status: string }> } }>) => {
      const startedAt = Date.now();
      let status = 0;
      let body: { code?: string; results?: Array<{ status: string }> } = {};
      try {
        ({ status, body } = await send());
      } catch {
        status = -1; // no answer within HANG_MS, or the connection failed
      }
      calls.push({ kind, keys, startedAt, endedAt: Date.now(), status, code: body?.code, results: body?.results });
    };
    // Batches (written on their own) and single events (which share group commits): both paths.
    const sendEvents = async (perRequest: 'batch' | 'single') => {
      while (!stopping) {
        const keys = Array.from({ length: perRequest === 'batch' ? 4 : 1 }, () => `e-${seq++}`);
        const events = keys.map((k, i) => ({ touchpoint: 'checkout', customer: `import:c-${(seq + i) % CUSTOMERS}`, properties: { ref: k }, idempotencyKey: k }));
        await timed('event', keys, () =>
          api.http
            .post('/v1/events')
            .set(api.auth('integration'))
            .send(perRequest === 'batch' ? { events } : events[0])
            .timeout(HANG_MS),
        );
        await new Promise((r) => setTimeout(r, perRequest === 'batch' ? 100 : 25));
      }
    };
    const read = async () => {
      let n = 0;
      while (!stopping) {
        n++;
        if (n % 2) await timed('strategy', [], () => api.http.get(`/v1/customers/import:c-${n % CUSTOMERS}/strategy`).set(api.auth('agent')).timeout(HANG_MS));
        else await timed('deliveries', [], () => api.http.get('/v1/deliveries?status=delivered&limit=20').set(admin()).timeout(HANG_MS));
        await new Promise((r) => setTimeout(r, 150));
      }
    };
    const clients = [sendEvents('batch'), sendEvents('single'), sendEvents('single'), read(), read()];

    await new Promise((r) => setTimeout(r, 4000));
    const stopAsked = Date.now();
    await pg.stop();
    const down = Date.now();
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (down - stopAsked)));
    const startAsked = Date.now();
    await pg.start();
    const up = Date.now();
    // Ingest comes back without a restart: an event batch started after Postgres is up is accepted.
    await eventually(async () => calls.some((c) => c.kind === 'event' && c.startedAt > up && c.status === 202), 'ingest to accept events again', 60_000, 200);
    await new Promise((r) => setTimeout(r, 3000));
    stopping = true;
    await Promise.all(clients);

    // Every answer is the normal one or a 503 in the error shape, within the bound.
    const statuses = calls.map((c) => `${c.kind} ${c.status}${c.code ? ` ${c.code}` : ''}`);
    for (const s of new Set(statuses)) expect(['event 202', 'strategy 200', 'deliveries 200', 'event 503 DATABASE_UNAVAILABLE', 'strategy 503 DATABASE_UNAVAILABLE', 'deliveries 503 DATABASE_UNAVAILABLE']).toContain(s);
    const slowest = Math.max(...calls.map((c) => c.endedAt - c.startedAt));
    expect(slowest).toBeLessThan(MAX_LATENCY_MS);
    // Requests made entirely while Postgres was away were all refused, of every kind.
    const duringOutage = calls.filter((c) => c.startedAt >= down && c.endedAt <= startAsked);
    for (const kind of ['event', 'strategy', 'deliveries'] as const) expect(duringOutage.filter((c) => c.kind === kind).length).toBeGreaterThan(3);
    expect(duringOutage.every((c) => c.status === 503)).toBe(true);

    const acked = calls.filter((c) => c.kind === 'event' && c.status === 202).flatMap((c) => c.keys.filter((_, i) => c.results![i].status === 'accepted'));
    const refusedInOutage = duringOutage.filter((c) => c.kind === 'event').flatMap((c) => c.keys);
    // Refused around the moment Postgres went away: the client cannot know whether they were stored,
    // so it sends them again (same idempotency keys), as a client retrying a 503 does.
    const straddling = calls.filter((c) => c.kind === 'event' && c.status === 503 && !duringOutage.includes(c)).flatMap((c) => c.keys);
    const resent = await api.http
      .post('/v1/events')
      .set(api.auth('integration'))
      .send({ events: straddling.map((k) => ({ touchpoint: 'checkout', customer: 'import:c-0', properties: { ref: k }, idempotencyKey: k })) });
    if (straddling.length) expect(resent.status).toBe(202);
    const expected = [...acked, ...straddling];
    expect(acked.length).toBeGreaterThan(20);

    const stored = async (keys: string[]) =>
      (await db.query(`SELECT idempotency_key AS k FROM touchpoint_events WHERE idempotency_key = ANY($1::text[])`, [keys])).rows.map((r) => r.k as string);
    expect(await stored(refusedInOutage)).toEqual([]);
    expect((await stored(expected)).sort()).toEqual([...expected].sort());

    // The worker recovers by itself: every stored event decided once, every delivery delivered.
    const { rows: ids } = await db.query(`SELECT id::text FROM touchpoint_events WHERE idempotency_key = ANY($1::text[])`, [expected]);
    const eventIds = ids.map((r) => r.id as string);
    await eventually(
      async () => (await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE event_id = ANY($1::bigint[]) AND status = 'delivered'`, [eventIds])).rows[0].n === expected.length,
      'every acknowledged event delivered',
      90_000,
      250,
    );
    await new Promise((r) => setTimeout(r, 2000)); // a stray second send would land by now
    const { rows: decided } = await db.query(`SELECT event_id::text AS id, count(*)::int AS n FROM decisions WHERE event_id = ANY($1::bigint[]) GROUP BY event_id`, [eventIds]);
    expect(decided).toHaveLength(expected.length);
    expect(decided.every((d) => d.n === 1)).toBe(true);
    const { rows: deliveries } = await db.query(`SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS events FROM deliveries WHERE event_id = ANY($1::bigint[])`, [eventIds]);
    expect(deliveries[0]).toEqual({ n: expected.length, events: expected.length });

    // At the receiver: one webhook id per event (what receivers deduplicate on), each carrying its event.
    const seen = receiver.at('/hooks');
    expect(seen.every((r) => r.verified)).toBe(true);
    const refsByHook = new Map<string, Set<string>>();
    for (const r of seen) refsByHook.set(r.webhookId, (refsByHook.get(r.webhookId) ?? new Set()).add(JSON.parse(r.body).ref));
    expect(refsByHook.size).toBe(expected.length);
    expect([...refsByHook.values()].every((refs) => refs.size === 1)).toBe(true);
    expect([...refsByHook.values()].map((refs) => [...refs][0]).sort()).toEqual([...expected].sort());
    // A send whose outcome could not be recorded while Postgres was away is repeated under the same
    // id; only those: every repeated webhook was first sent before Postgres came back.
    const repeats = seen.length - refsByHook.size;
    const firstAt = new Map<string, number>();
    for (const r of seen) if (!firstAt.has(r.webhookId)) firstAt.set(r.webhookId, r.at);
    const repeated = [...new Set(seen.filter((r) => r.at > firstAt.get(r.webhookId)!).map((r) => r.webhookId))];
    expect(repeated.filter((id) => firstAt.get(id)! > up)).toEqual([]);
    process.stdout.write(
      `${JSON.stringify({ calls: calls.length, refusedDuringOutage: duringOutage.length, acked: acked.length, straddling: straddling.length, slowestMs: slowest, webhookRepeats: repeats, stopMs: down - stopAsked, startMs: up - startAsked })}\n`,
    );
  });
});
