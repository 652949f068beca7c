import { DataSource, Logger } from 'typeorm';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { IMPORT_CONNECTION_ID } from '../import-connection';
import { TouchpointEventStore } from './touchpoint-event.store';

jest.setTimeout(60_000);

const CUSTOMERS = 2_000;
/** About one group commit of single-event requests at a trickle (bench:treatments saw 10 – 35). */
const NAMED = 20;

/** Keeps the text and values of the ingest's resolve statement, to run it again under EXPLAIN. */
class ResolveCapture implements Logger {
  resolve?: { sql: string; params: unknown[] };
  logQuery(query: string, parameters?: unknown[]): void {
    if (query.includes('AS by_id')) this.resolve = { sql: query, params: parameters ?? [] };
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

/**
 * The ingest's resolve on a customers table that has no statistics yet (rows imported, not
 * analysed: what a fresh import looks like until autovacuum gets to it, and what every bench
 * database looked like). Planned as a join, it scanned every customer once per customer named.
 */
describe('TouchpointEventStore: resolving customers named by id', () => {
  let ctx: TestContext;
  let db: DataSource;
  const capture = new ResolveCapture();

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource({ ...dataSourceOptions({ url: ctx.databaseUrl }), logging: ['query'], logger: capture }).initialize();
    await db.query(
      `INSERT INTO customers (connection_id, external_id, email, attributes, content_hash)
       SELECT $1, 'r-' || g, 'r' || g || '@example.com', jsonb_build_object('first_name', 'F' || g), md5(g::text) FROM generate_series(1, $2) g`,
      [IMPORT_CONNECTION_ID, CUSTOMERS],
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  it('follows a merged-away id to its survivor, refuses a deleted one, and probes by key without statistics', async () => {
    const [{ touchpoint }] = await db.query(`SELECT key AS touchpoint FROM touchpoints ORDER BY key LIMIT 1`);
    const ids: string[] = (await db.query(`SELECT id::text AS id FROM customers ORDER BY id LIMIT $1`, [NAMED])).map((r: { id: string }) => r.id);
    const [survivor, merged, deleted] = ids;
    await db.query(`UPDATE customers SET merged_into_id = $1 WHERE id = $2`, [survivor, merged]);
    await db.query(`UPDATE customers SET deleted_at = now() WHERE id = $1`, [deleted]);
    const [{ analysed }] = await db.query(`SELECT count(*)::int AS analysed FROM pg_stats WHERE tablename = 'customers'`);
    expect(analysed).toBe(0);

    const store = new TouchpointEventStore(db);
    const results = await store.ingest(
      'api',
      ids.map((id, index) => ({ index, event: { touchpoint, customer: { kind: 'id' as const, id }, occurredAt: new Date(), properties: {}, idempotencyKey: `resolve-${index}` } })),
      (index, name) => `events[${index}].${name}`,
    );
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(NAMED - 1);
    expect(results[2]).toMatchObject({ status: 'rejected', code: 'CUSTOMER_NOT_FOUND' });
    const [{ customer }] = await db.query(`SELECT customer_id::text AS customer FROM touchpoint_events WHERE idempotency_key = 'resolve-1'`);
    expect(customer).toBe(survivor);

    // The same statement with the same values, explained: a probe per customer named reads a few
    // index pages each; the join read the whole table (~60 pages here) for each of them.
    const [{ 'QUERY PLAN': plan }] = await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${capture.resolve!.sql}`, capture.resolve!.params);
    const pages = plan[0].Plan['Shared Hit Blocks'] + plan[0].Plan['Shared Read Blocks'];
    expect(pages).toBeLessThan(NAMED * 10);
  });
});
