import { DataSource } from 'typeorm';
import { randomBytes, randomUUID } from 'node:crypto';
import { addMonths, mintWebhookId, monthOf, monthStart, OutcomeInput, OutcomeType } from '@corridor/domain';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { IMPORT_CONNECTION_ID } from '../import-connection';
import { webhookIdBounds } from './event-arrival';
import { OutcomeStore } from './outcome.store';
import { TreatmentFatigueStore } from './treatment-fatigue.store';

const CUSTOMERS = 2000;

/** The outcome store against real Postgres: races between identical batches, lock order under concurrent streaks, batch throughput. */
describe('OutcomeStore', () => {
  let ctx: TestContext;
  let db: DataSource;
  let store: OutcomeStore;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
    store = new OutcomeStore(db, new TreatmentFatigueStore(db));
    // One event, decision and delivered webhook per customer (webhook id wh-<n>), as decide and dispatch leave them.
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('renewal', 'Renewal', 'loyalty', 'email', 1)`);
    await db.query(`INSERT INTO customers (connection_id, external_id, content_hash) SELECT $2, 'c' || g, 'h' FROM generate_series(1, $1) g`, [CUSTOMERS, IMPORT_CONNECTION_ID]);
    await db.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) SELECT 'api', 'e-' || id, 'renewal', id, now() FROM customers`);
    await db.query(`INSERT INTO decisions (event_id, touchpoint_key, customer_id, treatment_key, outcome, event_received_at) SELECT id, 'renewal', customer_id, 'promo', 'treated', received_at FROM touchpoint_events`);
    await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, delivered_at, event_received_at)
       SELECT d.id, d.event_id, d.customer_id, 'promo', 'webhook', 'email', 'wh-' || row_number() OVER (ORDER BY d.id), 'delivered', now(), d.event_received_at FROM decisions d`,
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  const outcome = (n: number, type: OutcomeType, key: string): OutcomeInput => ({
    ref: { kind: 'delivery', webhookId: `wh-${n}` },
    type,
    value: type === 'converted' ? 10 : null,
    csat: type === 'feedback' ? 4 : null,
    nps: null,
    effort: null,
    comment: null,
    occurredAt: new Date(),
    idempotencyKey: key,
  });
  const field = (i: number, name: string) => `outcomes[${i}].${name}`;

  it('two requests racing with the same batch store each outcome once, and feedback one outbox row each', async () => {
    const run = ++seq;
    const items = Array.from({ length: 200 }, (_, i) => ({ index: i, outcome: outcome(i + 1, i % 4 === 0 ? 'feedback' : 'opened', `race-${run}-${i}`) }));
    const outboxBefore = (await db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'feedback-recorded'`))[0].n;
    const [a, b] = await Promise.all([store.ingest('api', items, field), store.ingest('api', items, field)]);
    const accepted = [...a, ...b].filter((r) => r.status === 'accepted').length;
    expect(accepted).toBe(200);
    expect([...a, ...b].filter((r) => r.status === 'duplicate')).toHaveLength(200);
    for (let i = 0; i < 200; i++) expect((a[i] as { outcomeId: string }).outcomeId).toBe((b[i] as { outcomeId: string }).outcomeId);
    expect((await db.query(`SELECT count(*)::int AS n FROM outcomes WHERE idempotency_key LIKE $1`, [`race-${run}-%`]))[0].n).toBe(200);
    expect((await db.query(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'feedback-recorded'`))[0].n).toBe(outboxBefore + 50);
  });

  it('concurrent batches moving the same streaks neither deadlock nor lose a step', async () => {
    const run = ++seq;
    const customers = Array.from({ length: 50 }, (_, i) => 1001 + i);
    // Four batches at once, each one ignored outcome per customer, in different orders.
    const batches = [0, 1, 2, 3].map((b) => {
      const order = b % 2 ? [...customers].reverse() : customers;
      return order.map((n, i) => ({ index: i, outcome: outcome(n, 'ignored', `streak-${run}-${b}-${n}`) }));
    });
    await Promise.all(batches.map((items) => store.ingest('api', items, field)));
    const rows: Array<{ streak: number; paused: boolean }> = await db.query(
      `SELECT f.ignored_streak AS streak, f.paused_until IS NOT NULL AS paused FROM treatment_fatigue f
         JOIN deliveries d ON d.customer_id = f.customer_id AND d.treatment_key = f.treatment_key WHERE d.webhook_id = ANY($1)`,
      [customers.map((n) => `wh-${n}`)],
    );
    expect(rows).toHaveLength(50);
    // Four ignored with the default limit of 3: paused at the third, a new streak of one after it.
    for (const r of rows) expect(r).toEqual({ streak: 1, paused: true });
  });

  it('finds a delivery by a webhook id carrying its event arrival at a month boundary, and by any other id in any month', async () => {
    // The boundary between next month and the one after (both partitions exist): the last and the first microsecond.
    const boundary = monthStart(addMonths(monthOf(new Date()), 2));
    const lastOfMonth = `${new Date(boundary.getTime() - 1).toISOString().slice(0, 23)}999Z`;
    const firstOfNext = `${boundary.toISOString().slice(0, 23)}001Z`;
    const minted = async (n: number, receivedAt: string, webhookId?: (exact: string) => string) => {
      const [e] = await db.query(
        `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at) VALUES ('api', $1, 'renewal', $2, $3, $3)
         RETURNING id, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS exact`,
        [`edge-${n}-${randomUUID()}`, n, receivedAt],
      );
      // What the decide step does: the event's received_at read as exact text, the webhook id minted from it.
      const id = webhookId ? webhookId(e.exact) : mintWebhookId(new Date(e.exact).getTime(), randomBytes(10));
      await db.query(
        `WITH d AS (INSERT INTO decisions (event_id, touchpoint_key, customer_id, treatment_key, outcome, event_received_at)
                    SELECT id, 'renewal', customer_id, 'promo', 'treated', received_at FROM touchpoint_events WHERE id = $1 AND received_at = $2 RETURNING *)
         INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, delivered_at, event_received_at)
         SELECT d.id, d.event_id, d.customer_id, 'promo', 'webhook', 'email', $3, 'delivered', now(), d.event_received_at FROM d`,
        [e.id, e.exact, id],
      );
      const [v] = await db.query(`SELECT tableoid::regclass::text AS part FROM deliveries WHERE webhook_id = $1`, [id]);
      return { webhookId: id, eventId: String(e.id), part: v.part as string };
    };
    const cases = [
      await minted(11, lastOfMonth),
      await minted(12, firstOfNext),
      await minted(13, boundary.toISOString()),
      // Minted before ids carried the arrival.
      await minted(14, lastOfMonth, () => `msg_${randomUUID().replace(/-/g, '')}`),
      // Shaped like a new id but naming another month (not one we minted): still found, in every month.
      await minted(15, firstOfNext, () => mintWebhookId(boundary.getTime() - 40 * 86_400_000, randomBytes(10))),
    ];
    expect(cases.map((c) => c.part)).toEqual([
      `deliveries_p${monthOf(new Date(boundary.getTime() - 1)).replace('-', '_')}`,
      ...Array(2).fill(`deliveries_p${monthOf(boundary).replace('-', '_')}`),
      `deliveries_p${monthOf(new Date(boundary.getTime() - 1)).replace('-', '_')}`,
      `deliveries_p${monthOf(boundary).replace('-', '_')}`,
    ]);
    // The months a minted id names hold its event's exact arrival (microseconds), on either side of the boundary.
    for (const c of cases.slice(0, 3)) {
      const [from, to] = webhookIdBounds(c.webhookId)!;
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE webhook_id = $1 AND event_received_at >= $2 AND event_received_at < $3`, [c.webhookId, from, to]);
      expect([c.webhookId, n]).toEqual([c.webhookId, 1]);
    }
    expect(webhookIdBounds(cases[3].webhookId)).toBeNull();
    const run = ++seq;
    const results = await store.ingest(
      'api',
      cases.map((c, i) => ({ index: i, outcome: { ...outcome(0, 'opened', `edge-${run}-${i}`), ref: { kind: 'delivery' as const, webhookId: c.webhookId } } })),
      field,
    );
    expect(results.map((r) => r.status)).toEqual(cases.map(() => 'accepted'));
    const stored: Array<{ event_id: string }> = await db.query(
      `SELECT event_id::text FROM outcomes WHERE idempotency_key = ANY($1::text[]) ORDER BY idempotency_key`,
      [cases.map((_, i) => `edge-${run}-${i}`)],
    );
    expect(stored.map((r) => r.event_id)).toEqual(cases.map((c) => c.eventId));
  });

  it('stores batches of 1,000 at a rate worth reporting', async () => {
    const run = ++seq;
    const types: OutcomeType[] = ['delivered', 'opened', 'clicked', 'ignored', 'feedback', 'converted'];
    const batches = Array.from({ length: 10 }, (_, b) =>
      Array.from({ length: 1000 }, (_, i) => ({ index: i, outcome: outcome(((b * 1000 + i) % CUSTOMERS) + 1, types[i % types.length], `tp-${run}-${b}-${i}`) })),
    );
    const t0 = performance.now();
    for (const items of batches) {
      const results = await store.ingest('api', items, field);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
    }
    const perSecond = Math.round(10_000 / ((performance.now() - t0) / 1000));
    // The figure for the report; the bound only catches a statement gone row-by-row on a busy machine.
    console.log(JSON.stringify({ outcomes_per_s: perSecond, batch: 1000, batches: 10 }));
    expect(perSecond).toBeGreaterThan(1000);
  });
});
