import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { EVALUATE_CUSTOMERS, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet, CANONICAL_CATALOG } from '@corridor/domain';
import { JobProducer } from '@corridor/jobs';
import { CustomerRepository, IMPORT_CONNECTION_ID, PersonaRepository, SegmentationStore } from '@corridor/persistence';
import { createTestContext, eventually, TestContext } from '@corridor/testing';
import { WorkerModule } from '../src/worker.module';

jest.setTimeout(240_000);

const NOW = new Date('2026-11-23T12:00:00Z');

/**
 * Queues by latency class: one customer's re-evaluation runs on `segmentation-live`, so it does not
 * wait for the chunks of a full re-segmentation queued before it, even with one job at a time per queue.
 */
describe('single-customer evaluation during a full re-segmentation', () => {
  let ctx: TestContext;
  let app: INestApplicationContext;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await createTestContext();
    process.env.WORKER_CONCURRENCY = '1';
    app = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await app.init();
    db = app.get(DataSource);
  });
  afterAll(async () => {
    delete process.env.WORKER_CONCURRENCY;
    await app?.close();
    await ctx?.dispose();
  });

  async function publish(rules: Array<{ key: string; rule: unknown }>, chunkSize: number) {
    const personas = app.get(PersonaRepository);
    await personas.transaction(async (tx) => {
      const existing = new Map((await tx.list()).map((p) => [p.key, p]));
      for (const [i, r] of rules.entries()) {
        const current = existing.get(r.key);
        if (current) await tx.update(current.id, { rule: r.rule, priority: i + 1 }, 'update', null);
        else await tx.create({ key: r.key, name: r.key, description: '', priority: i + 1, enabled: true, rule: r.rule }, null);
      }
    });
    const draft = buildPersonaSet(await personas.draftWithVersionIds(), CANONICAL_CATALOG);
    const { plan } = (await app.get(SegmentationStore).publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize, now: NOW }))!;
    await app.get(JobProducer).enqueueFlow(
      { contract: RUN_FINALIZE, payload: { runId: plan.run.id } },
      plan.chunks.map((chunk) => ({ contract: RUN_CHUNK, payload: { runId: plan.run.id, chunk } })),
    );
    return plan;
  }
  const finished = (runId: string) =>
    eventually(async () => {
      const run = await app.get(SegmentationStore).getRun(runId);
      return run && run.status !== 'running' ? run : null;
    }, `run ${runId}`, 200_000);

  it('completes before the run that was queued ahead of it', async () => {
    const customers = app.get(CustomerRepository);
    const batch = Array.from({ length: 20_000 }, (_, i) => ({ externalId: `c${i}`, attributes: { country: i % 2 ? 'US' : 'GB' } }));
    for (let s = 0; s < batch.length; s += 2000) await customers.upsertBatch(IMPORT_CONNECTION_ID, batch.slice(s, s + 2000));
    const us = { key: 'us', rule: { attribute: 'country', operator: 'equals', value: 'US' } };
    const gb = { key: 'gb', rule: { attribute: 'country', operator: 'equals', value: 'GB' } };
    expect((await finished((await publish([us], 50_000)).run.id)).status).toBe('completed');

    // A full run of 200 chunks, one at a time, then one customer's data changes (GB → US).
    const plan = await publish([us, gb], 100);
    expect(plan.chunks.length).toBe(200);
    const [{ id }] = await db.query(`SELECT id::text FROM customers WHERE external_id = 'c0'`);
    await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: 'c0', attributes: { country: 'US' } }]);
    await app.get(JobProducer).enqueue(EVALUATE_CUSTOMERS, { customerIds: [id], cause: 'data_change' });

    const [evaluated] = await eventually(async () => {
      const rows: Array<{ changed_at: Date }> = await db.query(
        `SELECT changed_at FROM persona_history WHERE customer_id = $1 AND cause = 'data_change'`,
        [id],
      );
      return rows.length ? rows : null;
    }, 'the evaluation', 200_000);
    expect((await finished(plan.run.id)).status).toBe('completed');
    // Chunks of the run still finished after the evaluation had been made: it did not wait for them.
    const [{ later }] = await db.query(
      `SELECT count(*)::int AS later FROM segmentation_chunks WHERE run_id = $1 AND finished_at > $2`,
      [plan.run.id, evaluated.changed_at],
    );
    expect(later).toBeGreaterThan(0);
  });
});
