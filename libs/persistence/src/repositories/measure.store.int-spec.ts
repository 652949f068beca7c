import { DataSource } from 'typeorm';
import { AppConfig } from '@corridor/config';
import { parsePeriod, type DecisionReason } from '@corridor/domain';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { SecretBox } from '../secrets/secret-box';
import { DecisionStore, type DecisionWrite, type NewDelivery } from './decision.store';
import { DispatchStore } from './dispatch.store';
import { MeasureStore } from './measure.store';

jest.setTimeout(180_000);

const matched: DecisionReason = { code: 'OPTION_MATCHED', message: 'option 1' };
const today = () => new Date().toISOString().slice(0, 10);

/**
 * The counters against a full recount, after decisions, deliveries and outcomes changed at once
 * through every path: decide (with displacement), dispatch (delivered, dead, replayed), outcomes
 * before and after their decision, duplicate conversions at the same instant, and rollups folding
 * deltas all along.
 */
describe('MeasureStore: counters equal a recount under concurrent writers', () => {
  let ctx: TestContext;
  let db: DataSource;
  let decisions: DecisionStore;
  let dispatch: DispatchStore;
  let measures: MeasureStore;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource({ ...dataSourceOptions({ url: ctx.databaseUrl }), extra: { max: 24 } }).initialize();
    decisions = new DecisionStore(db);
    dispatch = new DispatchStore(db, new SecretBox(Object.assign(new AppConfig(), { SECRETS_KEY: '00'.repeat(32) })));
    measures = new MeasureStore(db);
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  async function event(customerId: string, touchpointKey: string): Promise<string> {
    const [{ id }] = await db.query(
      `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', $1, $2, $3, now()) RETURNING id::text`,
      [`e-${++seq}`, touchpointKey, customerId],
    );
    return id;
  }

  /** An outcome as h-in's API stores it: against the event, with its decision when there is one. */
  async function outcome(eventId: string, type: string, extra: { value?: number; csat?: number; nps?: number; effort?: number; key?: string } = {}): Promise<void> {
    await db.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, value, csat, nps, effort, occurred_at)
       SELECT 'api', $2, $3, e.customer_id, e.id, d.id, v.id, e.touchpoint_key, $4, $5, $6, $7, now()
         FROM touchpoint_events e LEFT JOIN decisions d ON d.event_id = e.id LEFT JOIN deliveries v ON v.decision_id = d.id
        WHERE e.id = $1
       ON CONFLICT (source, idempotency_key) DO NOTHING`,
      [eventId, extra.key ?? `o-${++seq}`, type, extra.value ?? null, extra.csat ?? null, extra.nps ?? null, extra.effort ?? null],
    );
  }

  const delivery = (status: 'pending' | 'held'): NewDelivery => ({
    treatmentKey: 'welcome',
    treatmentType: 'webhook',
    channel: 'email',
    momentOfTruth: false,
    webhookId: `msg_${++seq}_${Math.random().toString(36).slice(2)}`,
    destinationId: null,
    connectionId: null,
    status,
    nextAttemptAt: status === 'held' ? new Date(Date.now() + 3_600_000) : null,
    request: {},
  });

  async function decide(eventId: string, customerId: string, touchpointKey: string, write: (held: string[]) => DecisionWrite) {
    // As the decide job reads it (the decision copies its received_at, the partition key).
    const event = (await decisions.event(eventId))!;
    expect([event.customerId, event.touchpointKey]).toEqual([customerId, touchpointKey]);
    const [recorded] = await decisions.decideBatchUnderLocks([event], new Date(0), (_e, counted) => write(counted.filter((c) => c.bumpable).map((c) => c.id)));
    return recorded;
  }

  const write = (personaKey: string | null, outcome: DecisionWrite['decision']['outcome'], reasons: DecisionReason[], d: NewDelivery | null, displace: string[] = []): DecisionWrite => ({
    decision: { personaKey, personaSetVersion: 1, strategyVersion: 1, optionIndex: 0, treatmentKey: 'welcome', outcome, reasons },
    delivery: d,
    displace: displace.length ? { ids: displace, reason: { code: 'PRIORITY', message: 'a moment of truth took its place' } } : null,
  });

  async function finish(deliveryId: string, status: 'delivered' | 'dead' | 'retrying'): Promise<void> {
    await dispatch.withLocked(deliveryId, async (d) => ({
      update: { status, attempts: d.attempts + 1, nextAttemptAt: status === 'retrying' ? new Date() : null, lastStatusCode: status === 'delivered' ? 200 : 500, lastError: null },
      result: null,
    }));
  }

  /** One customer's journey, its steps racing each other where production lets them. */
  async function customer(i: number): Promise<void> {
    const customerId = String(1000 + i);
    const persona = i % 3 === 0 ? null : `p${i % 3}`;
    const tp = i % 2 === 0 ? 'signup' : 'renewal';
    const [e1, e2, e3, e4, e5, e6] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => event(customerId, tp)));
    // Outcomes racing their decision (decision_id null when they win), a conversion reported twice at once.
    await Promise.all([
      outcome(e1, 'converted', { value: 10 }),
      outcome(e3, 'converted', { value: 5 }),
      outcome(e6, 'feedback', { csat: 1 + (i % 5), nps: i % 11 }),
      (async () => {
        const treated = await decide(e1, customerId, tp, () => write(persona, 'treated', [matched], delivery('pending')));
        const held = await decide(e2, customerId, tp, () => write(persona, 'held', [matched, { code: 'QUIET_HOURS', message: 'quiet' }], delivery('held')));
        await Promise.all([
          decide(e3, customerId, tp, () => write(persona, 'held_out', [{ code: 'HOLDOUT', message: 'holdout' }], null)),
          decide(e4, customerId, tp, () => write(persona, 'suppressed', [matched, { code: i % 2 ? 'FREQUENCY_CAP' : 'CONSENT_REFUSED', message: 'stopped' }], null)),
          decide(e6, customerId, tp, () => write(persona, 'no_treatment', [{ code: 'NO_CELL', message: 'none' }], null)),
          treated.created && treated.deliveryId ? finish(treated.deliveryId, i % 4 === 1 ? 'dead' : 'delivered') : null,
          outcome(e2, 'converted', { value: 7 }),
          outcome(e1, 'converted', { value: 10, key: `dup-${i}` }),
          outcome(e1, 'converted', { value: 10, key: `dup-${i}` }),
        ]);
        // A moment of truth displaces the held delivery (its decision becomes suppressed: PRIORITY), racing a conversion of it.
        await Promise.all([
          decide(e5, customerId, tp, (heldIds) => write(persona, 'treated', [matched, { code: 'PRIORITY', message: 'mot' }], delivery('pending'), i % 2 ? heldIds : [])),
          outcome(e2, 'converted', { value: 3 }),
          outcome(e2, 'opened'),
          held.created ? outcome(e1, 'opened') : null,
        ]);
        if (treated.created && treated.deliveryId && i % 4 === 1) {
          await dispatch.replay(treated.deliveryId);
          await finish(treated.deliveryId, 'retrying');
          await finish(treated.deliveryId, 'delivered');
        }
      })(),
      outcome(e3, 'feedback', { csat: 5, effort: 2 }),
    ]);
  }

  it('matches the recount per cell and per day, with rollups folding all along', async () => {
    let rolling = true;
    const roller = (async () => {
      while (rolling) {
        await measures.rollup(50);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const CUSTOMERS = 60;
    const queue = Array.from({ length: CUSTOMERS }, (_, i) => i);
    await Promise.all(Array.from({ length: 12 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) await customer(i);
    }));
    rolling = false;
    await roller;

    // Every outcome found its decision, whichever came first.
    const [{ orphans }] = await db.query(`SELECT count(*)::int AS orphans FROM outcomes WHERE decision_id IS NULL`);
    expect(orphans).toBe(0);

    const period = parsePeriod(today(), today());
    const recount = await measures.recount(period);
    expect(await measures.cells(period)).toEqual(recount);
    expect(recount.reduce((n, c) => n + c.decisions, 0)).toBe(CUSTOMERS * 6);
    // The race paths were taken: displaced decisions, held-out and treated conversions, dead letters.
    const total = (k: 'treatedConverted' | 'holdoutConverted' | 'dead' | 'suppressed') => recount.reduce((n, c) => n + c[k], 0);
    expect(total('treatedConverted')).toBeGreaterThan(0);
    expect(total('holdoutConverted')).toBe(CUSTOMERS);
    expect(recount.some((c) => c.suppressedBy.PRIORITY > 0)).toBe(true);

    // Fully folded, the daily rows alone equal the recount by day.
    while ((await measures.rollup(1000)) > 0);
    expect(await measures.pendingDeltas()).toBe(0);
    const byDay = await measures.recount(period, { byDay: true });
    const daily = await db.query(
      `SELECT c.day::text, c.persona_key, c.touchpoint_key, c.decisions::int, c.treated_converted::int, c.outcome_converted::int,
              coalesce((SELECT jsonb_object_agg(reason, n) FROM measure_cell_reasons r WHERE (r.day, r.persona_key, r.touchpoint_key) = (c.day, c.persona_key, c.touchpoint_key) AND n <> 0), '{}') AS suppressed_by
         FROM measure_cells c ORDER BY c.persona_key, c.touchpoint_key`,
    );
    expect(daily.map((r: any) => ({ personaKey: r.persona_key || null, touchpointKey: r.touchpoint_key, day: r.day, decisions: r.decisions, treatedConverted: r.treated_converted, converted: r.outcome_converted, suppressedBy: r.suppressed_by })))
      .toEqual(byDay.map((c) => ({ personaKey: c.personaKey, touchpointKey: c.touchpointKey, day: c.day, decisions: c.decisions, treatedConverted: c.treatedConverted, converted: c.outcomes.converted, suppressedBy: c.suppressedBy })));
    expect(await measures.cells(period)).toEqual(recount);

    // The rebuild gives the same figures.
    await measures.rebuild();
    expect(await measures.cells(period)).toEqual(recount);
  });
});
