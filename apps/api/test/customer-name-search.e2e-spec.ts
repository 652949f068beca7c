import { Client } from 'pg';
import { CustomerRepository, FULL_NAME_SQL, IMPORT_CONNECTION_ID, LAST_NAME_SQL } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';

/** GET /v1/customers?name=…: the console's name search, bounded and on indexes. */
describe('GET /v1/customers?name=', () => {
  let api: ApiTestApp;
  let ids: Map<string, string>;

  beforeAll(async () => {
    api = await startApiTestApp();
    const people: Array<[string, string | undefined, string | undefined]> = [
      ['ann', 'Ann', 'Lee'],
      ['anna', 'Anna', 'Smith'],
      ['bob', 'Bob', 'Annan'],
      ['zoe', 'Zoe', "O'Hara"],
      ['under', 'Al_ice', 'Ng'],
      ['alxice', 'Alxice', 'Ng'],
      ['solo', undefined, 'Annex'],
      ['merged', 'Ann', 'Leeds'],
      ...Array.from({ length: 25 }, (_, i): [string, string, string] => [`kim${i}`, 'Kim', `K${i}`]),
    ];
    const rows = people.map(([externalId, first_name, last_name]) => ({ externalId, attributes: { first_name, last_name, email: `${externalId}@x.io` } }));
    await api.app.get(CustomerRepository).upsertBatch(IMPORT_CONNECTION_ID, rows);
    const found: Array<{ id: string; external_id: string }> = await query(`SELECT id::text, external_id FROM customers`);
    ids = new Map(found.map((f) => [f.external_id, f.id]));
    await query(`UPDATE customers SET merged_into_id = $1 WHERE external_id = 'merged'`, [ids.get('ann')]);
  });
  afterAll(() => api.close());

  async function query<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
    const db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    try {
      return (await db.query(sql, params)).rows as T[];
    } finally {
      await db.end();
    }
  }

  const search = async (name: string, role: 'agent' | 'admin' = 'agent') => {
    const res = await api.http.get('/v1/customers').query({ name }).set(api.auth(role));
    expect([name, res.status]).toEqual([name, 200]);
    return res.body.customers.map((c: { externalId: string }) => c.externalId);
  };

  it('matches the start of the full name or of the last name, case and extra spaces ignored, merged-away customers left out', async () => {
    expect(await search('ann')).toEqual(['ann', 'anna', 'bob', 'solo']);
    expect(await search('ANN L')).toEqual(['ann']);
    expect(await search('  ann   lee ')).toEqual(['ann']);
    expect(await search("o'h")).toEqual(['zoe']);
    expect(await search('smith')).toEqual(['anna']);
    expect(await search('nobody')).toEqual([]);
    expect(await search('Ann Lee', 'admin')).toEqual(['ann']);
  });

  it('reads % and _ in the term literally', async () => {
    expect(await search('al_')).toEqual(['under']);
    expect(await search('a%')).toEqual([]);
  });

  it('answers at most 20, by id', async () => {
    const kims = await search('kim');
    expect(kims).toHaveLength(20);
    expect(kims).toEqual(Array.from({ length: 20 }, (_, i) => `kim${i}`));
  });

  it('refuses a term shorter than 2 characters, and keys that may not read customers', async () => {
    const short = await api.http.get('/v1/customers').query({ name: 'a' }).set(api.auth('agent'));
    expect(short.status).toBe(400);
    expect(short.body.details[0]).toMatchObject({ field: 'name' });
    expect((await api.http.get('/v1/customers').query({ name: 'ann' }).set(api.auth('integration'))).status).toBe(403);
  });

  it('is answered from the name indexes, not by reading the table', async () => {
    // With sequential scans priced out, a plan that cannot use the indexes would still scan.
    const db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    let text: string;
    try {
      await db.query('BEGIN');
      await db.query('SET LOCAL enable_seqscan = off');
      const plan = await db.query(`EXPLAIN SELECT c.id FROM customers c WHERE (${FULL_NAME_SQL} LIKE 'ann%' OR ${LAST_NAME_SQL} LIKE 'ann%') AND c.merged_into_id IS NULL`);
      text = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
      await db.query('ROLLBACK');
    } finally {
      await db.end();
    }
    expect(text).toContain('customers_full_name_idx');
    expect(text).toContain('customers_last_name_idx');
    expect(text).not.toMatch(/Seq Scan/);
  });
});
