import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, CustomerRepository, ExperienceStore, IMPORT_CONNECTION_ID, PersonaRepository, SegmentationStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { ExperienceService } from '../src/outcomes/experience.service';
import { BehaviourService } from '../src/segmentation/behaviour.service';
import { IncrementalSegmentationService } from '../src/segmentation/incremental-segmentation.service';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(120_000);

/**
 * Races between a writer of facts and a reader that stamps what it has seen, forced into their bad
 * order with a second connection (a held lock, an open transaction), through the services' own code. Transaction start
 * times (now()) do not order commits: each test checks the reader's stamp is indeed later than the
 * writer's although the reader did not see the write, then that the result is right all the same.
 */
describe('commit-order races', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let db: DataSource;
  let other: Client;

  async function personaOf(customerId: string): Promise<string | null> {
    const [row] = await db.query(
      `SELECT p.key FROM assignments a JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' JOIN personas p ON p.id = a.persona_id WHERE a.customer_id = $1`,
      [customerId],
    );
    return row?.key ?? null;
  }

  /** Resolves once a backend of this database waits for a lock (the code under test reached the one held here). */
  const waitingForLock = () =>
    eventually(async () => {
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return n > 0;
    }, 'the code under test to wait for the held lock', 20_000);

  beforeAll(async () => {
    ctx = await createTestContext();
    // Nothing in the background evaluates or recomputes: only what each test calls runs.
    Object.assign(process.env, { SEGMENTATION_RECONCILE_MINUTES: '0', SEGMENTATION_REFRESH_CRON: '', OUTBOX_RECONCILE_SECONDS: '3600' });
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    db = app.get(DataSource);
    other = new Client({ connectionString: ctx.databaseUrl });
    await other.connect();

    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('support_ticket', 'Support ticket', 'service', 'phone', 7)`);
    await app.get(AttributeRepository).createBehaviour({ name: 'support_tickets_30d', behaviour: { kind: 'event_count', touchpoint: 'support_ticket', days: 30 } });
    const personas = app.get(PersonaRepository);
    await personas.transaction(async (tx) => {
      await tx.create({ key: 'vip', name: 'VIP', description: '', priority: 1, enabled: true, rule: { attribute: 'country', operator: 'equals', value: 'US' } }, null);
      await tx.create({ key: 'frustrated', name: 'Frustrated', description: '', priority: 2, enabled: true, rule: { attribute: 'support_tickets_30d', operator: 'gte', value: 3 } }, null);
      await tx.create({ key: 'calm', name: 'Calm', description: '', priority: 3, enabled: true, rule: { attribute: 'support_tickets_30d', operator: 'lt', value: 3 } }, null);
    });
  });
  afterAll(async () => {
    for (const k of ['SEGMENTATION_RECONCILE_MINUTES', 'SEGMENTATION_REFRESH_CRON', 'OUTBOX_RECONCILE_SECONDS']) delete process.env[k];
    await other?.end();
    await app?.close();
    await ctx?.dispose();
  });

  /** Customers by external id, assigned by a completed full run. */
  async function seedAndPublish(externalIds: readonly string[]): Promise<Map<string, string>> {
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, externalIds.map((externalId) => ({ externalId, attributes: { country: 'GB' } })));
    const ids = new Map<string, string>();
    for (const r of await db.query(`SELECT id::text, external_id FROM customers WHERE external_id = ANY($1)`, [externalIds])) ids.set(r.external_id, r.id);
    await publishAndWait();
    return ids;
  }

  /** Re-applies the personas as a new set and waits for its full run to go live. */
  async function publishAndWait(): Promise<void> {
    const draft = buildPersonaSet(await app.get(PersonaRepository).draftWithVersionIds(), await app.get(AttributeRepository).loadCatalog());
    const { plan } = (await app.get(SegmentationStore).publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: 1000, now: new Date() }))!;
    await app.get(JobProducer).enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    await eventually(async () => (await app.get(SegmentationStore).getRun(plan.run.id))?.status === 'completed', 'the persona run', 60_000);
  }

  it('behaviour recompute: an evaluation that began after the recompute but read the old values does not leave the customer on the old persona', async () => {
    const c = (await seedAndPublish(['race-behaviour'])).get('race-behaviour')!;
    expect(await personaOf(c)).toBe('calm');
    // Three tickets, stored and committed; their recompute is what follows.
    for (let i = 0; i < 3; i++) {
      await db.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', $1, 'support_ticket', $2, now())`, [`race-b-${i}`, c]);
    }

    // The recompute's transaction starts (its now() is fixed) and then waits for c's behaviour lock, held here.
    await other.query('BEGIN');
    await other.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.behaviour'), ($1::bigint % 2147483647)::int)`, [c]);
    const refresh = app.get(BehaviourService).refreshCustomers([c]);
    try {
      await waitingForLock();
      // Meanwhile an evaluation of c (another job of c's) starts later, reads the old values (0 tickets) and commits.
      await app.get(IncrementalSegmentationService).evaluate([c], 'data_change');
    } finally {
      await other.query('COMMIT');
    }
    expect(await refresh).toMatchObject({ changed: 1 });

    // The timestamps lie: the assignment looks newer than the change it never saw.
    const [stamps] = await db.query(
      `SELECT a.evaluated_at > b.changed_at AS looks_fresh FROM customer_behaviour b JOIN assignments a ON a.customer_id = b.customer_id
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE b.customer_id = $1`,
      [c],
    );
    expect(stamps.looks_fresh).toBe(true);
    expect(await personaOf(c)).toBe('frustrated');
  });

  it('feedback watchdog: a recompute that began after the feedback\'s transaction but read before its commit has not seen it', async () => {
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-feedback', attributes: {} }]);
    const [{ id: c }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'race-feedback'`);
    const store = app.get(ExperienceStore);
    // The feedback's transaction starts (its received_at is fixed) and stays open; its job will be lost.
    await other.query('BEGIN');
    const { rows } = await other.query(
      `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, touchpoint_key, csat, occurred_at)
       VALUES ('api', 'race-f-1', 'feedback', $1, 0, 'support_ticket', 1, now()) RETURNING id::text AS id`,
      [c],
    );
    const outcomeId: string = rows[0].id;
    try {
      // A recompute of the customer (another feedback's job, the daily refresh) starts later, reads without it, commits.
      await app.get(ExperienceService).recompute(c);
    } finally {
      await other.query('COMMIT');
    }
    const [stamps] = await db.query(
      `SELECT ce.updated_at >= o.received_at AS looks_seen, ce.feedback_count FROM customer_experience ce JOIN outcomes o ON o.customer_id = ce.customer_id WHERE o.id = $1`,
      [outcomeId],
    );
    expect(stamps).toEqual({ looks_seen: true, feedback_count: 0 });
    expect(await store.unreactedFeedback(0, 24, 1000)).toContain(outcomeId);

    // A recompute that read it: no longer reported.
    await app.get(ExperienceService).recompute(c);
    expect(await store.unreactedFeedback(0, 24, 1000)).not.toContain(outcomeId);
  });

  it('behaviour safety net: a recompute that began after an event\'s transaction but read before its commit has not counted it', async () => {
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-events', attributes: {} }]);
    const [{ id: c }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'race-events'`);
    const insertEvent = (q: Queryable, key: string) =>
      q.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', $1, 'support_ticket', $2, now())`, [key, c]);
    await insertEvent(db, 'race-e-1');
    await insertEvent(db, 'race-e-2');
    await app.get(BehaviourService).refreshCustomers([c]);
    await app.get(IncrementalSegmentationService).evaluate([c], 'data_change');
    expect(await personaOf(c)).toBe('calm');

    // The third ticket's transaction starts (its received_at is fixed) and stays open; its recompute job will be lost.
    await other.query('BEGIN');
    await insertEvent(other, 'race-e-3');
    try {
      // A recompute of c (another event's job) starts later, reads two tickets, commits.
      await app.get(BehaviourService).refreshCustomers([c]);
    } finally {
      await other.query('COMMIT');
    }
    const [stamps] = await db.query(
      `SELECT b.computed_at > e.received_at AS looks_counted, b.values FROM customer_behaviour b JOIN touchpoint_events e ON e.customer_id = b.customer_id
        WHERE e.idempotency_key = 'race-e-3'`,
    );
    expect(stamps).toEqual({ looks_counted: true, values: { support_tickets_30d: 2 } });

    // The scheduled catch-up finds c behind its events, recomputes and re-evaluates it.
    expect(await app.get(BehaviourService).catchUp()).toBeGreaterThanOrEqual(1);
    expect(await personaOf(c)).toBe('frustrated');
    expect(await app.get(BehaviourService).catchUp()).toBe(0);
  });

  it("reconciler: an evaluation that began after a sync's write but read before its commit does not hide the change", async () => {
    const c = (await seedAndPublish(['race-data'])).get('race-data')!;
    expect(await personaOf(c)).toBe('calm');
    // The customer's row is locked here: the sync's upsert starts (its now() is fixed), then waits for it.
    await other.query('BEGIN');
    await other.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [c]);
    const upsert = app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-data', attributes: { country: 'US' } }]);
    try {
      await waitingForLock();
      // Meanwhile an evaluation of c (a webhook's, another page's) starts later, reads GB and commits.
      await app.get(IncrementalSegmentationService).evaluate([c], 'data_change');
    } finally {
      await other.query('COMMIT');
    }
    expect((await upsert).updated).toBe(1);
    // The upsert's evaluation job is lost (none is queued here); the timestamps say the assignment is newer.
    const [stamps] = await db.query(
      `SELECT a.evaluated_at > c.data_changed_at AS looks_fresh FROM customers c JOIN assignments a ON a.customer_id = c.id
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE c.id = $1`,
      [c],
    );
    expect(stamps.looks_fresh).toBe(true);
    expect(await personaOf(c)).toBe('calm');

    // The scheduled reconcile finds it stale and queues it; the worker re-evaluates it.
    expect((await app.get(IncrementalSegmentationService).reconcile()).queued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await personaOf(c)) === 'vip', 'the reconciled evaluation', 30_000);
    // Nobody looks stale once evaluated after the change (no false positives).
    expect(await app.get(SegmentationStore).staleCustomers(1000)).toEqual([]);
  });

  it('reconciler: an evaluation that began after a behaviour recompute but read before its commit does not hide the change', async () => {
    await app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-due', attributes: {} }]);
    const [{ id: c }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'race-due'`);
    for (let i = 0; i < 3; i++) {
      await db.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ('api', $1, 'support_ticket', $2, now())`, [`race-d-${i}`, c]);
    }
    await app.get(IncrementalSegmentationService).evaluate([c], 'data_change');
    expect(await personaOf(c)).toBe('calm');
    // Due for a recompute (as a new attribute's backfill marks it); the daily refresh recomputes without
    // evaluating, leaving that to its full run, which here never comes (skipped, or its job lost).
    await db.query(`INSERT INTO customer_behaviour (customer_id, next_change_at, changed_at) VALUES ($1, now(), '-infinity')`, [c]);

    await other.query('BEGIN');
    await other.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.behaviour'), ($1::bigint % 2147483647)::int)`, [c]);
    const refresh = app.get(BehaviourService).refreshDue(new Date(), { evaluate: false });
    try {
      await waitingForLock();
      await app.get(IncrementalSegmentationService).evaluate([c], 'data_change');
    } finally {
      await other.query('COMMIT');
    }
    expect((await refresh).changed).toContain(c);
    expect(await personaOf(c)).toBe('calm');

    expect((await app.get(IncrementalSegmentationService).reconcile()).queued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await personaOf(c)) === 'frustrated', 'the reconciled evaluation', 30_000);
    expect(await app.get(SegmentationStore).staleCustomers(1000)).toEqual([]);
  });

  it("reconciler: a full run's chunk that read before a change committed does not count as fresh up to the go-live", async () => {
    const c = (await seedAndPublish(['race-run'])).get('race-run')!;
    expect(await personaOf(c)).toBe('calm');
    await other.query('BEGIN');
    await other.query(`SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, [c]);
    const upsert = app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-run', attributes: { country: 'US' } }]);
    try {
      await waitingForLock();
      // A full run reads c (GB) and goes live, after the change's transaction began.
      await publishAndWait();
    } finally {
      await other.query('COMMIT');
    }
    expect((await upsert).updated).toBe(1);
    const [stamps] = await db.query(
      `SELECT s.live_at > c.data_changed_at AS looks_fresh FROM customers c JOIN assignments a ON a.customer_id = c.id
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE c.id = $1`,
      [c],
    );
    expect(stamps.looks_fresh).toBe(true);
    expect(await personaOf(c)).toBe('calm');

    expect((await app.get(IncrementalSegmentationService).reconcile()).queued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await personaOf(c)) === 'vip', 'the reconciled evaluation', 30_000);
    expect(await app.get(SegmentationStore).staleCustomers(1000)).toEqual([]);
  });
});

interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}
