import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { DataSource } from 'typeorm';
import { SecretBox } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { customerIdByEmail, importCustomers } from './seed';

// Booting the app and dropping its database take longer than jest's 5 s on a busy machine.
jest.setTimeout(60_000);

/**
 * Outcomes in (docs/experience.md "Outcomes in"): stored with everything resolved before the 202,
 * a repeated idempotency key changes nothing, an unknown delivery or event is per outcome, a
 * malformed request is refused whole; destinations' callbacks are verified with the real
 * `standardwebhooks` library (signature, 5-minute replay window).
 */
describe('POST /v1/outcomes and destination callbacks', () => {
  let api: ApiTestApp;
  let db: DataSource;
  let customerId: string;
  let eventId: string;
  let undecidedEventId: string;
  let decisionId: string;
  let deliveryId: string;
  const WEBHOOK_ID = 'msg_outcomes_e2e_1';
  const DESTINATION_ID = '5b0e0f9a-7d3c-4e8a-9f21-6a1c2b3d4e5f';
  const SECRET = `whsec_${randomBytes(32).toString('base64')}`;

  const post = (body: unknown, role: 'integration' | 'admin' | 'agent' = 'integration') => api.http.post('/v1/outcomes').set(api.auth(role)).send(body as object);
  const count = async (sql = `SELECT count(*)::int AS n FROM outcomes`) => (await db.query(sql))[0].n as number;

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await importCustomers(api, [{ id: 'c-1', attributes: { email: 'ann@x.io' } }]);
    customerId = await customerIdByEmail(api, 'ann@x.io');
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2)`);
    const events = await api.http
      .post('/v1/events')
      .set(api.auth('integration'))
      .send({ events: [
        { touchpoint: 'purchase_completed', customer: 'email:ann@x.io', idempotencyKey: 'order-1' },
        { touchpoint: 'purchase_completed', customer: 'email:ann@x.io', idempotencyKey: 'order-2' },
      ] })
      .expect(202);
    [eventId, undecidedEventId] = events.body.results.map((r: { eventId: string }) => r.eventId);
    // The decision and its delivery as the worker writes them (the worker is not running here).
    [{ id: decisionId }] = await db.query(
      `INSERT INTO decisions (event_id, touchpoint_key, customer_id, treatment_key, outcome, event_received_at)
       SELECT $1, 'purchase_completed', $2, 'promo', 'treated', received_at FROM touchpoint_events WHERE id = $1 RETURNING id::text AS id`,
      [eventId, customerId],
    );
    [{ id: deliveryId }] = await db.query(
      `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, delivered_at, event_received_at)
       SELECT $1, $2, $3, 'promo', 'webhook', 'email', $4, 'delivered', now(), received_at FROM touchpoint_events WHERE id = $2 RETURNING id::text AS id`,
      [decisionId, eventId, customerId, WEBHOOK_ID],
    );
    await db.query(`INSERT INTO destinations (id, name, url, secret_encrypted) VALUES ($1, 'survey tool', 'https://survey.example/hook', $2)`, [DESTINATION_ID, api.app.get(SecretBox).seal(SECRET)]);
  });
  afterAll(async () => {
    await db?.destroy();
    await api.close();
  });

  it('stores one outcome against a delivery, with customer, event, decision and delivery resolved; a repeat is a duplicate that changes nothing', async () => {
    const body = { webhookId: WEBHOOK_ID, type: 'opened', occurredAt: '2026-12-06T10:00:00Z', idempotencyKey: 'open-1' };
    const res = await post(body);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 1, duplicate: 0, rejected: 0, results: [{ index: 0, status: 'accepted', outcomeId: expect.any(String) }] });
    const id = res.body.results[0].outcomeId;
    const [row] = await db.query(
      `SELECT source, type, customer_id::text, event_id::text, decision_id::text, delivery_id::text, touchpoint_key, occurred_at FROM outcomes WHERE id = $1`,
      [id],
    );
    expect(row).toMatchObject({ source: 'api', type: 'opened', customer_id: customerId, event_id: eventId, decision_id: decisionId, delivery_id: deliveryId, touchpoint_key: 'purchase_completed' });
    expect(new Date(row.occurred_at).toISOString()).toBe('2026-12-06T10:00:00.000Z');

    const before = await count();
    const again = await post({ ...body, type: 'clicked' }, 'admin');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ accepted: 0, duplicate: 1, results: [{ index: 0, status: 'duplicate', outcomeId: id }] });
    expect(await count()).toBe(before);
    expect((await db.query(`SELECT type FROM outcomes WHERE id = $1`, [id]))[0].type).toBe('opened');
  });

  it('a batch stores what it can: unknown webhook ids and events are rejected one by one, naming the field; feedback gets its outbox row', async () => {
    const before = await count();
    const res = await post({
      outcomes: [
        { eventKey: 'order-1', type: 'converted', value: 49.9, idempotencyKey: 'conv-1' },
        { webhookId: 'msg_nobody', type: 'clicked', idempotencyKey: 'click-x' },
        { eventId, type: 'feedback', csat: 2, nps: 3, comment: 'slow delivery', idempotencyKey: 'fb-1' },
        { eventId: '999999999', type: 'dismissed', idempotencyKey: 'dis-x' },
        { eventKey: 'order-1', eventSource: 'segment:web', type: 'opened', idempotencyKey: 'open-x' },
        { eventKey: 'order-1', type: 'converted', idempotencyKey: 'conv-1' },
        { eventKey: 'order-2', type: 'delivered', idempotencyKey: 'undecided-1' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: 3, duplicate: 1, rejected: 3 });
    expect(res.body.results).toEqual([
      { index: 0, status: 'accepted', outcomeId: expect.any(String) },
      { index: 1, status: 'rejected', code: 'DELIVERY_NOT_FOUND', field: 'outcomes[1].webhookId', message: expect.any(String) },
      { index: 2, status: 'accepted', outcomeId: expect.any(String) },
      { index: 3, status: 'rejected', code: 'EVENT_NOT_FOUND', field: 'outcomes[3].eventId', message: expect.any(String) },
      { index: 4, status: 'rejected', code: 'EVENT_NOT_FOUND', field: 'outcomes[4].eventKey', message: expect.any(String) },
      { index: 5, status: 'duplicate', outcomeId: res.body.results[0].outcomeId },
      { index: 6, status: 'accepted', outcomeId: expect.any(String) },
    ]);
    expect(await count()).toBe(before + 3);
    const [conv] = await db.query(`SELECT value::float8 AS value, delivery_id::text, decision_id::text FROM outcomes WHERE id = $1`, [res.body.results[0].outcomeId]);
    // Against the event: the event's decision, and the delivery of that decision.
    expect(conv).toEqual({ value: 49.9, delivery_id: deliveryId, decision_id: decisionId });
    const feedbackId = res.body.results[2].outcomeId;
    expect(await db.query(`SELECT csat, nps, effort, comment FROM outcomes WHERE id = $1`, [feedbackId])).toEqual([{ csat: 2, nps: 3, effort: null, comment: 'slow delivery' }]);
    expect(await db.query(`SELECT ref FROM outbox WHERE topic = 'feedback-recorded'`)).toEqual([{ ref: feedbackId }]);
    // Not decided yet: no decision, no delivery.
    expect(await db.query(`SELECT decision_id, delivery_id, event_id::text FROM outcomes WHERE id = $1`, [res.body.results[6].outcomeId])).toEqual([
      { decision_id: null, delivery_id: null, event_id: undecidedEventId },
    ]);
  });

  it.each([
    ['feedback without a score', { eventId: '1', type: 'feedback', idempotencyKey: 'k' }, 'csat'],
    ['csat out of range', { eventId: '1', type: 'feedback', csat: 6, idempotencyKey: 'k' }, 'csat'],
    ['nps out of range', { eventId: '1', type: 'feedback', nps: 11, idempotencyKey: 'k' }, 'nps'],
    ['effort out of range', { eventId: '1', type: 'feedback', effort: 0, idempotencyKey: 'k' }, 'effort'],
    ['a comment too long', { eventId: '1', type: 'feedback', csat: 3, comment: 'x'.repeat(2001), idempotencyKey: 'k' }, 'comment'],
    ['a score on an engagement', { eventId: '1', type: 'clicked', csat: 3, idempotencyKey: 'k' }, 'csat'],
    ['a value on a click', { eventId: '1', type: 'clicked', value: 3, idempotencyKey: 'k' }, 'value'],
    ['two references', { eventId: '1', webhookId: 'msg_1', type: 'clicked', idempotencyKey: 'k' }, 'eventId'],
    ['no reference', { type: 'clicked', idempotencyKey: 'k' }, 'webhookId'],
    ['no idempotency key', { eventId: '1', type: 'clicked' }, 'idempotencyKey'],
    ['an unknown type', { eventId: '1', type: 'liked', idempotencyKey: 'k' }, 'type'],
    ['an unknown property', { eventId: '1', type: 'clicked', idempotencyKey: 'k', mood: 'happy' }, 'mood'],
  ])('refuses %s whole, naming the field', async (_what, outcome, fieldName) => {
    const before = await count();
    const res = await post({ outcomes: [{ eventId, type: 'opened', idempotencyKey: 'fine-but-refused' }, outcome] });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(`outcomes[1].${fieldName}`);
    expect(await count()).toBe(before);
  });

  it('refuses an empty or oversized batch, and agents', async () => {
    expect((await post({ outcomes: [] })).status).toBe(400);
    const many = Array.from({ length: 1001 }, (_, i) => ({ eventId, type: 'opened', idempotencyKey: `m-${i}` }));
    expect((await post({ outcomes: many })).status).toBe(400);
    expect((await post({ eventId, type: 'opened', idempotencyKey: 'agent' }, 'agent')).status).toBe(403);
  });

  it("a treatment's response settings: set, shown, kept by a PATCH that omits them, back to the default with null, refused out of range", async () => {
    const admin = api.auth('admin');
    const created = await api.http
      .post('/v1/treatments')
      .set(admin)
      .send({ key: 'nudge', name: 'Nudge', type: 'agent_script', channel: 'phone', config: { script: 'Hi' }, responseWindowHours: 24, ignoredInARow: 2 })
      .expect(201);
    expect(created.body).toMatchObject({ responseWindowHours: 24, ignoredInARow: 2, pauseDays: null });
    await api.http.patch('/v1/treatments/nudge').set(admin).send({ name: 'Nudge 2', pauseDays: 7 }).expect(200);
    expect((await api.http.get('/v1/treatments/nudge').set(admin).expect(200)).body).toMatchObject({ name: 'Nudge 2', responseWindowHours: 24, ignoredInARow: 2, pauseDays: 7 });
    await api.http.patch('/v1/treatments/nudge').set(admin).send({ responseWindowHours: null }).expect(200);
    expect(await db.query(`SELECT response_window_hours, ignored_in_a_row, pause_days FROM treatments WHERE key = 'nudge'`)).toEqual([{ response_window_hours: null, ignored_in_a_row: 2, pause_days: 7 }]);
    for (const bad of [{ responseWindowHours: 0 }, { ignoredInARow: 101 }, { pauseDays: 1.5 }]) {
      const res = await api.http.patch('/v1/treatments/nudge').set(admin).send(bad).expect(400);
      expect(res.body.details[0].field).toBe(Object.keys(bad)[0]);
    }
  });

  describe('signed callbacks', () => {
    const url = `/v1/destinations/${DESTINATION_ID}/callbacks`;
    const signed = (body: unknown, opts: { id?: string; at?: Date; secret?: string } = {}) => {
      const raw = JSON.stringify(body);
      const id = opts.id ?? `cb_${randomBytes(8).toString('hex')}`;
      const at = opts.at ?? new Date();
      return api.http
        .post(url)
        .set('content-type', 'application/json')
        .set('webhook-id', id)
        .set('webhook-timestamp', String(Math.floor(at.getTime() / 1000)))
        .set('webhook-signature', new Webhook(opts.secret ?? SECRET).sign(id, at, raw))
        .send(raw);
    };

    it('a correctly signed callback is stored under the destination as source (no API key)', async () => {
      const res = await signed({ outcomes: [{ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'dest-click-1' }] });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: 1, results: [{ status: 'accepted' }] });
      expect(await db.query(`SELECT source, delivery_id::text FROM outcomes WHERE id = $1`, [res.body.results[0].outcomeId])).toEqual([
        { source: `callback:${DESTINATION_ID}`, delivery_id: deliveryId },
      ]);
    });

    it('the same webhook id sent twice changes nothing the second time', async () => {
      const body = { webhookId: WEBHOOK_ID, type: 'feedback', csat: 5, idempotencyKey: 'dest-fb-1' };
      const first = await signed(body, { id: 'cb_same' });
      expect(first.body).toMatchObject({ accepted: 1 });
      const before = { outcomes: await count(), outbox: await count(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'feedback-recorded'`) };
      const second = await signed(body, { id: 'cb_same' });
      expect(second.status).toBe(202);
      expect(second.body).toMatchObject({ accepted: 0, duplicate: 1, results: [{ status: 'duplicate', outcomeId: first.body.results[0].outcomeId }] });
      expect({ outcomes: await count(), outbox: await count(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'feedback-recorded'`) }).toEqual(before);
    });

    it('refuses a bad signature, another secret, a tampered body and missing headers with 401', async () => {
      const before = await count();
      const wrong = await signed({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'bad-1' }, { secret: `whsec_${randomBytes(32).toString('base64')}` });
      expect(wrong.status).toBe(401);
      expect(wrong.body.code).toBe('CALLBACK_SIGNATURE_INVALID');
      const id = 'cb_tamper';
      const at = new Date();
      const tampered = await api.http
        .post(url)
        .set('content-type', 'application/json')
        .set('webhook-id', id)
        .set('webhook-timestamp', String(Math.floor(at.getTime() / 1000)))
        .set('webhook-signature', new Webhook(SECRET).sign(id, at, JSON.stringify({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'bad-2' })))
        .send(JSON.stringify({ webhookId: WEBHOOK_ID, type: 'converted', idempotencyKey: 'bad-2' }));
      expect(tampered.status).toBe(401);
      expect(tampered.body.code).toBe('CALLBACK_SIGNATURE_INVALID');
      const bare = await api.http.post(url).send({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'bad-3' });
      expect(bare.status).toBe(401);
      expect(bare.body.code).toBe('CALLBACK_SIGNATURE_MISSING');
      expect(await count()).toBe(before);
    });

    it('refuses a replay: correctly signed but more than 5 minutes old', async () => {
      const before = await count();
      const old = await signed({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'old-1' }, { at: new Date(Date.now() - 6 * 60_000) });
      expect(old.status).toBe(401);
      expect(old.body.code).toBe('CALLBACK_TIMESTAMP_STALE');
      // Inside the window it goes through.
      const recent = await signed({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'old-1' }, { at: new Date(Date.now() - 4 * 60_000) });
      expect(recent.status).toBe(202);
      expect(await count()).toBe(before + 1);
    });

    it('an unknown destination is 404; the body is checked like the API', async () => {
      const raw = JSON.stringify({ webhookId: WEBHOOK_ID, type: 'clicked', idempotencyKey: 'x' });
      const res = await api.http.post('/v1/destinations/00000000-0000-4000-8000-000000000000/callbacks').set('content-type', 'application/json').send(raw);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('DESTINATION_NOT_FOUND');
      const bad = await signed({ webhookId: WEBHOOK_ID, type: 'feedback', idempotencyKey: 'nf' });
      expect(bad.status).toBe(400);
      expect(bad.body.details[0].field).toBe('csat');
    });
  });
});
