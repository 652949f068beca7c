import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { DECIDE_EVENT, REFRESH_BEHAVIOUR, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet, parseCustomerRef } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, BehaviourStore, CustomerRepository, IMPORT_CONNECTION_ID, PERSONA_CHANGES, PersonaRepository, SegmentationStore, TouchpointEventStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { BehaviourService } from '../src/segmentation/behaviour.service';
import { IncrementalSegmentationService } from '../src/segmentation/incremental-segmentation.service';
import { WorkerModule } from '../src/worker.module';
import { DecideHarness } from './decide-harness';

jest.setTimeout(180_000);

const DAY = 86_400_000;

/**
 * Behaviour in rules, through a real worker: events arrive through the event store and the outbox
 * relay, the behavioural attribute is recomputed for their customer only, and that customer alone
 * moves persona; the calendar moves values at the scheduled daily refresh; strategy conditions
 * read the same values in decide.
 */
describe('behavioural attributes in rules', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let db: DataSource;
  const ids = new Map<string, string>();

  async function boot(env: Record<string, string>) {
    Object.assign(process.env, { SEGMENTATION_RECONCILE_MINUTES: '0', SEGMENTATION_REFRESH_CRON: '', WORKER_WATCHDOG_SECONDS: '1' }, env);
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    db = app.get(DataSource);
  }

  async function personaOf(customerId: string): Promise<string | null> {
    const [row] = await db.query(
      `SELECT p.key FROM assignments a JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' JOIN personas p ON p.id = a.persona_id WHERE a.customer_id = $1`,
      [customerId],
    );
    return row?.key ?? null;
  }

  /** Publishes `frustrated` (support_tickets_30d ≥ 3) and `vip` (country US) against the catalog as it is, and waits for the run. */
  async function publish(): Promise<void> {
    const personas = app.get(PersonaRepository);
    await personas.transaction(async (tx) => {
      const existing = new Set((await tx.list()).map((p) => p.key));
      if (!existing.has('frustrated')) {
        await tx.create({ key: 'frustrated', name: 'Frustrated', description: '', priority: 1, enabled: true, rule: { attribute: 'support_tickets_30d', operator: 'gte', value: 3 } }, null);
      }
      if (!existing.has('vip')) {
        await tx.create({ key: 'vip', name: 'VIP', description: '', priority: 2, enabled: true, rule: { attribute: 'country', operator: 'equals', value: 'US' } }, null);
      }
    });
    const draft = buildPersonaSet(await personas.draftWithVersionIds(), await app.get(AttributeRepository).loadCatalog());
    const { plan } = (await app.get(SegmentationStore).publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: 1000, now: new Date() }))!;
    await app.get(JobProducer).enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    await eventually(async () => (await app.get(SegmentationStore).getRun(plan.run.id))?.status === 'completed', 'the persona run', 60_000);
  }

  beforeAll(async () => {
    ctx = await createTestContext();
    await boot({});
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('support_ticket', 'Support ticket', 'service', 'phone', 7)`);
    await app.get(AttributeRepository).createBehaviour({ name: 'support_tickets_30d', behaviour: { kind: 'event_count', touchpoint: 'support_ticket', days: 30 } });
    await app.get(CustomerRepository).upsertBatch(
      IMPORT_CONNECTION_ID,
      ['c1', 'c2', 'c3', 'old'].map((externalId) => ({ externalId, attributes: { email: `${externalId}@x.io`, country: 'GB' } })),
    );
    for (const r of await db.query(`SELECT id::text, external_id FROM customers`)) ids.set(r.external_id, r.id);
    await publish();
  });
  afterAll(async () => {
    for (const k of ['SEGMENTATION_RECONCILE_MINUTES', 'SEGMENTATION_REFRESH_CRON', 'WORKER_WATCHDOG_SECONDS']) delete process.env[k];
    await app?.close();
    await ctx?.dispose();
  });

  it('moves a customer to "frustrated" after their third support ticket, re-evaluating only them', async () => {
    const c1 = ids.get('c1')!;
    expect(await personaOf(c1)).not.toBe('frustrated');
    const before: Array<{ customer_id: string; evaluated_at: Date }> = await db.query(`SELECT customer_id::text, evaluated_at FROM assignments ORDER BY customer_id`);

    const ingest = app.get(TouchpointEventStore);
    // c2 gets two tickets (not enough); c1 three, one of them 20 days ago (inside the 30 days).
    const sent = [
      { ref: 'c1', at: Date.now() - 20 * DAY },
      { ref: 'c1', at: Date.now() - DAY },
      { ref: 'c2', at: Date.now() - DAY },
      { ref: 'c2', at: Date.now() },
      { ref: 'c1', at: Date.now() },
    ];
    for (const [i, e] of sent.entries()) {
      await ingest.ingest('api', [{ index: 0, event: { touchpoint: 'support_ticket', customer: parseCustomerRef(`email:${e.ref}@x.io`), occurredAt: new Date(e.at), properties: {}, idempotencyKey: `t-${i}` } }], (j, n) => `events[${j}].${n}`);
    }
    // Generous: a recompute that meets a transient error under a loaded CI retries with exponential
    // backoff (1, 2, 4 … s); once in CI the chain took more than 60 s.
    await eventually(async () => (await personaOf(c1)) === 'frustrated', 'c1 to become frustrated', 150_000);
    const [history] = await db.query(`SELECT cause FROM persona_history WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`, [c1]);
    expect(history.cause).toBe('data_change');
    const values: Array<{ customer_id: string; values: Record<string, number> }> = await db.query(`SELECT customer_id::text, values FROM customer_behaviour ORDER BY customer_id`);
    expect(values).toEqual([
      { customer_id: c1, values: { support_tickets_30d: 3 } },
      { customer_id: ids.get('c2'), values: { support_tickets_30d: 2 } },
    ]);
    // Nobody else was re-evaluated: c3 and `old` keep the full run's assignment.
    const after: Array<{ customer_id: string; evaluated_at: Date }> = await db.query(`SELECT customer_id::text, evaluated_at FROM assignments ORDER BY customer_id`);
    const untouched = (id: string) => before.find((b) => b.customer_id === id)!.evaluated_at.getTime() === after.find((a) => a.customer_id === id)!.evaluated_at.getTime();
    expect(untouched(ids.get('c3')!)).toBe(true);
    expect(untouched(ids.get('old')!)).toBe(true);
    expect(await personaOf(ids.get('c2')!)).not.toBe('frustrated');
    // Every reader sees the value merged into the attributes; a customer without a row reads the count's default, 0.
    expect((await app.get(CustomerRepository).findById(c1))!.attributes).toMatchObject({ country: 'GB', support_tickets_30d: 3 });
    expect((await app.get(CustomerRepository).findById(ids.get('c3')!))!.attributes).toMatchObject({ support_tickets_30d: 0 });
  });

  it('survives a CRM-style replacement of the attributes document, without writing it back', async () => {
    const c1 = ids.get('c1')!;
    // An import/sync replaces customers.attributes wholesale; the behaviour lives in its own table.
    // Even one that carries a value under the behavioural name: the stored document keeps it, no reader sees it.
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c1', attributes: { email: 'c1@x.io', country: 'FR', support_tickets_30d: 0 } }]);
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c3', attributes: { email: 'c3@x.io', country: 'GB', support_tickets_30d: 7 } }]);
    expect((await app.get(CustomerRepository).findById(ids.get('c3')!))!.attributes).toMatchObject({ support_tickets_30d: 0 });
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c1', attributes: { email: 'c1@x.io', country: 'FR' } }]);
    const [{ attributes }] = await db.query(`SELECT attributes FROM customers WHERE id = $1`, [c1]);
    expect(attributes).toEqual({ email: 'c1@x.io', country: 'FR' });
    expect((await app.get(CustomerRepository).findById(c1))!.attributes).toMatchObject({ country: 'FR', support_tickets_30d: 3 });
    // Recomputing and re-evaluating writes nothing to customers.attributes (nothing for write-back or a sync to echo).
    await app.get(BehaviourService).refreshCustomers([c1]);
    await app.get(IncrementalSegmentationService).evaluate([c1], 'data_change');
    expect(await personaOf(c1)).toBe('frustrated');
    const [{ attributes: still }] = await db.query(`SELECT attributes FROM customers WHERE id = $1`, [c1]);
    expect(still).toEqual({ email: 'c1@x.io', country: 'FR' });
  });

  it('lets a strategy condition use a behavioural attribute in decide', async () => {
    const harness = new DecideHarness(app);
    await app.get(AttributeRepository).createBehaviour({ name: 'support_calls_7d', behaviour: { kind: 'event_count', touchpoint: 'support_call', days: 7 } });
    await harness.publishStrategy({}, [
      { personaKey: 'vip', touchpointKey: 'support_call', options: [{ treatmentKey: 'vip_script', condition: { attribute: 'support_calls_7d', operator: 'gte', value: 2 } }] },
    ]);
    const seeded = await harness.seedCustomers([
      { externalId: 'caller', attributes: { country: 'US' } },
      { externalId: 'quiet', attributes: { country: 'US' } },
    ]);
    await publish();
    const caller = seeded.get('caller')!;
    const quiet = seeded.get('quiet')!;
    // Two earlier calls, counted by the behaviour recompute (as the relay's job would), then a third call decided.
    await harness.event(caller, 'support_call', {}, false);
    await harness.event(caller, 'support_call', {}, false);
    await app.get(BehaviourService).refreshCustomers([caller, quiet]);
    const [called, once] = [await harness.event(caller, 'support_call', {}, false), await harness.event(quiet, 'support_call', {}, false)];
    await app.get(JobProducer).enqueueMany(DECIDE_EVENT, [{ eventId: called }, { eventId: once }]);
    expect((await harness.decisionOf(called)).treatment_key).toBe('vip_script');
    expect((await harness.decisionOf(once)).treatment_key).toBeNull();
  });

  it('follows the experience: a new attribute is backfilled by its job, then refreshed as feedback changes it', async () => {
    const c3 = ids.get('c3')!;
    // customer_experience is the experience processor's table; written directly here.
    await db.query(`INSERT INTO customer_experience (customer_id, score, feedback_count, last_csat, last_nps, last_feedback_at) VALUES ($1, 35.5, 2, 1, 3, now())`, [c3]);
    const repo = app.get(AttributeRepository);
    await repo.createBehaviour({ name: 'csat_last', behaviour: { kind: 'last_csat' } });
    await repo.createBehaviour({ name: 'xp', behaviour: { kind: 'experience_score' } });
    // What POST /v1/attributes/behaviour does after creating it: mark the candidates, queue the backfill.
    expect(await app.get(BehaviourStore).markCandidates({ kind: 'last_csat' }, null)).toBe(1);
    await app.get(JobProducer).enqueue(REFRESH_BEHAVIOUR, {});
    await eventually(async () => {
      const [row] = await db.query(`SELECT values FROM customer_behaviour WHERE customer_id = $1`, [c3]);
      return row?.values.csat_last === 1 ? row : null;
    }, 'the backfill job to compute c3', 30_000);
    expect((await app.get(CustomerRepository).findById(c3))!.attributes).toMatchObject({ csat_last: 1, xp: 35.5, support_tickets_30d: 0 });

    // New feedback: the experience processor updates its row, then refreshes the customer's behaviour.
    await db.query(`UPDATE customer_experience SET last_csat = 5, score = 71 WHERE customer_id = $1`, [c3]);
    expect(await app.get(BehaviourService).refreshCustomers([c3])).toMatchObject({ changed: 1 });
    expect((await app.get(CustomerRepository).findById(c3))!.attributes).toMatchObject({ csat_last: 5, xp: 71 });
    // Nothing changed: nothing re-evaluated.
    expect(await app.get(BehaviourService).refreshCustomers([c3])).toEqual({ changed: 0, evaluated: 0 });
  });

  it("serialises a customer's recomputes: one waits for the other's commit and reads what it wrote", async () => {
    const c3 = ids.get('c3')!;
    const other = new Client({ connectionString: ctx.databaseUrl });
    await other.connect();
    try {
      // Another recompute of c3 holds its lock while an event of c3 is not committed yet.
      await other.query('BEGIN');
      await other.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.behaviour'), ($1::bigint % 2147483647)::int)`, [c3]);
      await other.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', 'serial-1', 'support_ticket', $1, now())`, [c3]);
      let done = false;
      const refresh = app.get(BehaviourService).refreshCustomers([c3]).then((r) => ((done = true), r));
      await new Promise((r) => setTimeout(r, 500));
      expect(done).toBe(false);
      await other.query('COMMIT');
      expect(await refresh).toMatchObject({ changed: 1 });
      const [row] = await db.query(`SELECT values FROM customer_behaviour WHERE customer_id = $1`, [c3]);
      expect(row.values.support_tickets_30d).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('drops events that left the window at the daily refresh the scheduler runs', async () => {
    const old = ids.get('old')!;
    // Three tickets on the day 30 days ago: inside the 30 days two days ago, outside today.
    const startOfToday = Math.floor(Date.now() / DAY) * DAY;
    for (let i = 0; i < 3; i++) {
      await db.query(
        `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', $1, 'support_ticket', $2, $3)`,
        [`old-${i}`, old, new Date(startOfToday - 30 * DAY + 12 * 3_600_000 + i)],
      );
    }
    const twoDaysAgo = new Date(Date.now() - 2 * DAY);
    await app.get(BehaviourService).refreshCustomers([old], twoDaysAgo);
    expect(await personaOf(old)).toBe('frustrated');
    const [row] = await db.query(`SELECT values, next_change_at FROM customer_behaviour WHERE customer_id = $1`, [old]);
    expect(row.values).toEqual({ support_tickets_30d: 3, support_calls_7d: 0 });
    expect(new Date(row.next_change_at).getTime()).toBe(startOfToday);

    // A worker whose scheduler runs the refresh (every 2 s here; daily in production).
    await app.close();
    await boot({ SEGMENTATION_REFRESH_CRON: '*/2 * * * * *' });
    await eventually(async () => (await personaOf(old)) !== 'frustrated' && (await personaOf(old)) !== null, '"old" to leave frustrated at a refresh', 90_000);
    const [after] = await db.query(`SELECT values, next_change_at FROM customer_behaviour WHERE customer_id = $1`, [old]);
    expect(after).toEqual({ values: { support_tickets_30d: 0, support_calls_7d: 0 }, next_change_at: null });
    const [history] = await db.query(`SELECT cause FROM ${PERSONA_CHANGES} h WHERE customer_id = $1 ORDER BY id DESC LIMIT 1`, [old]);
    expect(history.cause).toBe('time_passed');
    // c1's tickets are recent: the refresh keeps them frustrated.
    expect(await personaOf(ids.get('c1')!)).toBe('frustrated');
  });

  it('catches up, at the scheduled reconcile, a customer whose events were stored without their recompute job', async () => {
    const c2 = ids.get('c2')!;
    expect(await personaOf(c2)).not.toBe('frustrated');
    // A third ticket whose behaviour job was lost (no outbox row, as if Redis lost the job).
    await db.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', 'lost-1', 'support_ticket', $1, now())`, [c2]);
    await app.close();
    await boot({ SEGMENTATION_RECONCILE_MINUTES: '1' }); // an `every` scheduler fires at once
    await eventually(async () => (await personaOf(c2)) === 'frustrated', 'the reconcile to catch c2 up', 60_000);
    const [row] = await db.query(`SELECT values FROM customer_behaviour WHERE customer_id = $1`, [c2]);
    expect(row.values.support_tickets_30d).toBe(3);
  });
});
