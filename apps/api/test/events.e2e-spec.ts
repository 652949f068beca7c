import { DataSource } from 'typeorm';
import { IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { customerIdByEmail, importCustomers } from './seed';

/**
 * Touchpoint events in (README "Events in"): committed with an outbox row before the 202, a
 * repeated idempotency key changes nothing, unknown customers/touchpoints are per event, and a
 * malformed request is refused whole naming the field.
 */
describe('POST /v1/events', () => {
  let api: ApiTestApp;
  let db: DataSource;
  let ann: string;

  const post = (body: unknown, role: 'integration' | 'admin' | 'agent' = 'integration') => api.http.post('/v1/events').set(api.auth(role)).send(body as object);
  const counts = async () => {
    const [row] = await db.query(
      `SELECT (SELECT count(*) FROM touchpoint_events)::int AS events, (SELECT count(*) FROM outbox WHERE topic = 'decide-event')::int AS outbox`,
    );
    return row as { events: number; outbox: number };
  };

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    const rows = [
      { id: 'c-1', attributes: { email: 'ann@x.io', first_name: 'Ann' } },
      { id: 'c-2', attributes: { email: 'bob@x.io', first_name: 'Bob' } },
      { id: 'twin-1', attributes: { email: 'twins@x.io' } },
      { id: 'twin-2', attributes: { email: 'twins@x.io' } },
    ];
    await importCustomers(api, rows);
    ann = await customerIdByEmail(api, 'ann@x.io');
    // The touchpoint admin API is another branch's; the journey is seeded directly.
    await db.query(
      `INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2), ('support_call', 'Support call', 'service', 'phone', 3)`,
    );
  });
  afterAll(async () => {
    await db?.destroy();
    await api.close();
  });

  it('stores one event with its outbox row before answering 202, by any customer reference', async () => {
    const before = await counts();
    const res = await post({ touchpoint: 'purchase_completed', customer: 'email:ann@x.io', occurredAt: '2026-12-01T10:00:00Z', properties: { amount: 42, sku: 'A-1' }, idempotencyKey: 'order-1' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicate: 0, rejected: 0, results: [{ index: 0, status: 'accepted' }] });
    const eventId = res.body.results[0].eventId;
    const [event] = await db.query(`SELECT source, touchpoint_key, customer_id::text AS customer_id, occurred_at, properties FROM touchpoint_events WHERE id = $1`, [eventId]);
    expect(event).toMatchObject({ source: 'api', touchpoint_key: 'purchase_completed', customer_id: ann, properties: { amount: 42, sku: 'A-1' } });
    expect(new Date(event.occurred_at).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(await db.query(`SELECT ref FROM outbox WHERE topic = 'decide-event' AND ref = $1`, [eventId])).toHaveLength(1);
    expect(await counts()).toEqual({ events: before.events + 1, outbox: before.outbox + 1 });

    for (const customer of [ann, `id:${ann}`, 'c-1', `import:c-1`, `${IMPORT_CONNECTION_ID}:c-1`]) {
      const r = await post({ touchpoint: 'support_call', customer, idempotencyKey: `ref-${customer}` }, 'admin');
      expect([customer, r.status, r.body.results[0].status]).toEqual([customer, 202, 'accepted']);
    }
  });

  it('acknowledges a repeated idempotency key as duplicate and changes nothing', async () => {
    const body = { touchpoint: 'purchase_completed', customer: 'c-2', properties: { amount: 1 }, idempotencyKey: 'dup-1' };
    const first = await post(body).expect(202);
    const before = await counts();
    const again = await post({ ...body, properties: { amount: 999 } }).expect(202);
    expect(again.body).toMatchObject({ accepted: 0, duplicate: 1, results: [{ status: 'duplicate', eventId: first.body.results[0].eventId }] });
    expect(await counts()).toEqual(before);
    const [row] = await db.query(`SELECT properties FROM touchpoint_events WHERE id = $1`, [first.body.results[0].eventId]);
    expect(row.properties).toEqual({ amount: 1 });
    // Within one batch too: the first is accepted, the repeat names it.
    const batch = await post({ events: [{ ...body, idempotencyKey: 'dup-2' }, { ...body, idempotencyKey: 'dup-2' }] }).expect(202);
    expect(batch.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'duplicate']);
    expect(batch.body.results[1].eventId).toBe(batch.body.results[0].eventId);
  });

  it('stores one event when requests with the same key race', async () => {
    const body = { touchpoint: 'support_call', customer: 'c-1', idempotencyKey: 'race-1' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post({ events: [body] })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const statuses = answers.map((a) => a.body.results[0].status).sort();
    expect(statuses).toEqual(['accepted', ...Array(7).fill('duplicate')]);
    expect(new Set(answers.map((a) => a.body.results[0].eventId)).size).toBe(1);
    expect(await db.query(`SELECT 1 FROM touchpoint_events WHERE source = 'api' AND idempotency_key = 'race-1'`)).toHaveLength(1);
  });

  it('stores one event when single-event requests with the same key race (they may share a group commit)', async () => {
    const body = { touchpoint: 'support_call', customer: 'c-2', idempotencyKey: 'race-single' };
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(body)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    expect(answers.map((a) => a.body.results[0].status).sort()).toEqual(['accepted', ...Array(7).fill('duplicate')]);
    expect(new Set(answers.map((a) => a.body.results[0].eventId)).size).toBe(1);
  });

  it('groups concurrent single-event requests into shared commits, each answered for its own event', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) =>
      i % 10 === 9
        ? { touchpoint: 'no_such_touchpoint', customer: 'c-1', idempotencyKey: `group-${i}` }
        : { touchpoint: 'purchase_completed', customer: i % 2 ? 'c-1' : 'email:bob@x.io', idempotencyKey: `group-${i}`, properties: { i } },
    );
    const answers = await Promise.all(bodies.map((b) => post(b)));
    answers.forEach((a, i) => {
      expect(a.status).toBe(202);
      expect(a.body.results).toHaveLength(1);
      if (i % 10 === 9) expect(a.body.results[0]).toMatchObject({ index: 0, status: 'rejected', code: 'TOUCHPOINT_NOT_FOUND', field: 'touchpoint' });
      else expect(a.body).toMatchObject({ accepted: 1, results: [{ index: 0, status: 'accepted' }] });
    });
    const rows: Array<{ key: string; i: number; tx: string; outbox: number }> = await db.query(
      `SELECT e.idempotency_key AS key, (e.properties->>'i')::int AS i, e.xmin::text AS tx,
              (SELECT count(*) FROM outbox o WHERE o.topic = 'decide-event' AND o.ref = e.id::text)::int AS outbox
         FROM touchpoint_events e WHERE e.idempotency_key LIKE 'group-%'`,
    );
    expect(rows).toHaveLength(36);
    for (const r of rows) expect([r.key, r.outbox]).toEqual([`group-${r.i}`, 1]);
    // Each answer names its own stored event.
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const stored = await db.query(`SELECT id::text AS id, idempotency_key AS key FROM touchpoint_events WHERE idempotency_key LIKE 'group-%'`);
    for (const s of stored as Array<{ id: string; key: string }>) expect(answers[Number(s.key.slice(6))].body.results[0].eventId).toBe(s.id);
    // 36 events committed by fewer transactions than requests: they shared commits.
    expect(new Set([...byKey.values()].map((r) => r.tx)).size).toBeLessThan(36);
  });

  it('reports unknown customers and touchpoints per event and stores the rest of the batch', async () => {
    const before = await counts();
    const res = await post({
      events: [
        { touchpoint: 'purchase_completed', customer: 'c-1', idempotencyKey: 'mix-0' },
        { touchpoint: 'no_such_touchpoint', customer: 'c-1', idempotencyKey: 'mix-1' },
        { touchpoint: 'purchase_completed', customer: 'email:nobody@x.io', idempotencyKey: 'mix-2' },
        { touchpoint: 'purchase_completed', customer: 'email:twins@x.io', idempotencyKey: 'mix-3' },
        { touchpoint: 'support_call', customer: 'c-2', idempotencyKey: 'mix-4' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 3, duplicate: 0 });
    expect(res.body.results.map((r: Record<string, unknown>) => [r.index, r.status, r.code ?? null, r.field ?? null])).toEqual([
      [0, 'accepted', null, null],
      [1, 'rejected', 'TOUCHPOINT_NOT_FOUND', 'events[1].touchpoint'],
      [2, 'rejected', 'CUSTOMER_NOT_FOUND', 'events[2].customer'],
      [3, 'rejected', 'CUSTOMER_REF_AMBIGUOUS', 'events[3].customer'],
      [4, 'accepted', null, null],
    ]);
    expect(await counts()).toEqual({ events: before.events + 2, outbox: before.outbox + 2 });
  });

  it('refuses a malformed request whole, naming the field, and stores nothing', async () => {
    const good = { touchpoint: 'purchase_completed', customer: 'c-1', idempotencyKey: 'bad-0' };
    const before = await counts();
    const cases: Array<[unknown, string, string?]> = [
      [{ events: [good, good, good, { ...good, touchpoint: 7 }] }, 'events[3].touchpoint'],
      [{ events: [good, { ...good, idempotencyKey: undefined }] }, 'events[1].idempotencyKey'],
      [{ events: [{ ...good, customer: 'crm:123' }] }, 'events[0].customer', 'INVALID_CUSTOMER_REF'],
      [{ events: [{ ...good, occurredAt: 'yesterday' }] }, 'events[0].occurredAt'],
      [{ events: [{ ...good, properties: [1, 2] }] }, 'events[0].properties'],
      [{ events: [{ ...good, properties: { blob: 'x'.repeat(17_000) } }] }, 'events[0].properties'],
      [{ events: [{ ...good, extra: 1 }] }, 'events[0].extra'],
      [{ events: [{ ...good, idempotencyKey: 'k'.repeat(201) }] }, 'events[0].idempotencyKey'],
      [{ events: [] }, 'events'],
      [{ events: Array.from({ length: 1001 }, (_, i) => ({ ...good, idempotencyKey: `many-${i}` })) }, 'events'],
      [{ ...good, touchpoint: 'Not A Key' }, 'touchpoint'],
      [{ ...good, customer: '' }, 'customer'],
    ];
    for (const [body, field, code] of cases) {
      const res = await post(body);
      expect([field, res.status]).toEqual([field, 400]);
      expect(res.body).toMatchObject({ code: code ?? expect.any(String), message: expect.any(String) });
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect(await counts()).toEqual(before);
  });

  it('takes a full batch of 1,000 events in one request', async () => {
    const events = Array.from({ length: 1000 }, (_, i) => ({ touchpoint: 'support_call', customer: i % 2 ? 'c-1' : 'email:bob@x.io', properties: { i, note: 'n'.repeat(500) }, idempotencyKey: `full-${i}` }));
    const before = await counts();
    const res = await post({ events });
    expect(res.status).toBe(202);
    expect(res.body.accepted).toBe(1000);
    expect(await counts()).toEqual({ events: before.events + 1000, outbox: before.outbox + 1000 });
  });

  it('is for integration and admin keys only', async () => {
    const res = await post({ touchpoint: 'support_call', customer: 'c-1', idempotencyKey: 'agent-1' }, 'agent');
    expect(res.status).toBe(403);
    expect((await api.http.post('/v1/events').send({})).status).toBe(401);
  });
});
