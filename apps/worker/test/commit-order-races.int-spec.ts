import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { AttributeRepository, BehaviourStore, CustomerRepository, ExperienceStore, IMPORT_CONNECTION_ID, PersonaRepository, SegmentationStore } from '@corridor/persistence';
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
 * writer's although the reader did not see the write, then that the result is right all the same:
 * at once, or once the safety net finds the stale row on the worker's own schedule (a worker booted
 * with that net's period short), not by calling the net.
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

  /** Nothing in the background evaluates, recomputes or re-queues: a race's bad result stays until a test boots a safety net. */
  const QUIET = { SEGMENTATION_RECONCILE_MINUTES: '0', SEGMENTATION_REFRESH_CRON: '', OUTBOX_RECONCILE_SECONDS: '3600', OUTBOX_RECONCILE_GRACE_SECONDS: '30' };
  /** The scheduled reconcile (assignments older than their data, then behaviour behind its events): an `every` scheduler fires at once. */
  const RECONCILE = { SEGMENTATION_RECONCILE_MINUTES: '1' };
  /** The outbox reconciler's timer every second, for what is a second old (here: feedback its experience row has not seen). */
  const OUTBOX_RECONCILER = { OUTBOX_RECONCILE_SECONDS: '1', OUTBOX_RECONCILE_GRACE_SECONDS: '1' };
  let netsOn = false;

  /** (Re)starts the worker, quiet but for the settings given. */
  async function boot(env: Record<string, string> = {}): Promise<void> {
    await app?.close();
    Object.assign(process.env, QUIET, env);
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    db = app.get(DataSource);
    netsOn = Object.keys(env).length > 0;
  }

  /** Resolves once a backend of this database waits for a lock (the code under test reached the one held here). */
  const waitingForLock = () =>
    eventually(async () => {
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return n > 0;
    }, 'the code under test to wait for the held lock', 20_000);

  /**
   * Forces the bad order: a lock held on the second connection stops the writer once its transaction
   * has begun (its now() is fixed); the reader starts later, reads what is committed, and commits;
   * then the lock goes and the writer commits. Returns the writer's result.
   */
  async function raceUnderHeldLock<T>(lock: HeldLock, write: () => Promise<T>, reader: () => Promise<unknown>): Promise<T> {
    await other.query('BEGIN');
    await other.query(lock.sql, lock.params);
    const written = write();
    try {
      await waitingForLock();
      await reader();
    } finally {
      await other.query('COMMIT');
    }
    return written;
  }

  beforeAll(async () => {
    ctx = await createTestContext();
    await boot();
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
    for (const k of Object.keys(QUIET)) delete process.env[k];
    await other?.end();
    await app?.close();
    await ctx?.dispose();
  });
  // The next test's race must not meet a safety net.
  afterEach(async () => {
    if (netsOn) await boot();
  });

  async function experienceOf(customerId: string): Promise<{ feedback_count: number } | undefined> {
    const [row] = await db.query(`SELECT feedback_count FROM customer_experience WHERE customer_id = $1`, [customerId]);
    return row;
  }

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

    // The recompute's transaction starts (its now() is fixed) and then waits for c's behaviour lock, held here;
    // meanwhile an evaluation of c (another job of c's) starts later, reads the old values (0 tickets) and commits.
    const refresh = await raceUnderHeldLock(
      behaviourLock(c),
      () => app.get(BehaviourService).refreshCustomers([c]),
      () => app.get(IncrementalSegmentationService).evaluate([c], 'data_change'),
    );
    expect(refresh).toMatchObject({ changed: 1 });

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

    // The outbox reconciler's timer finds the feedback unseen and re-queues its job; the worker reacts to it.
    await boot(OUTBOX_RECONCILER);
    await eventually(async () => (await experienceOf(c))?.feedback_count === 1, 'the reconciled feedback', 30_000);
    // Seen now: no longer reported.
    expect(await app.get(ExperienceStore).unreactedFeedback(0, 24, 1000)).not.toContain(outcomeId);
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

    // The scheduled reconcile's catch-up finds c behind its events, recomputes and re-evaluates it.
    await boot(RECONCILE);
    await eventually(async () => (await personaOf(c)) === 'frustrated', 'the caught-up evaluation', 30_000);
    // Counted now: no longer behind.
    expect(await app.get(BehaviourStore).behindEvents(['support_ticket'], new Date(Date.now() - 86_400_000), 1000)).not.toContain(c);
  });

  it("reconciler: an evaluation that began after a sync's write but read before its commit does not hide the change", async () => {
    const c = (await seedAndPublish(['race-data'])).get('race-data')!;
    expect(await personaOf(c)).toBe('calm');
    // The customer's row is locked here: the sync's upsert starts (its now() is fixed), then waits for it;
    // meanwhile an evaluation of c (a webhook's, another page's) starts later, reads GB and commits.
    const upsert = await raceUnderHeldLock(
      rowLock(c),
      () => app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-data', attributes: { country: 'US' } }]),
      () => app.get(IncrementalSegmentationService).evaluate([c], 'data_change'),
    );
    expect(upsert.updated).toBe(1);
    // The upsert's evaluation job is lost (none is queued here); the timestamps say the assignment is newer.
    const [stamps] = await db.query(
      `SELECT a.evaluated_at > c.data_changed_at AS looks_fresh FROM customers c JOIN assignments a ON a.customer_id = c.id
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE c.id = $1`,
      [c],
    );
    expect(stamps.looks_fresh).toBe(true);
    expect(await personaOf(c)).toBe('calm');

    // The scheduled reconcile finds it stale and queues it; the worker re-evaluates it.
    await boot(RECONCILE);
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

    const refresh = await raceUnderHeldLock(
      behaviourLock(c),
      () => app.get(BehaviourService).refreshDue(new Date(), { evaluate: false }),
      () => app.get(IncrementalSegmentationService).evaluate([c], 'data_change'),
    );
    expect(refresh.changed).toContain(c);
    expect(await personaOf(c)).toBe('calm');

    await boot(RECONCILE);
    await eventually(async () => (await personaOf(c)) === 'frustrated', 'the reconciled evaluation', 30_000);
    expect(await app.get(SegmentationStore).staleCustomers(1000)).toEqual([]);
  });

  it("reconciler: a full run's chunk that read before a change committed does not count as fresh up to the go-live", async () => {
    const c = (await seedAndPublish(['race-run'])).get('race-run')!;
    expect(await personaOf(c)).toBe('calm');
    // A full run reads c (GB) and goes live, after the change's transaction began.
    const upsert = await raceUnderHeldLock(
      rowLock(c),
      () => app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'race-run', attributes: { country: 'US' } }]),
      publishAndWait,
    );
    expect(upsert.updated).toBe(1);
    const [stamps] = await db.query(
      `SELECT s.live_at > c.data_changed_at AS looks_fresh FROM customers c JOIN assignments a ON a.customer_id = c.id
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE c.id = $1`,
      [c],
    );
    expect(stamps.looks_fresh).toBe(true);
    expect(await personaOf(c)).toBe('calm');

    await boot(RECONCILE);
    await eventually(async () => (await personaOf(c)) === 'vip', 'the reconciled evaluation', 30_000);
    expect(await app.get(SegmentationStore).staleCustomers(1000)).toEqual([]);
  });
});

interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

interface HeldLock {
  sql: string;
  params: unknown[];
}

/** The lock a behaviour recompute of the customer takes first. */
const behaviourLock = (customerId: string): HeldLock => ({
  sql: `SELECT pg_advisory_xact_lock(hashtext('corridor.behaviour'), ($1::bigint % 2147483647)::int)`,
  params: [customerId],
});

/** The customer's row, which an upsert of it waits for. */
const rowLock = (customerId: string): HeldLock => ({ sql: `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, params: [customerId] });
