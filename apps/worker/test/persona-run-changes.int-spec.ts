import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { EVALUATE_CUSTOMERS, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet, CANONICAL_CATALOG } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import {
  CrmSyncStore,
  CustomerDataStore,
  CustomerRepository,
  IMPORT_CONNECTION_ID,
  PersonaFeedStore,
  PersonaRepository,
  SegmentationStore,
  WritebackStore,
} from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(120_000);

const NOW = new Date('2026-11-23T12:00:00Z');

interface Fact {
  customerId: string;
  from: string | null;
  to: string;
  setVersion: number;
  cause: string;
}

/**
 * A full run going live writes its persona changes to persona_run_changes (issue 12); incremental
 * evaluation still writes persona_history. Every reader of the history must return the same facts
 * as when both went to one table: the timeline, the export, the merge (history follows the
 * survivor), the feed with its cursor, write-back's per-connection read, in (xact_id, id) order.
 */
describe('persona changes written by full runs', () => {
  let ctx: TestContext;
  let app: INestApplicationContext | undefined;
  let db: DataSource;
  let store: SegmentationStore;

  beforeAll(async () => {
    ctx = await createTestContext();
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    db = app.get(DataSource);
    store = app.get(SegmentationStore);
  });
  afterAll(async () => {
    await app?.close();
    await ctx.dispose();
  });

  async function publish(rules: Array<{ key: string; rule: unknown }>): Promise<number> {
    const personas = app!.get(PersonaRepository);
    await personas.transaction(async (tx) => {
      const existing = new Map((await tx.list()).map((p) => [p.key, p]));
      for (const [i, r] of rules.entries()) {
        const current = existing.get(r.key);
        if (current) await tx.update(current.id, { rule: r.rule, priority: i + 1 }, 'update', null);
        else await tx.create({ key: r.key, name: r.key, description: '', priority: i + 1, enabled: true, rule: r.rule }, null);
      }
    });
    const draft = buildPersonaSet(await personas.draftWithVersionIds(), CANONICAL_CATALOG);
    const { set, plan } = (await store.publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: 7, now: NOW }))!;
    await app!.get(JobProducer).enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    const done = await eventually(async () => {
      const run = await store.getRun(plan.run.id);
      return run && run.status !== 'running' ? run : null;
    }, `run ${plan.run.id}`);
    expect(done.status).toBe('completed');
    return set.version;
  }

  const liveAssignments = async (version: number): Promise<Map<string, string>> => {
    const rows: Array<{ customer_id: string; persona_id: string }> = await db.query(
      `SELECT a.customer_id::text, a.persona_id FROM assignments a WHERE a.set_version = $1 ORDER BY a.customer_id`,
      [version],
    );
    return new Map(rows.map((r) => [r.customer_id, r.persona_id]));
  };
  const idOf = async (externalId: string): Promise<string> =>
    (await db.query(`SELECT id::text FROM customers WHERE external_id = $1`, [externalId]))[0].id;

  it('reads the same facts through the timeline, export, feed, write-back, merge and erase', async () => {
    const customers = app!.get(CustomerRepository);
    await customers.upsertBatch(
      IMPORT_CONNECTION_ID,
      Array.from({ length: 30 }, (_, i) => ({ externalId: `c${i}`, attributes: { country: ['US', 'GB', 'DE', 'BR'][i % 4], email: `c${i}@x.io` } })),
    );
    const v1 = await publish([{ key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } }]);
    const first = await liveAssignments(v1);
    const v2 = await publish([
      { key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } },
      { key: 'europe', rule: { attribute: 'country', operator: 'in', value: ['GB', 'DE'] } },
    ]);
    const second = await liveAssignments(v2);

    // What going live records, as it did into persona_history: every customer new at v1; at v2
    // those whose persona moved (GB and DE to europe).
    const runFacts: Fact[] = [
      ...[...first].map(([customerId, to]) => ({ customerId, from: null, to, setVersion: v1, cause: 'new_customer' })),
      ...[...second].filter(([c, to]) => first.get(c) !== to).map(([customerId, to]) => ({ customerId, from: first.get(customerId)!, to, setVersion: v2, cause: 'rule_change' })),
    ];
    expect(runFacts).toHaveLength(30 + 15);
    const [{ plain, run }] = await db.query(
      `SELECT (SELECT count(*) FROM persona_history)::int AS plain, (SELECT count(*) FROM persona_run_changes)::int AS run`,
    );
    expect({ plain, run }).toEqual({ plain: 0, run: 45 });

    // An incremental change after the runs: c1 (GB, europe) moves to the US; a plain history row.
    const c1 = await idOf('c1');
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c1', attributes: { country: 'US', email: 'c1@x.io' } }]);
    await app!.get(JobProducer).enqueue(EVALUATE_CUSTOMERS, { customerIds: [c1], cause: 'data_change' });
    await eventually(async () => ((await db.query(`SELECT 1 FROM persona_history WHERE customer_id = $1`, [c1])).length ? true : null), 'c1 evaluated');
    const usId = second.get(await idOf('c0'))!;
    const incremental: Fact = { customerId: c1, from: second.get(c1)!, to: usId, setVersion: v2, cause: 'data_change' };
    const all = [...runFacts, incremental];
    const factsOf = (customerId: string) => all.filter((f) => f.customerId === customerId);

    // Timeline (persona history API, agent view): newest first, run and incremental facts alike.
    const timeline = await store.history(c1);
    expect(timeline.map((h) => ({ customerId: c1, from: h.fromPersonaId, to: h.toPersonaId, setVersion: h.setVersion, cause: h.cause }))).toEqual(factsOf(c1).reverse());

    // Export (GDPR): the same rows, oldest first, with their keys.
    const data = new CustomerDataStore(db);
    const exported = (await data.export(c1))!.personaHistory as Array<Record<string, unknown>>;
    expect(exported.map((h) => ({ customerId: c1, from: h.from_persona_id, to: h.to_persona_id, setVersion: h.set_version, cause: h.cause }))).toEqual(factsOf(c1));
    expect(exported.map((h) => h.id)).toEqual(timeline.map((h) => h.id).reverse());

    // The feed, consumed with a cursor in small batches: every fact once, in (xact_id, id) order,
    // which is the order the runs went live and then the incremental change.
    const keys = await store.personaKeysById();
    const feed = new PersonaFeedStore(db);
    const consumed: Array<{ fact: Fact; at: [bigint, bigint] }> = [];
    // Rows show once every older transaction has ended (the feed's horizon): read until all have.
    await eventually(async () => {
      await feed.consume('run-changes-test', 4, async (changes) => {
        for (const c of changes) {
          consumed.push({ fact: { customerId: c.customerId, from: c.fromKey, to: c.toKey!, setVersion: c.setVersion, cause: c.cause }, at: [BigInt(c.xactId), BigInt(c.historyId)] });
        }
      });
      return consumed.length >= all.length ? true : null;
    }, 'the feed to show every change');
    const byKey = (f: Fact): Fact => ({ ...f, from: f.from && keys.get(f.from)!, to: keys.get(f.to)! });
    // Within a run the ids follow the join's output, as they did in persona_history: compare each
    // run's facts as a set, the runs and the incremental change in order.
    const runOf = (f: Fact) => `${f.setVersion}:${f.cause === 'data_change' ? 'incremental' : 'run'}`;
    const grouped = (facts: Fact[]) => {
      const groups = new Map<string, string[]>();
      for (const f of facts) groups.set(runOf(f), [...(groups.get(runOf(f)) ?? []), JSON.stringify(f)]);
      return [...groups].map(([k, v]) => [k, v.sort()]);
    };
    expect(grouped(consumed.map((c) => c.fact))).toEqual(grouped(all.map(byKey)));
    expect(consumed.map((c) => runOf(c.fact))).toEqual(all.map(runOf));
    for (let i = 1; i < consumed.length; i++) {
      const [a, b] = [consumed[i - 1].at, consumed[i].at];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
    }

    // Write-back's per-connection read: batches in the same order, the latest persona per customer.
    const writeback = new WritebackStore(db);
    const latest = new Map<string, string>();
    let after = { xactId: '0', historyId: '0' };
    const end = { xactId: String(consumed.at(-1)!.at[0]), historyId: String(consumed.at(-1)!.at[1]) };
    await eventually(async () => {
      const batch = await writeback.nextBatch(IMPORT_CONNECTION_ID, after, 4);
      for (const item of batch?.items ?? []) latest.set(item.customerId, item.personaId);
      if (batch) after = batch.last;
      return after.xactId === end.xactId && after.historyId === end.historyId ? true : null;
    }, 'write-back to read every change');
    expect(await writeback.nextBatch(IMPORT_CONNECTION_ID, after, 4)).toBeNull();
    expect(latest).toEqual(new Map([...second].map(([c, p]) => [c, c === c1 ? usId : p])));
    expect(await writeback.hasRowsAfter(IMPORT_CONNECTION_ID, { xactId: '0', historyId: '0' })).toBe(true);
    expect(await writeback.hasRowsAfter(IMPORT_CONNECTION_ID, after)).toBe(false);

    // A CRM merge (c5 into c1): c5's history, written by the runs, follows the survivor.
    const c5 = await idOf('c5');
    const sync = new CrmSyncStore(db);
    await sync.recordWebhookEvents(IMPORT_CONNECTION_ID, [{ eventId: 'merge-1', kind: 'merge', objectIds: ['c1', 'c5'], occurredAt: NOW }]);
    const pending = await sync.pendingWebhookEvents(IMPORT_CONNECTION_ID, 10);
    const merged = await sync.applyWebhookChanges(
      IMPORT_CONNECTION_ID,
      pending.map((e) => e.id),
      { customers: [], deletedExternalIds: [], merges: [{ survivorExternalId: 'c1', mergedExternalIds: ['c5'] }] },
    );
    expect(merged.merged).toBe(1);
    const survivorFacts = [...factsOf(c1), ...factsOf(c5).map((f) => ({ ...f, customerId: c1 }))];
    const afterMerge = await store.history(c1);
    expect(afterMerge.map((h) => h.id)).toEqual([...afterMerge.map((h) => h.id)].sort((a, b) => Number(b) - Number(a)));
    expect(new Set(afterMerge.map((h) => JSON.stringify({ customerId: c1, from: h.fromPersonaId, to: h.toPersonaId, setVersion: h.setVersion, cause: h.cause }))))
      .toEqual(new Set(survivorFacts.map((f) => JSON.stringify(f))));
    expect(afterMerge).toHaveLength(survivorFacts.length);
    expect(await store.history(c5)).toEqual([]);
    const rereadFeed = await feed.read(db.manager, { xactId: '0', historyId: '0' }, 1000);
    expect(rereadFeed.filter((c) => c.customerId === c5)).toEqual([]);
    expect(rereadFeed.filter((c) => c.customerId === c1)).toHaveLength(survivorFacts.length);

    // Erasure anonymises the customer and keeps its history: the export lists the same facts after it.
    const before = (await data.export(c1))!.personaHistory;
    expect(before).toHaveLength(survivorFacts.length);
    expect(await data.erase(c1)).not.toBeNull();
    expect((await data.export(c1))!.personaHistory).toEqual(before);
  });
});
