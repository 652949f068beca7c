import { ApiTestApp, startApiTestApp } from './api-test-app';

describe('attribute catalog API', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('lists canonical attributes with type, enum values and source (agents may read)', async () => {
    const res = await api.http.get('/v1/attributes').set(api.auth('agent'));
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.items.map((a: { name: string }) => [a.name, a]));
    expect(byName.email).toMatchObject({ type: 'string', source: 'canonical', label: null });
    expect(byName.lifecycle_stage).toMatchObject({ type: 'enum', source: 'canonical', enumValues: expect.arrayContaining(['lead', 'customer']) });
    expect(byName.tags).toMatchObject({ type: 'string_list' });
  });

  it('lets an integration key read the catalog it imports against, and nothing more', async () => {
    const list = await api.http.get('/v1/attributes').set(api.auth('integration'));
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { name: string }) => a.name)).toContain('email');
    const one = await api.http.get('/v1/attributes/email').set(api.auth('integration'));
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'email', type: 'string' });
    const create = await api.http.post('/v1/attributes').set(api.auth('integration')).send({ name: 'plan_x', type: 'string' });
    expect(create.status).toBe(403);
    expect(create.body.code).toBe('FORBIDDEN');
    expect((await api.http.patch('/v1/attributes/email').set(api.auth('integration')).send({ label: 'x' })).status).toBe(403);
    expect((await api.http.delete('/v1/attributes/email').set(api.auth('integration'))).status).toBe(403);
  });

  it('creates, reads, updates and deletes a custom attribute', async () => {
    const created = await api.http
      .post('/v1/attributes')
      .set(api.auth('admin'))
      .send({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'], label: 'Plan' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'plan', type: 'enum', enumValues: ['free', 'pro'], source: 'custom', label: 'Plan', description: null });

    expect((await api.http.get('/v1/attributes/plan').set(api.auth('agent'))).body).toMatchObject({ name: 'plan', source: 'custom' });

    const updated = await api.http
      .patch('/v1/attributes/plan')
      .set(api.auth('admin'))
      .send({ enumValues: ['free', 'pro', 'team'], description: 'Billing plan', label: null });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ enumValues: ['free', 'pro', 'team'], description: 'Billing plan', label: null });

    expect((await api.http.delete('/v1/attributes/plan').set(api.auth('admin'))).status).toBe(204);
    expect((await api.http.get('/v1/attributes/plan').set(api.auth('agent'))).status).toBe(404);
  });

  it('answers 409 on an existing name, canonical ones included', async () => {
    await api.http.post('/v1/attributes').set(api.auth('admin')).send({ name: 'score', type: 'number' }).expect(201);
    for (const name of ['score', 'email']) {
      const res = await api.http.post('/v1/attributes').set(api.auth('admin')).send({ name, type: 'number' });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ code: 'ATTRIBUTE_EXISTS', details: [{ field: 'name', code: 'ATTRIBUTE_EXISTS' }] });
    }
  });

  it('answers 400 naming the field for bad definitions', async () => {
    const cases: Array<[object, string, string]> = [
      [{ name: 'tier', type: 'enum' }, 'enumValues', 'ENUM_VALUES_REQUIRED'],
      [{ name: 'tier', type: 'enum', enumValues: [] }, 'enumValues', 'ENUM_VALUES_REQUIRED'],
      [{ name: 'tier', type: 'enum', enumValues: ['a', 'a'] }, 'enumValues[1]', 'DUPLICATE_ENUM_VALUE'],
      [{ name: 'tier', type: 'string', enumValues: ['a'] }, 'enumValues', 'ENUM_VALUES_NOT_ALLOWED'],
      [{ name: '9lives', type: 'string' }, 'name', 'matches'],
      [{ name: 'external_id', type: 'string' }, 'name', 'RESERVED_NAME'],
      [{ name: 'tier', type: 'money' }, 'type', 'isIn'],
      [{ name: 'tier', type: 'enum', enumValues: [1] }, 'enumValues', 'isString'],
    ];
    for (const [body, field, code] of cases) {
      const res = await api.http.post('/v1/attributes').set(api.auth('admin')).send(body);
      expect({ body, status: res.status, code: res.body.code, details: res.body.details }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
        details: expect.arrayContaining([expect.objectContaining({ field, code })]),
      });
    }
  });

  it('refuses to remove enum values, to change canonical values, and to delete non-custom attributes', async () => {
    await api.http.post('/v1/attributes').set(api.auth('admin')).send({ name: 'segment', type: 'enum', enumValues: ['a', 'b'] }).expect(201);
    const removed = await api.http.patch('/v1/attributes/segment').set(api.auth('admin')).send({ enumValues: ['a'] });
    expect(removed.status).toBe(400);
    expect(removed.body.details).toEqual([expect.objectContaining({ field: 'enumValues', code: 'ENUM_VALUE_REMOVED' })]);

    const canonical = await api.http.patch('/v1/attributes/lifecycle_stage').set(api.auth('admin')).send({ enumValues: ['lead', 'x'] });
    expect(canonical.status).toBe(400);
    expect(canonical.body.details[0]).toMatchObject({ field: 'enumValues', code: 'ATTRIBUTE_READ_ONLY' });

    const relabel = await api.http.patch('/v1/attributes/email').set(api.auth('admin')).send({ label: 'E-mail' });
    expect(relabel.body).toMatchObject({ name: 'email', label: 'E-mail', source: 'canonical' });

    const del = await api.http.delete('/v1/attributes/email').set(api.auth('admin'));
    expect(del.status).toBe(409);
    expect(del.body).toMatchObject({ code: 'ATTRIBUTE_READ_ONLY', details: [{ field: 'name' }] });
    expect((await api.http.delete('/v1/attributes/nothing_here').set(api.auth('admin'))).status).toBe(404);
    expect((await api.http.patch('/v1/attributes/nothing_here').set(api.auth('admin')).send({ label: 'x' })).status).toBe(404);
  });

  it('is read-only for agents', async () => {
    expect((await api.http.post('/v1/attributes').set(api.auth('agent')).send({ name: 'x', type: 'string' })).status).toBe(403);
    expect((await api.http.delete('/v1/attributes/score').set(api.auth('agent'))).status).toBe(403);
  });

  it('defines behavioural attributes: typed number, validated per kind, deletable with their values', async () => {
    const { DataSource } = await import('typeorm');
    const db = api.app.get(DataSource);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('support_ticket', 'Support ticket', 'service', 'phone', 9)`);
    const created = await api.http
      .post('/v1/attributes/behaviour')
      .set(api.auth('admin'))
      .send({ name: 'support_tickets_30d', kind: 'event_count', touchpoint: 'support_ticket', days: 30, label: 'Tickets (30 days)' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'support_tickets_30d',
      type: 'number',
      source: 'behaviour',
      label: 'Tickets (30 days)',
      behaviour: { kind: 'event_count', touchpoint: 'support_ticket', days: 30 },
    });
    expect((await api.http.get('/v1/attributes/support_tickets_30d').set(api.auth('agent'))).body.behaviour).toEqual({ kind: 'event_count', touchpoint: 'support_ticket', days: 30 });
    await api.http.post('/v1/attributes/behaviour').set(api.auth('admin')).send({ name: 'csat_last', kind: 'last_csat' }).expect(201);

    const bad = async (body: object) => (await api.http.post('/v1/attributes/behaviour').set(api.auth('admin')).send(body)).body;
    expect(await bad({ name: 'x', kind: 'event_count', touchpoint: 'support_ticket' })).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'days', code: 'INVALID_DAYS' }] });
    expect(await bad({ name: 'x', kind: 'event_count', touchpoint: 'nope', days: 7 })).toMatchObject({ details: [{ field: 'touchpoint', code: 'TOUCHPOINT_NOT_FOUND' }] });
    expect(await bad({ name: 'x', kind: 'last_nps', touchpoint: 'support_ticket' })).toMatchObject({ details: [{ field: 'touchpoint', code: 'TOUCHPOINT_NOT_ALLOWED' }] });
    expect((await bad({ name: 'x', kind: 'sum' })).details[0].field).toBe('kind');
    expect((await bad({ name: 'x', kind: 'event_count', touchpoint: 'support_ticket', days: 400 })).details[0].field).toBe('days');
    expect(await bad({ name: 'email', kind: 'last_nps' })).toMatchObject({ code: 'ATTRIBUTE_EXISTS' });
    expect((await api.http.post('/v1/attributes/behaviour').set(api.auth('agent')).send({ name: 'y', kind: 'last_nps' })).status).toBe(403);

    // Deleting one drops its computed values too.
    await db.query(`INSERT INTO customer_behaviour (customer_id, values) VALUES (42, '{"csat_last": 4, "support_tickets_30d": 1}')`);
    expect((await api.http.delete('/v1/attributes/csat_last').set(api.auth('admin'))).status).toBe(204);
    expect((await db.query(`SELECT values FROM customer_behaviour WHERE customer_id = 42`))[0].values).toEqual({ support_tickets_30d: 1 });
  });
});
