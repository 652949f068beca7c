import { DataSource } from 'typeorm';
import { PERSONA_CHANGES } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { customerIdByEmail, importCustomers } from './seed';

jest.setTimeout(90_000);

/**
 * Customer data requests (README "Customer data requests"): an export holds everything stored
 * about one customer; an erasure anonymises it (attributes, event properties, rendered deliveries,
 * decision reasons, outcome comments) and keeps every row and count; both are audited without the
 * customer's data in the log.
 */
describe('customer export and erasure', () => {
  let api: ApiTestApp;
  let db: DataSource;
  let customerId: string;
  let otherId: string;
  let eventId: string;
  const EMAIL = 'ann.erasable@x.io';
  const admin = () => api.auth('admin');
  const rowCounts = async () =>
    (
      await db.query(`SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM touchpoint_events)::int AS events,
                             (SELECT count(*) FROM decisions)::int AS decisions, (SELECT count(*) FROM deliveries)::int AS deliveries,
                             (SELECT count(*) FROM outcomes)::int AS outcomes, (SELECT count(*) FROM ${PERSONA_CHANGES} h)::int AS history`)
    )[0];

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await importCustomers(api, [
      { id: 'c-1', attributes: { email: EMAIL, first_name: 'Ann', last_name: 'Erasable', country: 'GB' } },
      { id: 'c-2', attributes: { email: 'bob@x.io', first_name: 'Bob' } },
    ]);
    customerId = await customerIdByEmail(api, EMAIL);
    otherId = await customerIdByEmail(api, 'bob@x.io');
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2)`);
    const events = await api.http
      .post('/v1/events')
      .set(api.auth('integration'))
      .send({
        events: [
          { touchpoint: 'purchase_completed', customer: `email:${EMAIL}`, idempotencyKey: 'order-1', properties: { sku: 'red-shoes', address: '1 Erasable Road' } },
          { touchpoint: 'purchase_completed', customer: 'email:bob@x.io', idempotencyKey: 'order-2', properties: { sku: 'blue-hat' } },
          { touchpoint: 'purchase_completed', customer: `email:${EMAIL}`, idempotencyKey: 'order-3', properties: { sku: 'red-socks' } },
        ],
      })
      .expect(202);
    eventId = events.body.results[0].eventId;
    // The decisions and deliveries as the worker writes them (the worker is not running here).
    for (const [event, customer, status] of [
      [eventId, customerId, 'delivered'],
      [events.body.results[2].eventId, customerId, 'held'],
      [events.body.results[1].eventId, otherId, 'delivered'],
    ]) {
      const [{ id: decisionId }] = await db.query(
        `INSERT INTO decisions (event_id, touchpoint_key, customer_id, treatment_key, outcome, reasons, event_received_at)
         SELECT $1, 'purchase_completed', $2, 'promo', 'treated', $3::jsonb, received_at FROM touchpoint_events WHERE id = $1 RETURNING id::text AS id`,
        [event, customer, JSON.stringify([{ code: 'MATCHED', detail: `email is ${customer === customerId ? EMAIL : 'bob@x.io'}` }])],
      );
      await db.query(
        `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, request, event_received_at)
         SELECT $1, $2, $3, 'promo', 'webhook', 'email', $4, $5, $6::jsonb, received_at FROM touchpoint_events WHERE id = $2`,
        [decisionId, event, customer, `msg_${decisionId}`, status, JSON.stringify({ body: { to: customer === customerId ? EMAIL : 'bob@x.io', name: 'Ann' } })],
      );
    }
    await api.http
      .post('/v1/outcomes')
      .set(api.auth('integration'))
      .send({ outcomes: [{ eventId, type: 'feedback', csat: 2, comment: 'Ann here: the shoes were late', idempotencyKey: 'fb-1' }] })
      .expect(202);
  });
  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  it('exports everything held about the customer, and only about them', async () => {
    const res = await api.http.get(`/v1/customers/email:${EMAIL}/export`).set(admin()).expect(200);
    const e = res.body;
    expect(e.customer).toMatchObject({ id: customerId, external_id: 'c-1', email: EMAIL, stored_attributes: { first_name: 'Ann', country: 'GB' } });
    expect(e.customer.attributes).toMatchObject({ first_name: 'Ann', last_name: 'Erasable' });
    expect(e.view.customer.id).toBe(customerId);
    expect(e.events).toHaveLength(2);
    expect(e.events[0]).toMatchObject({ id: eventId, properties: { sku: 'red-shoes', address: '1 Erasable Road' } });
    expect(e.decisions).toHaveLength(2);
    expect(e.deliveries.map((d: { request: unknown }) => d.request)).toEqual([{ body: { to: EMAIL, name: 'Ann' } }, { body: { to: EMAIL, name: 'Ann' } }]);
    expect(e.outcomes).toEqual([expect.objectContaining({ type: 'feedback', comment: 'Ann here: the shoes were late' })]);
    expect(e.timeline).toHaveLength(2);
    expect(e.timeline.find((t: { id: string }) => t.id === eventId)).toMatchObject({ outcomes: [expect.objectContaining({ comment: 'Ann here: the shoes were late' })] });
    expect(JSON.stringify(e)).not.toContain('bob@x.io');
    for (const k of ['assignments', 'personaHistory', 'mergedRecords', 'aliases', 'treatmentFatigue']) expect(Array.isArray(e[k])).toBe(true);

    await api.http.get(`/v1/customers/${customerId}/export`).set(api.auth('agent')).expect(403);
    await api.http.get(`/v1/customers/999999/export`).set(admin()).expect(404);
  });

  it('erases the customer: personal data gone from every table, rows and counts kept, other customers untouched', async () => {
    const before = await rowCounts();
    const res = await api.http.post(`/v1/customers/email:${EMAIL}/erase`).set(admin()).expect(200);
    expect(res.body).toMatchObject({
      customerId,
      externalId: 'c-1',
      counts: { customers: 1, events: 2, decisions: 2, deliveries: 2, deliveriesStopped: 1, outcomes: 1 },
    });
    expect(await rowCounts()).toEqual(before);

    const everything = JSON.stringify(
      await Promise.all([
        db.query(`SELECT * FROM customers WHERE id = $1`, [customerId]),
        db.query(`SELECT * FROM touchpoint_events WHERE customer_id = $1`, [customerId]),
        db.query(`SELECT * FROM decisions WHERE customer_id = $1`, [customerId]),
        db.query(`SELECT * FROM deliveries WHERE customer_id = $1`, [customerId]),
        db.query(`SELECT * FROM outcomes WHERE customer_id = $1`, [customerId]),
        db.query(`SELECT * FROM audit_log`),
      ]),
    );
    for (const personal of [EMAIL, 'Ann', 'Erasable', 'red-shoes', 'red-socks', '1 Erasable Road', 'shoes were late']) expect(everything).not.toContain(personal);
    const [tomb] = await db.query(`SELECT attributes, email, erased_at, deleted_at, external_id FROM customers WHERE id = $1`, [customerId]);
    expect(tomb).toMatchObject({ attributes: {}, email: null, external_id: 'c-1', erased_at: expect.any(Date), deleted_at: expect.any(Date) });
    // Nothing more goes out about them: the held delivery is stopped.
    expect((await db.query(`SELECT status FROM deliveries WHERE customer_id = $1 ORDER BY id`, [customerId])).map((r: { status: string }) => r.status)).toEqual([
      'delivered',
      'dead',
    ]);
    // A dead letter of theirs cannot be replayed: its request is gone, and so is the person.
    const [{ id: stopped }] = await db.query(`SELECT id::text AS id FROM deliveries WHERE customer_id = $1 AND status = 'dead'`, [customerId]);
    const replay = await api.http.post(`/v1/deliveries/${stopped}/replay`).set(admin()).expect(409);
    expect(replay.body).toMatchObject({ code: 'CUSTOMER_ERASED', details: [{ field: 'id', code: 'CUSTOMER_ERASED' }] });
    expect((await db.query(`SELECT status FROM deliveries WHERE id = $1`, [stopped]))[0].status).toBe('dead');
    // The other customer keeps everything.
    const bob = (await api.http.get(`/v1/customers/${otherId}/export`).set(admin()).expect(200)).body;
    expect(bob.customer.email).toBe('bob@x.io');
    expect(bob.events[0].properties).toEqual({ sku: 'blue-hat' });
    expect(bob.deliveries[0].request).toEqual({ body: { to: 'bob@x.io', name: 'Ann' } });

    // The export after erasure shows the tombstone.
    const after = (await api.http.get(`/v1/customers/${customerId}/export`).set(admin()).expect(200)).body;
    expect(after.customer).toMatchObject({ email: null, stored_attributes: {}, erased_at: expect.any(String) });
    expect(after.events.map((x: { properties: unknown }) => x.properties)).toEqual([{}, {}]);
    expect(after.outcomes[0].comment).toBeNull();
    // The email no longer finds them.
    await api.http.post(`/v1/customers/email:${EMAIL}/erase`).set(admin()).expect(404);
    // Erasing again by id is harmless.
    const again = await api.http.post(`/v1/customers/${customerId}/erase`).set(admin()).expect(200);
    expect(again.body.counts).toMatchObject({ events: 0, decisions: 0, deliveries: 0, deliveriesStopped: 0, outcomes: 0 });
  });

  it('audits exports and erasures by customer id, without the reference or the data', async () => {
    const page = (await api.http.get('/v1/audit').query({ targetType: 'customer', targetId: customerId }).set(admin()).expect(200)).body;
    const actions = page.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(['customer.erase', 'customer.export', 'customer.erase', 'customer.export']);
    const erase = page.items.find((e: { path: string }) => e.path === `/v1/customers/${customerId}/erase`);
    expect(erase).toMatchObject({ method: 'POST', statusCode: 200, after: { customerId, counts: { customers: 1 } } });
    const exp = page.items[page.items.length - 1];
    expect(exp).toMatchObject({ path: `/v1/customers/${customerId}/export`, after: { customerId, rows: { events: 2, deliveries: 2, outcomes: 1 } } });
    expect(JSON.stringify(page)).not.toContain('Erasable');
  });

  it('a file import (no modification stamps) re-imports an erased customer only with other content', async () => {
    const reimport = (attributes: Record<string, unknown>) =>
      api.http
        .post('/v1/customers/import')
        .set(api.auth('integration'))
        .set('Content-Type', 'application/x-ndjson')
        .send(JSON.stringify({ id: 'c-1', attributes }))
        .expect(200);
    const erased = { email: EMAIL, first_name: 'Ann', last_name: 'Erasable', country: 'GB' };
    await reimport(erased);
    const [still] = await db.query(`SELECT attributes, email, erased_at FROM customers WHERE id = $1`, [customerId]);
    expect(still).toMatchObject({ attributes: {}, email: null, erased_at: expect.any(Date) });
    await reimport({ ...erased, country: 'IE' });
    const [back] = await db.query(`SELECT attributes, email, erased_at, deleted_at FROM customers WHERE id = $1`, [customerId]);
    expect(back).toMatchObject({ email: EMAIL, erased_at: null, deleted_at: null, attributes: { country: 'IE', first_name: 'Ann' } });
  });
});
