import { Job, Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUE } from '@corridor/contracts';
import { queuePrefix } from '@corridor/jobs';
import { IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

describe('customer import', () => {
  let api: ApiTestApp;
  let db: Client;
  let segmentation: Queue;

  beforeAll(async () => {
    api = await startApiTestApp();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    // A queue handle of our own under the test's Redis prefix: what a worker would see.
    segmentation = new Queue(QUEUE.segmentationLive, { connection: { url: api.ctx.redisUrl }, prefix: queuePrefix(api.ctx.redisPrefix, QUEUE.segmentationLive) });
    await api.http.post('/v1/attributes').set(api.auth('admin')).send({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'] }).expect(201);
  });
  afterAll(async () => {
    await segmentation.close();
    await db.end();
    await api.close();
  });

  const upload = (body: string, contentType: string, query = '') =>
    api.http.post(`/v1/customers/import${query}`).set(api.auth('integration')).set('Content-Type', contentType).send(body);
  const stored = async (externalId: string) =>
    (await db.query(`SELECT attributes FROM customers WHERE connection_id = $1 AND external_id = $2`, [IMPORT_CONNECTION_ID, externalId]))
      .rows[0]?.attributes;
  const takeJobs = async (): Promise<Array<Job<{ customerIds: string[]; cause: string }>>> => {
    const jobs = await segmentation.getJobs(['waiting', 'prioritized', 'delayed', 'paused']);
    await segmentation.drain();
    return jobs.filter((j) => j.name === 'evaluate-customers');
  };

  it('imports JSON Lines: good rows land, bad rows are reported by line and field', async () => {
    const lines = [
      JSON.stringify({ id: 'j1', attributes: { email: 'Ann@Example.com', plan: 'pro', tags: ['vip'] } }),
      JSON.stringify({ id: 'j2', first_name: 'Bob', employees: 12 }),
      '',
      JSON.stringify({ email: 'no-id@example.com' }),
      '{"id": "j4", "city": ',
      JSON.stringify({ id: 'j5', favourite_colour: 'red', company: { name: 'Acme' } }),
      JSON.stringify({ external_id: 'j6', email_opt_out: true }),
    ];
    const res = await upload(lines.join('\n'), 'application/x-ndjson');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      received: 6,
      created: 3,
      updated: 0,
      unchanged: 0,
      rejected: 3,
      errors: [
        { line: 4, field: 'id', message: 'id is required' },
        { line: 5, field: '(row)', message: expect.stringMatching(/^malformed JSON/) },
        { line: 6, field: 'favourite_colour', message: expect.stringContaining('unknown attribute') },
        { line: 6, field: 'company', message: expect.stringContaining('nested objects') },
      ],
    });
    expect(await stored('j1')).toEqual({ email: 'Ann@Example.com', plan: 'pro', tags: ['vip'] });
    expect(await stored('j6')).toEqual({ email_opt_out: true });
    for (const rejected of ['j4', 'j5']) expect(await stored(rejected)).toBeUndefined();

    const jobs = await takeJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0].data.cause).toBe('new_customer');
    expect(jobs[0].data.customerIds).toHaveLength(3);
  });

  it('imports CSV: header names the attributes, empty cells are unset, quoted cells keep commas', async () => {
    const csv = ['id,email,city,plan', 'c1,c1@example.com,"Oslo, NO",free', 'c2,,Bergen,', 'c3,c3@example.com,Oslo,pro,extra', 'c4,x@example.com,,pro'].join('\r\n');
    const res = await upload(csv, 'text/csv; charset=utf-8');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: 4, created: 3, rejected: 1, errors: [{ line: 4, field: '(row)', message: expect.stringContaining('Invalid Record Length') }] });
    expect(await stored('c1')).toEqual({ email: 'c1@example.com', city: 'Oslo, NO', plan: 'free' });
    expect(await stored('c2')).toEqual({ city: 'Bergen' });
    await takeJobs();
  });

  it('rejects unknown columns by name, or drops them with ?unknown=ignore', async () => {
    const csv = 'id,shoe_size,city\ns1,44,Rome\n';
    expect((await upload(csv, 'text/csv')).body).toMatchObject({ rejected: 1, errors: [{ line: 2, field: 'shoe_size' }] });
    expect((await upload(csv, 'text/csv', '?unknown=ignore')).body).toMatchObject({ created: 1, rejected: 0 });
    expect(await stored('s1')).toEqual({ city: 'Rome' });
    expect((await upload(csv, 'text/csv', '?unknown=maybe')).body.details[0].field).toBe('unknown');
    await takeJobs();
  });

  it('refuses a CSV without an id column before storing anything', async () => {
    const res = await upload('email\nnobody@example.com\n', 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'CSV_HEADER_INVALID', details: [{ field: 'id', code: 'CSV_ID_COLUMN_MISSING' }] });
  });

  it('counts unchanged rows, queues changed ones as data_change, and lets the last of a repeated id win', async () => {
    const body = [
      JSON.stringify({ id: 'j1', attributes: { email: 'Ann@Example.com', plan: 'pro', tags: ['vip'] } }), // as stored
      JSON.stringify({ id: 'j2', first_name: 'Robert', employees: 12 }), // changed
      JSON.stringify({ id: 'n1', city: 'Lyon' }),
      JSON.stringify({ id: 'n1', city: 'Nice' }), // same id again: last wins
    ].join('\n');
    const res = await upload(`${body}\n`, 'application/jsonl');
    expect(res.body).toMatchObject({ received: 4, created: 1, updated: 2, unchanged: 1, rejected: 0, errors: [] });
    expect(await stored('n1')).toEqual({ city: 'Nice' });
    const jobs = await takeJobs();
    const byCause: Record<string, number> = {};
    for (const j of jobs) byCause[j.data.cause] = (byCause[j.data.cause] ?? 0) + j.data.customerIds.length;
    // n1 was created, then changed by its second row (next batch): queued twice, which is harmless.
    expect(byCause).toEqual({ new_customer: 1, data_change: 2 });
  });

  it('streams a body far over the JSON limit in batches, queueing ids in chunks of at most 1,000', async () => {
    const filler = 'x'.repeat(600);
    const rows = Array.from({ length: 2500 }, (_, i) => JSON.stringify({ id: `bulk-${i}`, company: `${filler}${i}` }));
    const body = rows.join('\n');
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await upload(body, 'application/x-ndjson');
    expect(res.body).toMatchObject({ received: 2500, created: 2500, rejected: 0 });
    const jobs = await takeJobs();
    expect(jobs.every((j) => j.data.cause === 'new_customer' && j.data.customerIds.length <= 1000)).toBe(true);
    expect(jobs.reduce((n, j) => n + j.data.customerIds.length, 0)).toBe(2500);
    expect(jobs.length).toBe(3);
  });

  it('is for integration and admin keys only', async () => {
    const res = await api.http.post('/v1/customers/import').set(api.auth('agent')).set('Content-Type', 'text/csv').send('id\nx\n');
    expect(res.status).toBe(403);
    expect((await api.http.post('/v1/customers/import').set(api.auth('admin')).set('Content-Type', 'text/csv').send('id\nadm\n')).status).toBe(200);
  });

  describe('a bad row in a later batch is reported and skipped (issue 6, items 7 and 9)', () => {
    it('a NUL byte at row 1,501 of 1,601: 200, the row rejected by line and field, every other row stored', async () => {
      const rows = Array.from({ length: 1601 }, (_, i) => ({ id: `nul-${i + 1}`, city: i + 1 === 1501 ? 'Os\u0000lo' : 'Oslo' }));
      const res = await upload(rows.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: 1601, created: 1600, rejected: 1, errors: [{ line: 1501, field: 'city', message: expect.stringContaining('NUL') }] });
      expect(await stored('nul-1501')).toBeUndefined();
      expect(await stored('nul-1601')).toEqual({ city: 'Oslo' });
      await takeJobs();
    });

    it('NUL bytes in a CSV cell or column name, unpaired surrogates in ids, names and values: each row rejected naming its field', async () => {
      const csv = await upload('id,city\nok-1,Oslo\nbad-1,Ber\u0000gen\nok-2,Rome\n', 'text/csv');
      expect(csv.status).toBe(200);
      expect(csv.body).toMatchObject({ created: 2, rejected: 1, errors: [{ line: 3, field: 'city' }] });

      const header = await upload('id,ci\u0000ty\nx,Oslo\n', 'text/csv');
      expect(header.status).toBe(400);
      expect(header.body).toMatchObject({ code: 'CSV_HEADER_INVALID', details: [{ field: 'header[1]', code: 'CSV_COLUMN_NAME_INVALID' }] });

      // JSON can spell a lone surrogate with an escape; Postgres' jsonb refuses it.
      const body = ['{"id":"s\\ud800"}', '{"id":"s-2","city":"x\\udc00"}', '{"id":"s-3","tags":["ok","\\ud83d"]}', '{"id":"s-4","city":"Oslo \\ud83d\\ude00"}'].join('\n');
      const json = await upload(body, 'application/x-ndjson');
      expect(json.status).toBe(200);
      expect(json.body).toMatchObject({
        created: 1,
        rejected: 3,
        errors: [
          { line: 1, field: 'id', message: expect.stringContaining('surrogate') },
          { line: 2, field: 'city' },
          { line: 3, field: 'tags' },
        ],
      });
      expect(await stored('s-4')).toEqual({ city: 'Oslo \u{1F600}' });
      await takeJobs();
    });
  });

  describe('?atomic=true: all or nothing (issue 6, item 7)', () => {
    it('a rejected row stores nothing: 400 IMPORT_ROWS_REJECTED naming the line and field, with the report', async () => {
      const rows = Array.from({ length: 1601 }, (_, i) => JSON.stringify({ id: `atomic-${i + 1}`, city: i + 1 === 1501 ? 'Os\u0000lo' : 'Oslo' }));
      const res = await upload(rows.join('\n'), 'application/x-ndjson', '?atomic=true');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        code: 'IMPORT_ROWS_REJECTED',
        details: [{ field: 'line 1501: city', code: 'IMPORT_ROW_INVALID' }],
        report: { received: 1601, created: 0, updated: 0, rejected: 1 },
      });
      const { rows: [{ n }] } = await db.query(`SELECT count(*)::int AS n FROM customers WHERE external_id LIKE 'atomic-%'`);
      expect(n).toBe(0);
      expect(await takeJobs()).toHaveLength(0);
    });

    it('a clean file is stored whole, in one transaction, and queued after it commits', async () => {
      const rows = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: `atomic-ok-${i}`, city: 'Oslo' }));
      const res = await upload(rows.join('\n'), 'application/x-ndjson', '?atomic=true');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ received: 1500, created: 1500, rejected: 0 });
      const jobs = await takeJobs();
      expect(jobs.reduce((n, j) => n + j.data.customerIds.length, 0)).toBe(1500);
      expect((await upload('id\nx\n', 'text/csv', '?atomic=yes')).body.details[0].field).toBe('atomic');
    });
  });

  describe('CSV size limits (issue 6, item 15)', () => {
    it('one 5 MB cell is one rejected row, and the rows after it are read and stored', async () => {
      const csv = `id,city\nbig-1,Oslo\nbig-2,${'y'.repeat(5 * 1024 * 1024)}\nbig-3,Rome\n`;
      const res = await upload(csv, 'text/csv');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        received: 3,
        created: 2,
        updated: 0,
        unchanged: 0,
        rejected: 1,
        errors: [{ line: 3, field: '(row)', message: expect.stringContaining('longer than') }],
      });
      expect(await stored('big-3')).toEqual({ city: 'Rome' });
      await takeJobs();
    });

    it('a cell over the value limit (64 KiB) is rejected naming its column', async () => {
      const res = await upload(`id,city\nwide-1,${'w'.repeat(70 * 1024)}\nwide-2,Oslo\n`, 'text/csv');
      expect(res.body).toMatchObject({ received: 2, created: 1, rejected: 1, errors: [{ line: 2, field: 'city', message: expect.stringContaining('at most') }] });
      await takeJobs();
    });

    it('an oversized header is a clear 400 and stores nothing', async () => {
      const res = await upload(`id,${'h'.repeat(2 * 1024 * 1024)}\nhdr-1,x\n`, 'text/csv');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'CSV_HEADER_INVALID', details: [{ field: 'header', code: 'CSV_HEADER_TOO_LONG' }] });
      expect(await stored('hdr-1')).toBeUndefined();
    });
  });

  describe('merge by default, ?mode=replace on request (issue 6, item 24)', () => {
    it('a later CSV without a tags column keeps the tags; an empty cell or null clears an attribute', async () => {
      await upload(JSON.stringify({ id: 'm-1', email: 'm1@example.com', city: 'Oslo', tags: ['vip'], plan: 'pro' }), 'application/x-ndjson').expect(200);
      const res = await upload('id,city,plan\nm-1,Bergen,\n', 'text/csv');
      expect(res.body).toMatchObject({ updated: 1, rejected: 0 });
      expect(await stored('m-1')).toEqual({ email: 'm1@example.com', city: 'Bergen', tags: ['vip'] });

      await upload(JSON.stringify({ id: 'm-1', attributes: { tags: null } }), 'application/x-ndjson').expect(200);
      expect(await stored('m-1')).toEqual({ email: 'm1@example.com', city: 'Bergen' });

      // The same values again change nothing.
      expect((await upload('id,city\nm-1,Bergen\n', 'text/csv')).body).toMatchObject({ unchanged: 1, updated: 0 });
      await takeJobs();
    });

    it('?mode=replace makes the row the whole attribute set', async () => {
      await upload(JSON.stringify({ id: 'r-1', email: 'r1@example.com', city: 'Oslo', tags: ['vip'] }), 'application/x-ndjson').expect(200);
      const res = await upload('id,city\nr-1,Rome\n', 'text/csv', '?mode=replace');
      expect(res.body).toMatchObject({ updated: 1 });
      expect(await stored('r-1')).toEqual({ city: 'Rome' });
      expect((await upload('id\nx\n', 'text/csv', '?mode=upsert')).body.details[0].field).toBe('mode');
      await takeJobs();
    });
  });
});

