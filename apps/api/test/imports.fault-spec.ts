import { request } from 'node:http';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { eventually, OwnPostgres, startOwnPostgres } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(300_000);

/**
 * The database goes away in the middle of an import (issue 6, item 7). The API runs on a Postgres
 * of this test's own, which the test stops (`-m immediate`) between two parts of a streamed
 * upload: the answer is a 503 that says what was stored, and an atomic import stores nothing.
 */
describe('an import when the database goes away part-way', () => {
  let pg: OwnPostgres;
  let api: ApiTestApp;

  beforeAll(async () => {
    pg = await startOwnPostgres();
    const ds = new DataSource(dataSourceOptions({ url: pg.url }));
    await ds.initialize();
    await ds.runMigrations();
    await ds.destroy();
    api = await startApiTestApp({ env: { DATABASE_URL: pg.url } });
  });
  afterAll(async () => {
    await api?.close();
    await pg?.dispose();
  });

  const rows = (prefix: string, from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `${JSON.stringify({ id: `${prefix}-${from + i}`, city: 'Oslo' })}\n`).join('');

  /** Starts a streamed upload: the caller writes parts, then `finish()` ends it and gives the answer. */
  const streamUpload = (query = '') => {
    const url = new URL(`/v1/customers/import${query}`, api.url);
    let answer!: Promise<{ status: number; body: any }>;
    const req = request(url, { method: 'POST', headers: { ...api.auth('integration'), 'Content-Type': 'application/x-ndjson' } });
    answer = new Promise((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      });
      req.on('error', reject);
    });
    return {
      write: (text: string) => new Promise<void>((done) => (req.write(text) ? done() : req.once('drain', done))),
      finish: () => {
        req.end();
        return answer;
      },
    };
  };

  const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = new Client({ connectionString: pg.url });
    await c.connect();
    try {
      return (await c.query(sql, params)).rows as T[];
    } finally {
      await c.end();
    }
  };
  const countStored = async (prefix: string) =>
    (await query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1 AND external_id LIKE $2`, [IMPORT_CONNECTION_ID, `${prefix}-%`]))[0].n;

  it('answers 503 IMPORT_INTERRUPTED with the report of what was stored (the first batch, through line 1,000)', async () => {
    const upload = streamUpload();
    await upload.write(rows('cut', 1, 1200));
    await eventually(async () => (await countStored('cut')) === 1000, 'the first batch of 1,000 to be stored', 120_000, 200);
    await pg.stop();
    try {
      await upload.write(rows('cut', 1201, 1601));
      const res = await upload.finish();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 'IMPORT_INTERRUPTED',
        message: expect.stringContaining('database'),
        details: [{ field: 'database', code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringContaining('line 1000') }],
        report: { received: 1601, created: 1000, updated: 0, unchanged: 0, rejected: 0, errors: [], lastStoredLine: 1000 },
      });
    } finally {
      await pg.start();
    }
    expect(await countStored('cut')).toBe(1000);
  });

  it('?atomic=true: nothing is stored, and the 503 says so', async () => {
    const upload = streamUpload('?atomic=true');
    await upload.write(rows('all', 1, 1200));
    // The first batch is written inside the open transaction, which then waits for more rows.
    await eventually(
      async () =>
        (await query(`SELECT 1 FROM pg_stat_activity WHERE state = 'idle in transaction' AND query LIKE '%INSERT INTO customers%'`)).length > 0,
      'the first batch to be written in the open transaction',
      120_000,
      200,
    );
    await pg.stop();
    try {
      await upload.write(rows('all', 1201, 1601));
      const res = await upload.finish();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({
        code: 'IMPORT_INTERRUPTED',
        details: [{ field: 'database', message: expect.stringContaining('nothing was stored') }],
        report: { created: 0, updated: 0, lastStoredLine: null },
      });
    } finally {
      await pg.start();
    }
    expect(await countStored('all')).toBe(0);
  });
});
