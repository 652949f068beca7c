import { Pool } from 'pg';
import type { ApiTestApp } from '../../api/test/api-test-app';
import type { startReceiver } from './dispatch-support';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/**
 * What the burst fault tests share, all through the HTTP API: `customers` imported customers, a
 * signed-webhook destination at the receiver's `/hooks`, a `checkout` touchpoint and a strategy that
 * treats everyone (the fallback persona's cell, no holdout, no consent rule, no cap), so every
 * acknowledged event must end as exactly one decision with exactly one delivered webhook.
 */
export async function setUpTreatEveryone(api: ApiTestApp, receiver: Receiver, secret: string, customers: number): Promise<void> {
  const admin = api.auth('admin');
  await api.http
    .post('/v1/customers/import')
    .set(api.auth('integration'))
    .set('Content-Type', 'application/x-ndjson')
    .send(Array.from({ length: customers }, (_, i) => JSON.stringify({ id: `c-${i}`, attributes: { email: `c${i}@shop.test` } })).join('\n'))
    .expect(200);
  const destination = await api.http.post('/v1/destinations').set(admin).send({ name: 'Burst hooks', url: receiver.url('/hooks'), secret, timeoutMs: 5000 }).expect(201);
  await api.http.post('/v1/touchpoints').set(admin).send({ key: 'checkout', name: 'Checkout', stageKey: 'purchase', channel: 'web', eventProperties: [{ name: 'order', type: 'string' }] }).expect(201);
  await api.http
    .post('/v1/treatments')
    .set(admin)
    .send({ key: 'receipt', name: 'Receipt', type: 'webhook', channel: 'email', config: { destinationId: destination.body.id, payloadTemplate: { to: '{{customer.email}}', order: '{{event.order}}' } } })
    .expect(201);
  await api.http
    .put('/v1/strategy/draft')
    .set(admin)
    .send({ cells: [{ personaKey: 'everyone_else', touchpointKey: 'checkout', options: [{ treatmentKey: 'receipt' }] }], policies: { holdoutPercent: 0, defaultTimeZone: 'UTC' } })
    .expect(200);
  await api.http.post('/v1/strategy/publish').set(admin).send({}).expect(201);
}

/** One batch of the burst: `size` checkout events for customers c-0.., keyed `<tag>-<i>`. */
export function burstBatch(tag: string, size: number, customers: number) {
  return { events: Array.from({ length: size }, (_, i) => ({ touchpoint: 'checkout', customer: `import:c-${i % customers}`, properties: { order: `${tag}-${i}` }, idempotencyKey: `${tag}-${i}` })) };
}

export interface BurstCounts {
  decisions: number;
  decidedEvents: number;
  deliveries: number;
  /** (event, treatment) pairs: equal to `deliveries` when no pair has two rows. */
  pairs: number;
  delivered: number;
  webhookIds: number;
}

/** What Postgres holds for these events: decisions, delivery rows and how many are delivered. */
export async function burstCounts(db: Pool, eventIds: readonly string[]): Promise<BurstCounts> {
  const { rows } = await db.query(
    `SELECT (SELECT count(*) FROM decisions WHERE event_id = ANY($1::bigint[]))::int AS decisions,
            (SELECT count(DISTINCT event_id) FROM decisions WHERE event_id = ANY($1::bigint[]))::int AS "decidedEvents",
            (SELECT count(*) FROM deliveries WHERE event_id = ANY($1::bigint[]))::int AS deliveries,
            (SELECT count(*) FROM (SELECT DISTINCT event_id, treatment_key FROM deliveries WHERE event_id = ANY($1::bigint[])) p)::int AS pairs,
            (SELECT count(*) FROM deliveries WHERE event_id = ANY($1::bigint[]) AND status = 'delivered')::int AS delivered,
            (SELECT count(DISTINCT webhook_id) FROM deliveries WHERE event_id = ANY($1::bigint[]))::int AS "webhookIds"`,
    [eventIds],
  );
  return rows[0];
}

/**
 * The exact end state: every event one decision, one delivery row, delivered; the receiver saw
 * every delivery's webhook id, every request verified, each webhook id carrying one order (a repeat
 * after a kill is the same message), and nothing it was not sent.
 */
export async function expectEachEventDeliveredOnce(db: Pool, receiver: Receiver, eventIds: readonly string[]): Promise<void> {
  const n = eventIds.length;
  expect(await burstCounts(db, eventIds)).toEqual({ decisions: n, decidedEvents: n, deliveries: n, pairs: n, delivered: n, webhookIds: n });
  const { rows } = await db.query(`SELECT webhook_id FROM deliveries WHERE event_id = ANY($1::bigint[])`, [eventIds]);
  const seen = receiver.at('/hooks');
  expect(seen.filter((r) => !r.verified)).toEqual([]);
  const ordersById = new Map<string, Set<string>>();
  for (const r of seen) {
    if (!ordersById.has(r.webhookId)) ordersById.set(r.webhookId, new Set());
    ordersById.get(r.webhookId)!.add(JSON.parse(r.body).order);
  }
  expect(new Set(ordersById.keys())).toEqual(new Set(rows.map((r) => r.webhook_id)));
  expect([...ordersById.values()].filter((orders) => orders.size !== 1)).toEqual([]);
  expect(new Set([...ordersById.values()].map((orders) => [...orders][0])).size).toBe(n);
}

/** Waits until every event is decided and every delivery row delivered; on timeout says what was left. */
export async function untilAllDelivered(db: Pool, eventIds: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = await burstCounts(db, eventIds);
    if (c.decidedEvents === eventIds.length && c.deliveries >= eventIds.length && c.delivered === c.deliveries) return;
    if (Date.now() > deadline) {
      const { rows } = await db.query(
        `SELECT status, attempts, count(*)::int AS n FROM deliveries WHERE event_id = ANY($1::bigint[]) GROUP BY status, attempts ORDER BY status, attempts`,
        [eventIds],
      );
      throw new Error(`after ${timeoutMs} ms of ${eventIds.length} events: ${JSON.stringify(c)}; deliveries by status: ${JSON.stringify(rows)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Waits until the worker has given each imported customer a live persona (the fallback one here):
 * an event for a customer not evaluated yet is decided NO_PERSONA, which is right but not this test.
 */
export async function untilEveryoneHasAPersona(db: Pool, customers: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM assignments a JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live'`,
    );
    if (rows[0].n >= customers) return;
    if (Date.now() > deadline) throw new Error(`after ${timeoutMs} ms only ${rows[0].n} of ${customers} customers have a live persona`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
