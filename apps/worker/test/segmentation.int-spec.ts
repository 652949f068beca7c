import { INestApplicationContext, Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { NestFactory } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { EVALUATE_CUSTOMERS, QUEUE, REFRESH_SEGMENTS, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet, CANONICAL_CATALOG, PersonaSetDraft } from '@corridor/domain';
import { JobProducer, JobsModule } from '@corridor/jobs';
import { CustomerRepository, IMPORT_CONNECTION_ID, PERSONA_CHANGES, PersonaRepository, PersistenceModule, SegmentationStore } from '@corridor/persistence';
import { createTestContext, eventually, spawnWorkerProcess, stopProcess, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';
import { IncrementalSegmentationService } from '../src/segmentation/incremental-segmentation.service';

// Each case publishes and waits for a real run: seconds on a quiet machine, far more on a loaded one.
jest.setTimeout(60_000);

const NOW = new Date('2026-11-23T12:00:00Z');

/** Full runs, previews, superseding and incremental evaluation through real Postgres, Redis and BullMQ. */
describe('segmentation worker', () => {
  let ctx: TestContext;
  let app: INestApplicationContext | undefined;
  let db: DataSource;
  let store: SegmentationStore;
  let personas: PersonaRepository;
  let customers: CustomerRepository;
  let jobs: JobProducer;
  let queue: Queue;

  beforeAll(async () => {
    ctx = await createTestContext();
    ({ db, store, personas, customers, jobs, queue } = await boot((app = await NestFactory.createApplicationContext(WorkerModule, { logger: false }))));
  });
  afterAll(async () => {
    await app?.close();
    await ctx.dispose();
  });

  async function boot(a: INestApplicationContext) {
    return {
      db: a.get(DataSource),
      store: a.get(SegmentationStore),
      personas: a.get(PersonaRepository),
      customers: a.get(CustomerRepository),
      jobs: a.get(JobProducer),
      queue: a.get<Queue>(getQueueToken(QUEUE.segmentation)),
    };
  }

  async function seedCustomers(n: number, offset = 0) {
    const batch = Array.from({ length: n }, (_, k) => {
      const i = k + offset;
      return { externalId: `c${i}`, attributes: { country: ['US', 'GB', 'DE', 'BR'][i % 4], total_revenue: (i % 10) * 10_000, email: `c${i}@x.io` } };
    });
    for (let s = 0; s < batch.length; s += 1000) await customers.upsertBatch(IMPORT_CONNECTION_ID, batch.slice(s, s + 1000));
  }

  /** Makes the draft exactly these personas, in this order (existing keys are updated in place). */
  async function setDraft(rules: Array<{ key: string; rule: unknown }>): Promise<PersonaSetDraft> {
    await personas.transaction(async (tx) => {
      const existing = new Map((await tx.list()).map((p) => [p.key, p]));
      for (const p of existing.values()) {
        if (!p.isFallback && !rules.some((r) => r.key === p.key)) await tx.update(p.id, { priority: null }, 'archive', null);
      }
      for (const [i, r] of rules.entries()) {
        const current = existing.get(r.key);
        if (current) await tx.update(current.id, { rule: r.rule, priority: i + 1 }, 'update', null);
        else await tx.create({ key: r.key, name: r.key, description: '', priority: i + 1, enabled: true, rule: r.rule }, null);
      }
    });
    return buildPersonaSet(await personas.draftWithVersionIds(), CANONICAL_CATALOG);
  }

  async function publish(draft: PersonaSetDraft, chunkSize = 1000) {
    const { set, plan } = (await store.publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize, now: NOW }))!;
    await jobs.enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    return { set, run: plan.run };
  }

  const finished = (runId: string) => eventually(async () => {
    const run = await store.getRun(runId);
    return run && run.status !== 'running' ? run : null;
  }, `run ${runId}`);

  async function assignmentsByKey(version: number): Promise<Record<string, number>> {
    const rows: Array<{ key: string; n: number }> = await db.query(
      `SELECT p.key, count(*)::int AS n FROM assignments a JOIN personas p ON p.id = a.persona_id WHERE a.set_version = $1 GROUP BY p.key`,
      [version],
    );
    return Object.fromEntries(rows.map((r) => [r.key, r.n]));
  }

  it('assigns every live customer exactly one persona by priority, with the fallback catching the rest, and records history', async () => {
    await seedCustomers(5000);
    const draft = await setDraft([
      { key: 'big_us', rule: { all: [{ attribute: 'country', operator: 'equals', value: 'us' }, { attribute: 'total_revenue', operator: 'gte', value: 50000 }] } },
      { key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } },
      { key: 'europe', rule: { attribute: 'country', operator: 'in', value: ['GB', 'DE'] } },
    ]);
    const { set, run } = await publish(draft, 700);
    expect(run.progress.chunksTotal).toBe(8);
    const done = await finished(run.id);
    expect(done.status).toBe('completed');
    expect(done.progress).toMatchObject({ total: 5000, done: 5000, percent: 100 });
    // 1250 US customers (i % 4 = 0), two in five of them with total_revenue >= 50000; BR falls through.
    expect(await assignmentsByKey(set.version)).toEqual({ big_us: 500, us: 750, europe: 2500, everyone_else: 1250 });
    expect((await store.liveAssignment('1'))!.setVersion).toBe(set.version);
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM ${PERSONA_CHANGES} h WHERE set_version = $1`, [set.version]);
    expect(n).toBe(5000); // everyone was new
    expect(done.result).toMatchObject({ customers: 5000, changed: 5000, perPersona: { big_us: 500, us: 750, europe: 2500, everyone_else: 1250 } });
    // The old set's assignments are gone whole.
    const partitions = await eventually(async () => {
      const rows: Array<{ relname: string }> = await db.query(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'assignments_v%' ORDER BY relname`);
      return rows.length === 1 ? rows : null;
    }, 'the old partition to be dropped');
    expect(partitions.map((p) => p.relname)).toEqual([`assignments_v${set.version}`]);
  });

  it('writes history only for customers whose persona changed, with the cause', async () => {
    const draft = await setDraft([
      { key: 'big_us', rule: { all: [{ attribute: 'country', operator: 'equals', value: 'us' }, { attribute: 'total_revenue', operator: 'gte', value: 80000 }] } },
      { key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } },
      { key: 'europe', rule: { attribute: 'country', operator: 'in', value: ['GB', 'DE'] } },
    ]);
    const { set, run } = await publish(draft);
    const done = await finished(run.id);
    // US customers with total_revenue 60000 (i % 10 = 6, one in five) move from big_us to us.
    expect((done.result as { changed: number }).changed).toBe(250);
    const rows = await db.query(`SELECT cause, count(*)::int AS n FROM ${PERSONA_CHANGES} h WHERE set_version = $1 GROUP BY cause`, [set.version]);
    expect(rows).toEqual([{ cause: 'rule_change', n: 250 }]);
  });

  it('previews counts and transitions from today without changing anything', async () => {
    const live = await db.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
    const draft = await setDraft([
      { key: 'big_us', rule: { all: [{ attribute: 'country', operator: 'equals', value: 'us' }, { attribute: 'total_revenue', operator: 'gte', value: 80000 }] } },
      { key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } },
      { key: 'europe', rule: { attribute: 'country', operator: 'equals', value: 'GB' } },
    ]);
    const plan = await store.planPreview({ ...draft, timeZone: 'UTC' }, { chunkSize: 1500, now: NOW });
    await jobs.enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    const done = await finished(plan.run.id);
    expect(done.result).toMatchObject({
      total: 5000,
      perPersona: { big_us: 250, us: 1000, europe: 1250, everyone_else: 2500 },
      transitions: { big_us: { big_us: 250 }, us: { us: 1000 }, europe: { europe: 1250, everyone_else: 1250 }, everyone_else: { everyone_else: 1250 } },
      moved: 1250,
    });
    expect(await db.query(`SELECT version FROM persona_sets WHERE status = 'live'`)).toEqual(live);
  });

  it('re-evaluates a changed customer incrementally, under the live set', async () => {
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'c1'`); // GB → europe
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c1', attributes: { country: 'US', total_revenue: 90000 } }]);
    await jobs.enqueue(EVALUATE_CUSTOMERS, { customerIds: [id], cause: 'data_change' });
    const history = await eventually(async () => {
      const h = await store.history(id);
      return h.length === 2 ? h : null;
    }, 'the data change in history');
    const keys = await store.personaKeysById();
    expect(keys.get(history[0].toPersonaId)).toBe('big_us');
    expect(history[0].cause).toBe('data_change');
    // Deleted customers drop out of segmentation.
    expect(await customers.markDeleted(IMPORT_CONNECTION_ID, ['c1'])).toEqual([id]);
    await jobs.enqueue(EVALUATE_CUSTOMERS, { customerIds: [id], cause: 'data_change' });
    await eventually(async () => (await store.liveAssignment(id)) === null, 'the assignment to go');
  });

  it('supersedes a running publish: the newer set goes live and no customer keeps a stale assignment', async () => {
    const draftA = await setDraft([{ key: 'a_us', rule: { attribute: 'country', operator: 'equals', value: 'US' } }]);
    await queue.pause();
    const a = await publish(draftA, 100); // 50 chunks
    await queue.resume();
    await eventually(async () => ((await store.getRun(a.run.id))!.progress.chunksDone > 0 ? true : null), 'a chunk of A');
    await queue.pause();
    const draftB = await setDraft([{ key: 'b_gb', rule: { attribute: 'country', operator: 'equals', value: 'GB' } }]);
    const b = await publish(draftB, 100);
    await queue.resume();
    const doneB = await finished(b.run.id);
    const doneA = (await store.getRun(a.run.id))!;
    expect(doneA.status).toBe('superseded');
    expect(doneA.progress.chunksDone).toBeLessThan(doneA.progress.chunksTotal);
    expect(doneB.status).toBe('completed');
    const live = await db.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
    expect(live).toEqual([{ version: b.set.version }]);
    // The superseded set's partition is dropped just after B goes live (once A's last in-flight chunk lets go of it).
    const byVersion = await eventually(async () => {
      const rows = await db.query(`SELECT set_version, count(*)::int AS n FROM assignments GROUP BY set_version`);
      return rows.length === 1 ? rows : null;
    }, 'the superseded partition to be dropped');
    expect(byVersion).toEqual([{ set_version: b.set.version, n: 4999 }]);
    const stale = await db.query(`SELECT count(*)::int AS n FROM ${PERSONA_CHANGES} h WHERE set_version = $1`, [a.set.version]);
    expect(stale).toEqual([{ n: 0 }]);
    expect(await assignmentsByKey(b.set.version)).toEqual({ b_gb: 1249, everyone_else: 3750 });
  });

  it('keeps a change that lands while a run is in progress, even in a chunk already done', async () => {
    const draft = await setDraft([
      { key: 'rich', rule: { attribute: 'total_revenue', operator: 'gte', value: 1_000_000 } },
      { key: 'b_gb', rule: { attribute: 'country', operator: 'equals', value: 'GB' } },
    ]);
    await queue.pause();
    const { set, run } = await publish(draft, 100);
    await queue.resume();
    await eventually(async () => ((await store.getRun(run.id))!.progress.chunksDone > 0 ? true : null), 'a chunk');
    await queue.pause();
    // c4 (US) is in chunk 0, already evaluated under the new set as everyone_else.
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'c4'`);
    const chunk0 = await db.query(`SELECT done FROM segmentation_chunks WHERE run_id = $1 AND chunk = 0`, [run.id]);
    expect(chunk0).toEqual([{ done: true }]);
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c4', attributes: { country: 'US', total_revenue: 2_000_000 } }]);
    await app!.get(IncrementalSegmentationService).evaluate([id], 'data_change');
    await queue.resume();
    const done = await finished(run.id);
    expect(done.status).toBe('completed');
    // The run's totals come from the chunks' counts corrected by the change applied at go-live:
    // they must still be what the set's partition holds.
    const held = await assignmentsByKey(set.version);
    const { perPersona, customers: total } = done.result as { perPersona: Record<string, number>; customers: number };
    expect(Object.fromEntries(Object.entries(perPersona).filter(([, n]) => n > 0))).toEqual(held);
    expect(total).toBe(Object.values(held).reduce((a, b) => a + b, 0));
    const keys = await store.personaKeysById();
    const assignment = (await store.liveAssignment(id))!;
    expect(assignment.setVersion).toBe(set.version);
    expect(keys.get(assignment.personaId)).toBe('rich');
    const [latest] = await store.history(id);
    expect(keys.get(latest.toPersonaId)).toBe('rich');
    expect(await db.query(`SELECT count(*)::int AS n FROM segmentation_run_overrides`)).toEqual([{ n: 0 }]);
  });

  it('reconciles customers whose evaluation was lost (changed but never queued)', async () => {
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'lost', attributes: { country: 'GB' } }]);
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'lost'`);
    expect(await store.liveAssignment(id)).toBeNull();
    const { queued } = await app!.get(IncrementalSegmentationService).reconcile();
    expect(queued).toBe(1);
    const assignment = await eventually(() => store.liveAssignment(id), 'the lost customer to be assigned');
    expect((await store.personaKeysById()).get(assignment.personaId)).toBe('b_gb');
    expect((await app!.get(IncrementalSegmentationService).reconcile()).queued).toBe(0);
  });

  it('refreshes the live rules as time passes: relative dates follow the calendar, cause time_passed', async () => {
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'buyer', attributes: { last_purchase_at: '2026-11-10T00:00:00Z' } }]);
    const draft = await setDraft([{ key: 'recent_buyer', rule: { attribute: 'last_purchase_at', operator: 'within_last_days', value: 30 } }]);
    const { run } = await publish(draft);
    await finished(run.id);
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'buyer'`);
    const keys = () => store.personaKeysById();
    expect((await keys()).get((await store.liveAssignment(id))!.personaId)).toBe('recent_buyer');

    await jobs.enqueue(REFRESH_SEGMENTS, { asOf: '2026-12-20T00:00:00Z' });
    const refreshed = await eventually(async () => {
      const [set] = await db.query(`SELECT version FROM persona_sets WHERE status = 'live' AND reason = 'refresh'`);
      return set;
    }, 'the refresh to go live');
    const assignment = (await store.liveAssignment(id))!;
    expect(assignment.setVersion).toBe(refreshed.version);
    expect((await keys()).get(assignment.personaId)).toBe('everyone_else');
    expect((await store.history(id))[0].cause).toBe('time_passed');
  });

  it('lists history newest first by id, not by the id as text', async () => {
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'c2'`);
    const [{ pid }] = await db.query(`SELECT id AS pid FROM personas WHERE is_fallback`);
    for (const hid of [99_999_999, 100_000_000]) {
      await db.query(
        `INSERT INTO persona_history (id, customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
         OVERRIDING SYSTEM VALUE VALUES ($1, $2, NULL, $3, 1, 'data_change', now())`,
        [hid, id, pid],
      );
    }
    expect((await store.history(id)).slice(0, 2).map((h) => h.id)).toEqual(['100000000', '99999999']);
  });

  it('shares a full run between two worker processes', async () => {
    // Stop the in-process workers; a context without processors only produces jobs.
    await app!.close();
    app = await NestFactory.createApplicationContext(ProducerOnlyModule, { logger: false });
    ({ db, store, personas, customers, jobs, queue } = await boot(app));
    const procs = [spawnWorkerProcess(ctx.env), spawnWorkerProcess(ctx.env)];
    try {
      // Each process compiles the worker with ts-node first: on a loaded 2-core machine that alone can take a minute.
      await eventually(async () => ((await queue.getWorkersCount()) >= 2 ? true : null), 'two worker processes', 150_000);
      await seedCustomers(15_000, 5000);
      const draft = await setDraft([{ key: 'us_only', rule: { attribute: 'country', operator: 'equals', value: 'US' } }]);
      const { set, run } = await publish(draft, 500);
      const done = await finished(run.id);
      expect(done.status).toBe('completed');
      const by: Array<{ processed_by: string; n: number }> = await db.query(
        `SELECT processed_by, count(*)::int AS n FROM segmentation_chunks WHERE run_id = $1 GROUP BY processed_by`,
        [run.id],
      );
      expect(by).toHaveLength(2);
      expect(by.reduce((s, r) => s + r.n, 0)).toBe(run.progress.chunksTotal);
      // c0..c19999 less the deleted c1; every fourth is in the US.
      expect(await assignmentsByKey(set.version)).toEqual({ us_only: 5000, everyone_else: 15_001 }); // + 'lost' and 'buyer'
    } finally {
      await Promise.all(procs.map((p) => stopProcess(p)));
    }
  }, 240_000);
});

@Module({ imports: [ConfigModule, PersistenceModule, JobsModule] })
class ProducerOnlyModule {}
