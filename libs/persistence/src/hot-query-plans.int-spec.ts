import { DataSource, Logger, QueryRunner } from 'typeorm';
import { loadConfig } from '@corridor/config';
import { webhookIdArrival } from '@corridor/domain';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from './data-source-options';
import { IMPORT_CONNECTION_ID } from './import-connection';
import {
  BehaviourStore,
  CrmSyncStore,
  CustomerRepository,
  DecisionStore,
  DispatchStore,
  ExperienceStore,
  MeasureStore,
  OutboxStore,
  OutcomeStore,
  PersonaFeedStore,
  SecretBox,
  SegmentationStore,
  TimelineStore,
  TouchpointEventStore,
  TreatmentFatigueStore,
  WritebackStore,
} from './repositories';
import { seedLargeDatabase } from './query-plans/large-seed';
import { LARGE_TABLES, seqScansOfLargeTables } from './query-plans/seq-scan-check';
import { partitionsRead, PARTITIONED_TABLES } from './query-plans/partition-check';

jest.setTimeout(180_000);

/** Big enough that a sequential scan of these tables costs far more than an index probe. */
const CUSTOMERS = Number(process.env.HOT_QUERY_CUSTOMERS ?? 60_000);
const EVENTS = Number(process.env.HOT_QUERY_EVENTS ?? 150_000);
/** Months of events kept, each a partition of events, decisions and deliveries (a lookup that prunes none reads them all). */
const MONTHS = Number(process.env.HOT_QUERY_MONTHS ?? 18);

/**
 * Periodic sweeps over a time window (the reconciler every 10 s over a week, behaviour refresh over
 * a day, the daily experience refresh). Their window is a few thousand rows here, so the planner
 * rightly reads the joined table whole; at production sizes it probes the index. For these the test
 * asks that an index path exists: with sequential scans disabled the plan must have none.
 */
const WINDOW_SWEEPS = new Set(['outbox.undecidedEvents', 'experience.unreactedFeedback', 'experience.windowDropped', 'behaviour.behindEvents']);

interface Captured {
  label: string;
  sql: string;
  params: unknown[];
}

/**
 * Records every statement the stores send, labelled with the store method being run, so the test
 * explains exactly the SQL the code sends (it cannot drift from the stores).
 */
