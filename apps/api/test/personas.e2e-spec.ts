import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { eventually } from '@corridor/testing';
import { WorkerModule } from '../../worker/src/worker.module';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { importCustomers } from './seed';

/**
 * The admin's and the agent's journey over HTTP, with a real worker: define personas, preview,
 * publish, and read a customer's persona, explanation and history.
 */
describe('personas, publishing and the customer view', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  const admin = () => api.auth('admin');

  beforeAll(async () => {
    api = await startApiTestApp();
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  });
  afterAll(async () => {
    await worker.close();
    await api.close();
  });

  const vip = { all: [{ attribute: 'total_revenue', operator: 'gte', value: 50000 }, { attribute: 'country', operator: 'in', value: ['US', 'CA'] }] };
  const europe = { attribute: 'country', operator: 'in', value: ['GB', 'DE', 'FR'] };

  it('refuses a bad rule with 400s that name the path and the problem', async () => {
    const res = await api.http
      .post('/v1/personas')
      .set(admin())
      .send({ key: 'vip', name: 'VIP', rule: { all: [{ attribute: 'total_revenu', operator: 'gte', value: 1 }, { attribute: 'country', operator: 'gt', value: 'US' }] } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('RULE_INVALID');
    const byField = Object.fromEntries(res.body.details.map((d: { field: string; message: string }) => [d.field, d.message]));
    expect(byField['rule.$.all[0]']).toMatch(/total_revenue/); // the closest known name
    expect(Object.keys(byField)).toContain('rule.$.all[1]');
    const badKey = await api.http.post('/v1/personas').set(admin()).send({ key: 'VIP!', name: 'x', rule: vip });
    expect(badKey.status).toBe(400);
    expect(badKey.body.details[0].field).toBe('key');
    expect((await api.http.get('/v1/personas').set(admin())).body.personas).toHaveLength(1); // only the fallback
  });

  it('validates a rule without storing it', async () => {
    const ok = await api.http.post('/v1/personas/validate').set(admin()).send({ rule: vip }).expect(200);
    expect(ok.body).toEqual({ valid: true, attributes: ['country', 'total_revenue'] });
    const bad = await api.http.post('/v1/personas/validate').set(admin()).send({ rule: { any: [] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0]).toMatchObject({ field: 'rule.$', code: 'EMPTY_GROUP' });
  });

  it('creates, reorders, disables and versions personas; the fallback stays last', async () => {
    await api.http.post('/v1/personas').set(admin()).send({ key: 'europe', name: 'Europe', rule: europe }).expect(201);
    const created = await api.http.post('/v1/personas').set(admin()).send({ key: 'vip', name: 'VIP', rule: vip, priority: 1 }).expect(201);
    expect(created.body).toMatchObject({ key: 'vip', priority: 1, version: 1 });
    let list = (await api.http.get('/v1/personas').set(api.auth('agent')).expect(200)).body.personas;
    expect(list.map((p: { key: string }) => p.key)).toEqual(['vip', 'europe', 'everyone_else']);

    await api.http.put('/v1/personas/order').set(admin()).send({ keys: ['europe', 'vip'] }).expect(200);
    await api.http.put('/v1/personas/order').set(admin()).send({ keys: ['europe'] }).expect(400);
    await api.http.patch('/v1/personas/europe').set(admin()).send({ enabled: false }).expect(200);
    await api.http.patch('/v1/personas/europe').set(admin()).send({ enabled: true, description: 'EU buyers' }).expect(200);
    await api.http.put('/v1/personas/order').set(admin()).send({ keys: ['vip', 'europe'] }).expect(200);
    list = (await api.http.get('/v1/personas').set(admin())).body.personas;
    expect(list.map((p: { key: string; priority: number | null }) => [p.key, p.priority])).toEqual([['vip', 1], ['europe', 2], ['everyone_else', null]]);

    const versions = (await api.http.get('/v1/personas/europe/versions').set(admin()).expect(200)).body.versions;
    // Only europe's own changes: being moved by vip's creation and by two reorders is not one.
    expect(versions.map((v: { version: number; change: string }) => [v.version, v.change])).toEqual([
      [3, 'enable'],
      [2, 'disable'],
      [1, 'create'],
    ]);
    const vipVersions = (await api.http.get('/v1/personas/vip/versions').set(admin()).expect(200)).body.versions;
    expect(vipVersions.map((v: { version: number; change: string }) => [v.version, v.change])).toEqual([[1, 'create']]);
    // The order is recorded once per change, at the set level (the refused reorder left no trace).
    const order = (await api.http.get('/v1/personas/order').set(admin()).expect(200)).body;
    expect(order.keys).toEqual(['vip', 'europe']);
    expect(order.history.map((o: { version: number; change: string; personaKey: string | null; keys: string[] }) => [o.version, o.change, o.personaKey, o.keys])).toEqual([
      [5, 'reorder', null, ['vip', 'europe']],
      [4, 'reorder', null, ['europe', 'vip']],
      [3, 'create', 'vip', ['vip', 'europe']],
      [2, 'create', 'europe', ['europe']],
      [1, 'initial', null, []],
    ]);
    // Asking for the order it already has changes nothing.
    await api.http.put('/v1/personas/order').set(admin()).send({ keys: ['vip', 'europe'] }).expect(200);
    expect((await api.http.get('/v1/personas/order').set(admin())).body.version).toBe(5);
    await api.http.get('/v1/personas/order').set(api.auth('agent')).expect(403);
    const reserved = await api.http.post('/v1/personas').set(admin()).send({ key: 'order', name: 'Order', rule: vip });
    expect([reserved.status, reserved.body.details?.[0]]).toMatchObject([400, { field: 'key', code: 'PERSONA_KEY_RESERVED' }]);
    const fallback = await api.http.patch('/v1/personas/everyone_else').set(admin()).send({ rule: vip });
    expect(fallback.status).toBe(400);
    expect(fallback.body.details[0]).toMatchObject({ field: 'rule', code: 'FALLBACK_IMMUTABLE' });
    await api.http.post('/v1/personas').set(api.auth('agent')).send({ key: 'x', name: 'x', rule: vip }).expect(403);
  });

  it('previews the draft over every customer, then publishes it; customers show persona, explanation and history', async () => {
    const rows = [
      { id: 'ann', attributes: { email: 'ann@x.io', country: 'US', total_revenue: 90000 } },
      { id: 'bob', attributes: { email: 'bob@x.io', country: 'GB', total_revenue: 120000 } },
      { id: 'cat', attributes: { email: 'cat@x.io', country: 'BR', total_revenue: 10 } },
    ];
    await importCustomers(api, rows);
    // Imported customers are segmented incrementally under the live set (only the fallback yet).
    const ann = await eventually(async () => {
      const found = (await api.http.get('/v1/customers').query({ email: 'ANN@x.io' }).set(api.auth('agent'))).body.customers[0];
      if (!found) return null;
      const view = (await api.http.get(`/v1/customers/${found.id}`).set(api.auth('agent'))).body;
      return view.persona ? view : null;
    }, 'ann to be segmented');
    expect(ann.persona.key).toBe('everyone_else');

    const preview = await api.http.post('/v1/personas/preview').set(admin()).send({ wait: 30 }).expect(200);
    expect(preview.body).toMatchObject({
      kind: 'preview',
      status: 'completed',
      progress: { total: 3, done: 3, percent: 100 },
      result: { total: 3, perPersona: { vip: 1, europe: 1, everyone_else: 1 }, transitions: { everyone_else: { vip: 1, europe: 1, everyone_else: 1 } }, moved: 2 },
    });
    // A preview of an inline draft: only Europe.
    const inline = await api.http.post('/v1/personas/preview').set(admin()).send({ personas: [{ key: 'europe', rule: europe }], wait: 30 }).expect(200);
    expect(inline.body.result.perPersona).toEqual({ europe: 1, everyone_else: 2 });
    const before = (await api.http.get(`/v1/customers/${ann.customer.id}`).set(api.auth('agent'))).body;
    expect(before.persona.key).toBe('everyone_else'); // previews publish nothing

    const published = await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 }).expect(200);
    expect(published.body.run).toMatchObject({ kind: 'full', status: 'completed', result: { customers: 3, changed: 2, perPersona: { vip: 1, europe: 1, everyone_else: 1 } } });

    const view = (await api.http.get(`/v1/customers/${ann.customer.id}`).set(api.auth('agent')).expect(200)).body;
    expect(view.persona).toMatchObject({ key: 'vip', name: 'VIP', setVersion: published.body.setVersion });
    expect(view.persona.explanation.persona.key).toBe('vip');
    expect(JSON.stringify(view.persona.explanation.matched)).toContain('90000');
    expect(view.history.map((h: { from: { key: string } | null; to: { key: string }; cause: string }) => [h.from?.key ?? null, h.to.key, h.cause])).toEqual([
      ['everyone_else', 'vip', 'rule_change'],
      [null, 'everyone_else', 'new_customer'],
    ]);
    // Bob is rich but in GB: VIP was tried first and its first failed condition names his country.
    const bob = (await api.http.get('/v1/customers').query({ crmId: 'bob' }).set(api.auth('agent'))).body.customers[0];
    const bobView = (await api.http.get(`/v1/customers/${bob.id}`).set(api.auth('agent'))).body;
    expect(bobView.persona.key).toBe('europe');
    const rejected = bobView.persona.explanation.rejected;
    expect(rejected).toHaveLength(1);
    expect(rejected[0].key).toBe('vip');
    expect(JSON.stringify(rejected[0].firstFailed)).toContain('GB');

    const members = (await api.http.get('/v1/personas/vip/customers').set(api.auth('agent')).expect(200)).body;
    expect(members).toEqual({ persona: 'vip', customerIds: [ann.customer.id], nextAfterId: null });
    const page = (await api.http.get('/v1/personas/everyone_else/customers').query({ limit: 1 }).set(api.auth('agent')).expect(200)).body;
    expect(page.customerIds).toHaveLength(1);
    await api.http.get('/v1/personas/vip/customers').query({ afterId: 'x' }).set(api.auth('agent')).expect(400);

    const runs = (await api.http.get('/v1/segmentation/runs').set(admin()).expect(200)).body.runs;
    expect(runs.map((r: { kind: string }) => r.kind)).toEqual(['full', 'preview', 'preview']);
    await api.http.get(`/v1/customers/999999`).set(api.auth('agent')).expect(404);
    await api.http.get('/v1/customers').set(api.auth('agent')).expect(400);
  });
});
