import { DataSource } from 'typeorm';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { customerIdByEmail, importCustomers } from './seed';

/**
 * A CDP (Segment-spec webhook destination) points at /v1/events/segment/:sourceKey: track calls
 * become touchpoint events by the source's mapping, messageId is the idempotency key, and
 * everything else is acknowledged and ignored (README "Events in").
 */
describe('Segment-spec track and batch', () => {
  let api: ApiTestApp;
  let db: DataSource;
  let bob: string;

  const track = (over: Record<string, unknown> = {}) => ({
    type: 'track',
    event: 'Order Completed',
    messageId: 'm-1',
    userId: 'c-1',
    timestamp: '2026-12-01T09:00:00.000Z',
    properties: { revenue: 30, currency: 'EUR' },
    context: { library: { name: 'analytics.js' } },
    integrations: {},
    ...over,
  });
  const send = (body: unknown, source = 'web', role: 'integration' | 'agent' = 'integration') =>
    api.http.post(`/v1/events/segment/${source}`).set(api.auth(role)).send(body as object);

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    await importCustomers(api, [{ id: 'c-1', attributes: { email: 'ann@x.io' } }, { id: 'c-2', attributes: { email: 'bob@x.io' } }]);
    bob = await customerIdByEmail(api, 'bob@x.io');
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2), ('signup', 'Sign-up', 'consideration', 'web', 3)`);
  });
  afterAll(async () => {
    await db?.destroy();
    await api.close();
  });

  it('lets admins define a source whose mappings name existing touchpoints only', async () => {
    const bad = await api.http.put('/v1/event-sources/web').set(api.auth('admin')).send({ name: 'Website', mappings: { 'Order Completed': 'nope' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'mappings.Order Completed', code: 'TOUCHPOINT_NOT_FOUND' })]);
    const badShape = await api.http.put('/v1/event-sources/web').set(api.auth('admin')).send({ name: 'Website', mappings: { x: 5 }, extra: true });
    expect(badShape.status).toBe(400);
    expect(badShape.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'mappings']);
    expect((await api.http.put('/v1/event-sources/web').set(api.auth('integration')).send({ name: 'W', mappings: {} })).status).toBe(403);

    const ok = await api.http
      .put('/v1/event-sources/web')
      .set(api.auth('admin'))
      .send({ name: 'Website', mappings: { 'Order Completed': 'purchase_completed', 'Signed Up': 'signup' } })
      .expect(200);
    expect(ok.body).toMatchObject({ key: 'web', url: '/v1/events/segment/web', mappings: { 'Order Completed': 'purchase_completed' } });
    expect((await api.http.get('/v1/event-sources').set(api.auth('admin')).expect(200)).body.sources.map((s: { key: string }) => s.key)).toEqual(['web']);
  });

  it('stores a mapped track call once, keyed by messageId', async () => {
    const res = await send(track()).expect(200);
    expect(res.body).toMatchObject({ accepted: 1, results: [{ index: 0, status: 'accepted' }] });
    const [row] = await db.query(`SELECT source, idempotency_key, touchpoint_key, properties, occurred_at FROM touchpoint_events WHERE id = $1`, [res.body.results[0].eventId]);
    expect(row).toMatchObject({ source: 'segment:web', idempotency_key: 'm-1', touchpoint_key: 'purchase_completed', properties: { revenue: 30, currency: 'EUR' } });
    expect(new Date(row.occurred_at).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(await db.query(`SELECT 1 FROM outbox WHERE topic = 'decide-event' AND ref = $1`, [res.body.results[0].eventId])).toHaveLength(1);

    const again = await send(track({ properties: { revenue: 999 } })).expect(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicate: 1, results: [{ status: 'duplicate', eventId: res.body.results[0].eventId }] });
    expect(await db.query(`SELECT 1 FROM touchpoint_events WHERE source = 'segment:web'`)).toHaveLength(1);
  });

  it('takes a batch: unmapped events and other call types are ignored, bad calls rejected alone, email names the customer', async () => {
    const res = await send({
      batch: [
        track({ messageId: 'b-0', event: 'Signed Up', userId: null, anonymousId: 'anon-1', context: { traits: { email: 'Bob@X.io' } } }),
        track({ messageId: 'b-1', event: 'Product Viewed' }),
        { type: 'identify', messageId: 'b-2', userId: 'c-1', traits: { plan: 'pro' } },
        track({ messageId: undefined }),
        track({ messageId: 'b-4', userId: 'c-404' }),
        track({ messageId: 'b-5', userId: undefined, anonymousId: 'anon-2' }),
        track({ messageId: 'b-6', timestamp: 'not a date' }),
      ],
      sentAt: '2026-12-01T09:00:01.000Z',
    }).expect(200);
    expect(res.body.results.map((r: Record<string, unknown>) => [r.index, r.status, r.code ?? r.reason ?? null, r.field ?? null])).toEqual([
      [0, 'accepted', null, null],
      [1, 'ignored', expect.stringMatching(/not mapped/), null],
      [2, 'ignored', expect.stringMatching(/only "track"/), null],
      [3, 'rejected', 'MESSAGE_ID_REQUIRED', 'batch[3].messageId'],
      [4, 'rejected', 'CUSTOMER_NOT_FOUND', 'batch[4].userId'],
      [5, 'rejected', 'CUSTOMER_REQUIRED', 'batch[5].userId'],
      [6, 'rejected', 'INVALID_TIMESTAMP', 'batch[6].timestamp'],
    ]);
    const [row] = await db.query(`SELECT customer_id::text AS c, touchpoint_key FROM touchpoint_events WHERE id = $1`, [res.body.results[0].eventId]);
    expect(row).toEqual({ c: bob, touchpoint_key: 'signup' });
  });

  it('refuses an unknown source, an over-long batch, agent keys and a bad source key', async () => {
    expect((await send(track(), 'mobile')).body).toMatchObject({ code: 'EVENT_SOURCE_NOT_FOUND' });
    expect((await send(track(), 'mobile')).status).toBe(404);
    const long = await send({ batch: Array.from({ length: 1001 }, (_, i) => track({ messageId: `l-${i}` })) });
    expect([long.status, long.body.details?.[0]?.field]).toEqual([400, 'batch']);
    expect((await send(track(), 'web', 'agent')).status).toBe(403);
    const badKey = await send(track(), 'Not%20A%20Key');
    expect([badKey.status, badKey.body.details?.[0]?.field]).toEqual([400, 'sourceKey']);
  });
});