class CapturingLogger implements Logger {
  label = 'setup';
  capturing = false;
  readonly queries: Captured[] = [];
  logQuery(query: string, parameters?: unknown[], _runner?: QueryRunner): void {
    if (this.capturing) this.queries.push({ label: this.label, sql: query, params: parameters ?? [] });
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * Every hot query of the product uses an index on a database of realistic size: the stores' real
 * methods run against a seeded database while their SQL is captured, then each statement is
 * EXPLAINed and any Seq Scan of a large table fails the test, naming the method and the statement.
 * With many monthly partitions of events, decisions and deliveries, the hot lookups' statements are
 * also run under EXPLAIN ANALYZE: one that reads more months than it needs fails the test too.
 */
describe('hot queries on a large database', () => {
  let ctx: TestContext;
  let db: DataSource;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource({ ...dataSourceOptions({ url: ctx.databaseUrl }), logging: ['query'], logger }).initialize();
    await seedLargeDatabase(db, { customers: CUSTOMERS, events: EVENTS, months: MONTHS });
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  const ran: string[] = [];
  const run = async (label: string, fn: () => Promise<unknown>) => {
    ran.push(label);
    logger.label = label;
    logger.capturing = true;
    try {
      await fn();
    } finally {
      logger.capturing = false;
    }
  };

  it('no store method scans a large table sequentially, and hot lookups read only the months they need', async () => {
    const secrets = new SecretBox(loadConfig({ NODE_ENV: 'test' }));
    const customers = new CustomerRepository(db);
    const segmentation = new SegmentationStore(db);
    const decisions = new DecisionStore(db);
    const dispatch = new DispatchStore(db, secrets);
    const outbox = new OutboxStore(db);
    const fatigue = new TreatmentFatigueStore(db);
    const outcomes = new OutcomeStore(db, fatigue);
    const measures = new MeasureStore(db);
    const sync = new CrmSyncStore(db);
    const behaviour = new BehaviourStore(db);
    const timeline = new TimelineStore(db);
    const experience = new ExperienceStore(db);
    const events = new TouchpointEventStore(db);
    const feed = new PersonaFeedStore(db);
    const writeback = new WritebackStore(db);
    const mid = String(Math.floor(CUSTOMERS / 2));
    const midEvent = String(Math.floor(EVENTS / 2));
    const now = new Date();
    const [{ persona_id: personaId }] = await db.query(`SELECT persona_id FROM assignments LIMIT 1`);
    // What the jobs carry: the events' arrival, read from the rows as the relay and the decide job know it.
    const nextEvent = String(Number(midEvent) + 1);
    const arrivalOf = async (sql: string, ids: string[]) => {
      const rows: Array<{ at: Date }> = await db.query(sql, [ids]);
      expect(rows).toHaveLength(ids.length);
      const ms = rows.map((r) => r.at.getTime());
      return { receivedFrom: new Date(Math.min(...ms)).toISOString(), receivedTo: new Date(Math.max(...ms)).toISOString() };
    };
    const eventArrival = await arrivalOf(`SELECT received_at AS at FROM touchpoint_events WHERE id = ANY($1::bigint[])`, [midEvent, nextEvent]);
    const deliveryArrival = await arrivalOf(`SELECT event_received_at AS at FROM deliveries WHERE id = ANY($1::bigint[])`, [midEvent, nextEvent]);
    const wrongArrival = { receivedFrom: now.toISOString(), receivedTo: now.toISOString() };
    // The months the agent reads' customer has events in (their decisions and deliveries are there too).
    const [{ n: customerMonths }] = await db.query(
      `SELECT count(DISTINCT date_trunc('month', received_at AT TIME ZONE 'UTC'))::int AS n FROM touchpoint_events WHERE customer_id = $1`,
      [mid],
    );
    // A hint is not a filter: an event or delivery outside the hinted months is still found.
    expect((await decisions.events([midEvent], wrongArrival)).map((e) => e.id)).toEqual([midEvent]);
    expect((await dispatch.get(midEvent, wrongArrival))?.id).toBe(midEvent);
    const toDecide = (await decisions.event(midEvent, eventArrival))!;

    // Agent reads: customer lookup by every reference, the customer view, strategy view and timeline.
    await run('customers.findById', () => customers.findById(mid));
    await run('customers.findByIds', () => customers.findByIds([mid, '7', '99']));
    await run('customers.findByEmail', () => customers.findByEmail(`u${mid}@example.com`));
    await run('customers.findByExternalId (any connection)', () => customers.findByExternalId(`c${mid}`));
    await run('customers.findByExternalId (one connection)', () => customers.findByExternalId(`c${mid}`, IMPORT_CONNECTION_ID));
    await run('customers.findByExternalId (merged-away alias)', () => customers.findByExternalId('old-17'));
    await run('customers.searchByName (last name)', () => customers.searchByName(`lee${mid}`, 20));
    await run('customers.searchByName (full name)', () => customers.searchByName('ann5 lee', 20));
    await run('segmentation.liveAssignment', () => segmentation.liveAssignment(mid));
    await run('segmentation.history', () => segmentation.history(mid));
    await run('segmentation.customersInPersona', () => segmentation.customersInPersona(personaId, { limit: 50, afterId: mid }));
    await run('segmentation.staleCustomers', () => segmentation.staleCustomers(100));
    await run('decisions.livePersona', () => decisions.livePersona(mid));
    await run('decisions.livePersonas', () => decisions.livePersonas([mid, '7']));
    await run('decisions.countedDeliveries', () => decisions.countedDeliveries(mid, new Date(now.getTime() - 33 * 86_400_000)));
    await run('decisions.recentEvents', () => decisions.recentEvents(mid, 20));
    await run('timeline.page', () => timeline.page(mid, 20, null));
    await run('experience.experience', () => experience.experience(mid));

    // Treatment pipeline: the event to decide, the decision under its lock, the delivery.
    await run('decisions.event', () => decisions.event(midEvent, eventArrival));
    await run('decisions.events', () => decisions.events([midEvent, nextEvent], eventArrival));
    await run('decisions.events (no hint: a job from before it)', () => decisions.events([midEvent, '12']));
    await run('decisions.decideBatchUnderLocks', () =>
      decisions.decideBatchUnderLocks(
        [toDecide],
        new Date(now.getTime() - 86_400_000),
        () => {
          throw new Error('an event of the seed is decided already: decideWith is never called');
        },
      ),
    );
    await run('decisions.heldUntil', () => decisions.heldUntil(midEvent));
    // The attempts write back what they read (an update that changes nothing), so the UPDATE is checked too.
    const same = (d: { status: string; attempts: number; nextAttemptAt: Date | null; lastStatusCode: number | null; lastError: string | null }) =>
      ({ status: d.status, attempts: d.attempts, nextAttemptAt: d.nextAttemptAt, lastStatusCode: d.lastStatusCode, lastError: d.lastError }) as never;
    await run('dispatch.get', () => dispatch.get(midEvent, deliveryArrival));
    await run('dispatch.get (by id alone: the API routes)', () => dispatch.get(midEvent));
    await run('dispatch.withLocked', () => dispatch.withLocked(midEvent, async (d) => ({ update: same(d), result: null }), deliveryArrival));
    await run('dispatch.withLockedMany', () =>
      dispatch.withLockedMany([midEvent, nextEvent], async (ds) => ({ updates: new Map(ds.map((d) => [d.id, same(d)])), result: null }), deliveryArrival),
    );
    await run('dispatch.listByStatus (dead letters)', () => dispatch.listByStatus('dead', 50));
    // Not dead: the statement runs and changes nothing.
    await run('dispatch.replay', () => dispatch.replay(midEvent));
    await run('dispatch.customerRecord', () => dispatch.customerRecord(mid));
    await run('treatment fatigue.pausedFor', () => fatigue.pausedFor([mid, '7'], now));

    // Events and outcomes in.
    await run('events.ingest', () =>
      events.ingest(
        'api',
        [{ index: 0, event: { touchpoint: 'renewal', customer: { kind: 'email', email: `u${mid}@example.com` }, occurredAt: now, properties: {}, idempotencyKey: 'hot-1' } }],
        (i, name) => `events[${i}].${name}`,
      ),
    );
    const outcome = { type: 'opened' as const, value: null, csat: null, nps: null, effort: null, comment: null, occurredAt: now };
    // The seed's webhook ids are minted as the decide step mints them (carrying the event's arrival), but for one in ten (older, random).
    const webhookIdOf = async (id: string): Promise<string> => (await db.query(`SELECT webhook_id FROM deliveries WHERE id = $1`, [id]))[0].webhook_id;
    const midWebhookId = await webhookIdOf(String(Math.floor(EVENTS / 20) * 10 + 1));
    const olderWebhookId = await webhookIdOf('10');
    expect(webhookIdArrival(midWebhookId)).not.toBeNull();
    expect(webhookIdArrival(olderWebhookId)).toBeNull();
    await run('outcomes.ingest (by webhook id)', () =>
      outcomes.ingest('api', [{ index: 0, outcome: { ...outcome, ref: { kind: 'delivery', webhookId: midWebhookId }, idempotencyKey: 'hot-o1' } }], (i, n) => `o[${i}].${n}`),
    );
    await run('outcomes.ingest (by an older webhook id, no time in it)', () =>
      outcomes.ingest('api', [{ index: 0, outcome: { ...outcome, ref: { kind: 'delivery', webhookId: olderWebhookId }, idempotencyKey: 'hot-o1b' } }], (i, n) => `o[${i}].${n}`),
    );
    // Unknown, whatever its shape: every month is probed before the outcome is rejected.
    const unknownWebhookId = `${midWebhookId.slice(0, -4)}ffff`;
    await run('outcomes.ingest (by an unknown webhook id)', () =>
      outcomes.ingest('api', [{ index: 0, outcome: { ...outcome, ref: { kind: 'delivery', webhookId: unknownWebhookId }, idempotencyKey: 'hot-o1c' } }], (i, n) => `o[${i}].${n}`),
    );
    await run('outcomes.ingest (by event id)', () =>
      outcomes.ingest('api', [{ index: 0, outcome: { ...outcome, ref: { kind: 'event', eventId: midEvent }, idempotencyKey: 'hot-o2' } }], (i, n) => `o[${i}].${n}`),
    );
    await run('outcomes.ingest (by event key)', () =>
      outcomes.ingest('api', [{ index: 0, outcome: { ...outcome, ref: { kind: 'event_key', source: 'api', idempotencyKey: `e-${midEvent}` }, idempotencyKey: 'hot-o3' } }], (i, n) => `o[${i}].${n}`),
    );
    await run('experience.unreactedFeedback', () => experience.unreactedFeedback(30, 7 * 24, 5000));
    await run('experience.windowDropped', () => experience.windowDropped(90, '0', 500));

    // Relay and reconciliation: outbox claim, undecided events (with their batch jobs), the recheck
    // of those whose job is gone, due deliveries and the re-check of those no job holds, the decide
    // job's record of its dispatch batches (with the worker's own windows and batch sizes).
    await run('outbox.relay', () => outbox.relay(['decide-event', 'feedback-recorded'], 500, async () => undefined));
    await run('outbox.undecidedEvents', () => outbox.undecidedEvents(30, 7 * 24, 5000));
    const recheck = await db.query(`SELECT id::text AS id, received_at AS "receivedAt" FROM touchpoint_events WHERE id = ANY($1::bigint[])`, [[midEvent, nextEvent]]);
    await run('outbox.toRequeue', () => outbox.toRequeue(recheck));
    await run('outbox.dueDeliveries', () => outbox.dueDeliveries(30, 5000));
    const dueRecheck: Array<{ id: string; attempt: number; eventReceivedAt: Date }> = await db.query(
      `SELECT id::text AS id, attempts + 1 AS attempt, event_received_at AS "eventReceivedAt" FROM deliveries WHERE id = ANY($1::bigint[])`,
      [[midEvent, nextEvent]],
    );
    await run('outbox.deliveriesToRequeue', () => outbox.deliveriesToRequeue(dueRecheck));
    const outboxRows: Array<{ id: string }> = await db.query(`SELECT id::text AS id FROM outbox ORDER BY id DESC LIMIT 2`);
    await run('outbox.recordJobs', () => outbox.recordJobs(outboxRows.map((r) => ({ outboxId: r.id, jobId: 'hot-query-job' }))));
    await run('outbox.purgeRelayed', () => outbox.purgeRelayed(24));
    await run('persona feed.position', () => feed.position('hot-query-test'));
    // The feed and write-back read both history tables in (xact_id, id) order, from a cursor mid-way.
    const [{ x: midXact, h: midHistory }] = await db.query(
      `SELECT xact_id::text AS x, id::text AS h FROM persona_run_changes WHERE set_version = 1 AND customer_id = $1`,
      [mid],
    );
    await run('persona feed.read', () => feed.read(db.manager, { xactId: midXact, historyId: midHistory }, 500));
    await run('writeback.nextBatch', () => writeback.nextBatch(IMPORT_CONNECTION_ID, { xactId: midXact, historyId: midHistory }, 100));
    // Write-back asks this when a batch came back empty: its cursor is at the head of the feed.
    const [{ x: headXact, h: headHistory }] = await db.query(
      `SELECT xact_id::text AS x, id::text AS h FROM persona_history ORDER BY xact_id DESC, id DESC OFFSET 50 LIMIT 1`,
    );
    await run('writeback.hasRowsAfter', () => writeback.hasRowsAfter(IMPORT_CONNECTION_ID, { xactId: headXact, historyId: headHistory }));

    // Measures.
    const day = now.toISOString().slice(0, 10);
    await run('measures.cells', () => measures.cells({ from: day, to: day, days: 1 }));
    await run('measures.pendingDeltas', () => measures.pendingDeltas());
    await run('measures.rollup', () => measures.rollup(1000));

    // CRM sync: upserts, deletes, webhooks.
    await run('customers.upsertBatch (sync upsert)', () =>
      customers.upsertBatch(IMPORT_CONNECTION_ID, [
        { externalId: `c${mid}`, attributes: { email: `u${mid}@example.com`, first_name: 'Changed', last_name: `Lee${mid}` } },
        { externalId: 'new-hot-1', attributes: { email: 'new-hot-1@example.com' } },
      ]),
    );
    await run('customers.markDeleted', () => customers.markDeleted(IMPORT_CONNECTION_ID, ['c11']));
    await run('sync.recordWebhookEvents', () => sync.recordWebhookEvents(IMPORT_CONNECTION_ID, [{ eventId: 'hot-we-1', kind: 'upsert', objectIds: ['c5'], occurredAt: now }]));
    await run('sync.pendingWebhookEvents', () => sync.pendingWebhookEvents(IMPORT_CONNECTION_ID, 100));
    await run('sync.getWatermark', () => sync.getWatermark(IMPORT_CONNECTION_ID));

    // Behaviour refresh.
    await run('behaviour.due', () => behaviour.due(now, '0', 100));
    await run('behaviour.staleAmong', () => behaviour.staleAmong([mid, '7']));
    await run('behaviour.customersOfEvents', () => behaviour.customersOfEvents([midEvent, '12'], ['renewal']));
    await run('behaviour.behindEvents', () => behaviour.behindEvents(['renewal'], new Date(now.getTime() - 24 * 3_600_000), 500));
    await run('behaviour.recompute', () => behaviour.recompute([mid], [{ touchpoint: 'renewal', since: now.getTime() - 30 * 86_400_000 }], () => []));

    // Partitions without a row (the months made ahead): a scan of them reads nothing.
    const partitions: Array<{ name: string }> = await db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY($1)`,
      [LARGE_TABLES],
    );
    const empty = new Set<string>();
    for (const { name } of partitions) if (!(await db.query(`SELECT EXISTS (SELECT 1 FROM "${name}") AS any`))[0].any) empty.add(name);

    const problems: string[] = [];
    const explained = new Set<string>();
    const skipped: string[] = [];
    const sweeps: string[] = [];
    const explain = (sql: string, params: unknown[], indexesOnly: boolean) =>
      db.transaction(async (em) => {
        if (indexesOnly) await em.query('SET LOCAL enable_seqscan = off');
        const [row] = await em.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
        return row['QUERY PLAN'] as unknown;
      });
    for (const q of logger.queries) {
      if (!/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(q.sql)) continue;
      const key = `${q.label}\n${q.sql}`;
      if (explained.has(key)) continue;
      explained.add(key);
      let plan: unknown;
      try {
        plan = await explain(q.sql, q.params, false);
        if (WINDOW_SWEEPS.has(q.label) && seqScansOfLargeTables(plan, LARGE_TABLES, empty).length) {
          sweeps.push(`${q.label}: ${seqScansOfLargeTables(plan, LARGE_TABLES, empty).join(', ')} chosen at this size; index path checked instead`);
          plan = await explain(q.sql, q.params, true);
        }
      } catch (e) {
        // A statement over a temporary table of its transaction cannot be explained afterwards.
        if (/relation "(pg_temp|tmp_|_)[^"]*" does not exist/.test((e as Error).message)) {
          skipped.push(`${q.label}: ${(e as Error).message}`);
          continue;
        }
        throw new Error(`EXPLAIN failed for ${q.label}: ${(e as Error).message}\n${q.sql}`);
      }
      for (const p of seqScansOfLargeTables(plan, LARGE_TABLES, empty)) problems.push(`${q.label}: ${p}\n    ${q.sql.replace(/\s+/g, ' ').slice(0, 400)}`);
    }

    // Partition pruning: each hot lookup reads only the months it needs, whatever the months kept.
    // Its statements run under EXPLAIN ANALYZE (rolled back) and the partitions with rows that were
    // read are counted per table; months without rows (made ahead) cost nothing and are not counted.
    // The agent's reads find a customer's events by customer: those may lie in any month, so that
    // read probes each month's (customer_id, occurred_at) index; their decisions and deliveries are
    // then read in those events' months only.
    const BY_EVENT = new Set(['decisions.recentEvents', 'timeline.page']);
    // Lookups with nothing to bound them by (docs/capacity.md says why for each): each reads every
    // month with rows, which also shows the check can fail. One that starts to prune fails here:
    // move it to MONTHS_NEEDED with the months it needs.
    const EVERY_MONTH = new Set([
      'dispatch.get (by id alone: the API routes)',
      'dispatch.replay',
      'outcomes.ingest (by an unknown webhook id)',
      'outbox.dueDeliveries',
      'decisions.countedDeliveries',
    ]);
    const executionMs = new Map<string, number>();
    const MONTHS_NEEDED: Record<string, number> = {
      'decisions.event': 1,
      'decisions.events': 1,
      'decisions.decideBatchUnderLocks': 1,
      'dispatch.get': 1,
      'dispatch.withLocked': 1,
      'dispatch.withLockedMany': 1,
      'decisions.recentEvents': customerMonths,
      'timeline.page': customerMonths,
      // An event key resolves through touchpoint_event_keys, which names the event's month.
      'outcomes.ingest (by event key)': 1,
      // A webhook id minted by the decide step carries its event's arrival.
      'outcomes.ingest (by webhook id)': 1,
      // A week's window spans two months at most.
      'outbox.undecidedEvents': 2,
      // Each event's decision is looked for in its own month.
      'outbox.toRequeue': 1,
      // Each delivery is read in its event's month.
      'outbox.deliveriesToRequeue': 1,
    };
    const analyze = async (sql: string, params: unknown[], format: 'JSON' | 'TEXT' = 'JSON') => {
      const qr = db.createQueryRunner();
      await qr.connect();
      await qr.startTransaction();
      try {
        const rows: Array<Record<string, unknown>> = await qr.query(`EXPLAIN (ANALYZE, FORMAT ${format}) ${sql}`, params);
        return format === 'JSON' ? rows[0]['QUERY PLAN'] : rows.map((r) => r['QUERY PLAN']).join('\n');
      } finally {
        await qr.rollbackTransaction();
        await qr.release();
      }
    };
    const overread: string[] = [];
    const readByLabel = new Map<string, number>();
    for (const q of logger.queries) {
      const needed = MONTHS_NEEDED[q.label] ?? (EVERY_MONTH.has(q.label) ? Infinity : undefined);
      if (needed === undefined || !/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(q.sql) || /pg_advisory/.test(q.sql)) continue;
      const plan = await analyze(q.sql, q.params);
      {
        const top = (plan as Array<{ 'Planning Time': number; 'Execution Time': number }>)[0];
        executionMs.set(q.label, (executionMs.get(q.label) ?? 0) + top['Planning Time'] + top['Execution Time']);
      }
      const read = partitionsRead(plan, PARTITIONED_TABLES);
      for (const [table, names] of Object.entries(read)) {
        const withRows = names.filter((n) => !empty.has(n));
        if (BY_EVENT.has(q.label) && table === 'touchpoint_events') continue;
        readByLabel.set(q.label, Math.max(readByLabel.get(q.label) ?? 0, withRows.length));
        if (q.label in MONTHS_NEEDED && withRows.length > needed) {
          overread.push(`${q.label}: ${withRows.length} partitions of ${table} read, ${needed} needed\n    ${q.sql.replace(/\s+/g, ' ').slice(0, 300)}`);
          // HOT_QUERY_DEBUG=1 prints the plan of each lookup that read too many months.
          if (process.env.HOT_QUERY_DEBUG) console.log(await analyze(q.sql, q.params, 'TEXT'));
        }
      }
    }
    // The check can fail: a lookup by id alone reads every month that has rows.
    for (const label of EVERY_MONTH) expect([label, readByLabel.get(label)]).toEqual([label, expect.any(Number)]);
    for (const label of EVERY_MONTH) expect(readByLabel.get(label)).toBeGreaterThanOrEqual(MONTHS);
    expect([...Object.keys(MONTHS_NEEDED)].filter((l) => !readByLabel.has(l))).toEqual([]);
    console.log(`partitions with rows read per lookup: ${JSON.stringify(Object.fromEntries(readByLabel))}`);
    console.log(`planning + execution ms per lookup (${MONTHS} months, EXPLAIN ANALYZE): ${JSON.stringify(Object.fromEntries([...executionMs].map(([l, ms]) => [l, Math.round(ms * 100) / 100])))}`);

    const labels = new Set(logger.queries.map((q) => q.label));
    // Every method above sent SQL: a method that silently did nothing would prove nothing.
    expect(ran.filter((l) => !labels.has(l))).toEqual([]);
    console.log(`${explained.size} statements of ${ran.length} store methods explained`);
    if (sweeps.length) console.log(sweeps.join('\n'));
    if (skipped.length) console.log(`not explained (temporary tables):\n${skipped.join('\n')}`);
    expect({ seqScans: problems, overread }).toEqual({ seqScans: [], overread: [] });
  });
});
