import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DestinationRepository } from '@corridor/persistence';
import { eventually, failOnBusyClientQueries } from '@corridor/testing';
import { WorkerModule } from '../../worker/src/worker.module';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { importCustomers } from './seed';

// Booting the API and a worker in-process outlasts jest's 5 s default on a loaded machine.
jest.setTimeout(120_000);

/**
 * The admin side of the journey and the strategy over HTTP: stages, touchpoints, treatments,
 * destinations (SSRF refusals, the allow-list, the secret never shown), and the strategy draft,
 * validate, preview, publish, versions and gap report, over customers segmented by a real worker.
 */
describe('journey and strategy admin', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  const admin = () => api.auth('admin');
  const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwQmRmR1ZPY2k=';
  // Publishing reads the draft, journey and treatments in one transaction: one connection, one query at a time.
  failOnBusyClientQueries();

  beforeAll(async () => {
    // 127.0.0.2 is allowed by name of address; everything else internal stays refused.
    api = await startApiTestApp({ env: { DESTINATION_ALLOWED_HOSTS: '127.0.0.2, hooks.allowed.test' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
  });

  const detail = (res: { body: { details?: Array<{ field: string; code?: string; message: string }> } }) => res.body.details?.[0];

  describe('journey stages', () => {
    it('starts with the default stages and lets admins add, rename and reorder them', async () => {
      const list = await api.http.get('/v1/journey/stages').set(api.auth('agent')).expect(200);
      expect(list.body.stages.map((s: { key: string }) => s.key)).toEqual(['awareness', 'consideration', 'purchase', 'onboarding', 'service', 'loyalty']);

      const created = await api.http.post('/v1/journey/stages').set(admin()).send({ key: 'advocacy', name: 'Advocacy', position: 2 }).expect(201);
      expect(created.body).toEqual({ key: 'advocacy', name: 'Advocacy', position: 2 });
      await api.http.patch('/v1/journey/stages/advocacy').set(admin()).send({ name: 'Word of mouth' }).expect(200);
      const keys = ['awareness', 'consideration', 'purchase', 'onboarding', 'service', 'loyalty', 'advocacy'];
      const reordered = await api.http.put('/v1/journey/stages/order').set(admin()).send({ keys }).expect(200);
      expect(reordered.body.stages.map((s: { key: string; position: number }) => [s.key, s.position])).toEqual(keys.map((k, i) => [k, i + 1]));
      expect(reordered.body.stages[6].name).toBe('Word of mouth');
    });

    it('refuses bad stages with 400s naming the field', async () => {
      expect(detail(await api.http.post('/v1/journey/stages').set(admin()).send({ key: 'Bad Key', name: 'x' }).expect(400))).toMatchObject({ field: 'key' });
      expect(detail(await api.http.post('/v1/journey/stages').set(admin()).send({ key: 'ok', name: 'x', colour: 'red' }).expect(400))).toMatchObject({ field: 'colour' });
      expect(detail(await api.http.post('/v1/journey/stages').set(admin()).send({ key: 'ok', name: 'x'.repeat(201) }).expect(400))).toMatchObject({ field: 'name' });
      expect(detail(await api.http.post('/v1/journey/stages').set(admin()).send({ key: 'awareness', name: 'x' }).expect(409))).toMatchObject({ field: 'key', code: 'STAGE_KEY_TAKEN' });
      const incomplete = await api.http.put('/v1/journey/stages/order').set(admin()).send({ keys: ['awareness'] }).expect(400);
      expect(incomplete.body.details).toContainEqual(expect.objectContaining({ field: 'keys', code: 'ORDER_INCOMPLETE' }));
      await api.http.patch('/v1/journey/stages/nope').set(admin()).send({ name: 'x' }).expect(404);
      await api.http.post('/v1/journey/stages').set(api.auth('agent')).send({ key: 'x', name: 'x' }).expect(403);
    });
  });

  describe('touchpoints', () => {
    it('creates, updates and deletes touchpoints; built-in ones stay', async () => {
      const created = await api.http
        .post('/v1/touchpoints')
        .set(admin())
        .send({
          key: 'checkout',
          name: 'Checkout',
          stageKey: 'purchase',
          channel: 'web',
          major: true,
          momentOfTruth: true,
          owner: 'Web team',
          description: 'Paying for the cart',
          eventProperties: [{ name: 'cart_value', type: 'number' }, { name: 'payment', type: 'enum', enumValues: ['card', 'invoice'] }],
        })
        .expect(201);
      expect(created.body).toMatchObject({ key: 'checkout', stageKey: 'purchase', major: true, momentOfTruth: true, builtIn: false, position: 1, warnings: [] });
      await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'welcome', name: 'Welcome call', stageKey: 'onboarding', channel: 'phone', momentOfTruth: true, owner: 'Partner call centre' }).expect(201);
      const moved = await api.http.patch('/v1/touchpoints/welcome').set(admin()).send({ stageKey: 'service', description: 'First call' }).expect(200);
      expect(moved.body).toMatchObject({ stageKey: 'service', description: 'First call', position: 3 }); // after persona_changed and recovery_needed

      const list = await api.http.get('/v1/touchpoints').set(api.auth('agent')).expect(200);
      expect(list.body.touchpoints.map((t: { key: string }) => t.key)).toEqual(['checkout', 'persona_changed', 'recovery_needed', 'welcome']);

      const builtIn = await api.http.delete('/v1/touchpoints/persona_changed').set(admin()).expect(409);
      expect(detail(builtIn)).toMatchObject({ field: 'key', code: 'TOUCHPOINT_BUILT_IN' });
      const props = await api.http.patch('/v1/touchpoints/persona_changed').set(admin()).send({ eventProperties: [] }).expect(400);
      expect(detail(props)).toMatchObject({ field: 'eventProperties', code: 'TOUCHPOINT_BUILT_IN' });
      await api.http.patch('/v1/touchpoints/persona_changed').set(admin()).send({ momentOfTruth: false, owner: 'Corridor' }).expect(200);

      await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'temp', name: 'Temp', stageKey: 'awareness', channel: 'social' }).expect(201);
      await api.http.delete('/v1/touchpoints/temp').set(admin()).expect(204);
      await api.http.get('/v1/touchpoints/temp').set(admin()).expect(404);
    });

    it('refuses bad touchpoints with 400s naming the field', async () => {
      const base = { key: 'tp', name: 'TP', stageKey: 'purchase', channel: 'web' };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...base, stageKey: 'nowhere' }, 'stageKey'],
        [{ ...base, channel: 'fax' }, 'channel'],
        [{ ...base, major: 'yes' }, 'major'],
        [{ ...base, name: null }, 'name'],
        [{ ...base, extra: 1 }, 'extra'],
        [{ ...base, description: 'x'.repeat(2001) }, 'description'],
        [{ ...base, eventProperties: [{ name: 'kind', type: 'enum' }] }, 'eventProperties[0].enumValues'],
        [{ ...base, eventProperties: [{ name: 'Bad', type: 'string' }] }, 'eventProperties[0].name'],
        [{ ...base, eventProperties: [{ name: 'a', type: 'string' }, { name: 'a', type: 'number' }] }, 'eventProperties[1].name'],
      ];
      for (const [body, field] of cases) {
        const res = await api.http.post('/v1/touchpoints').set(admin()).send(body);
        expect([JSON.stringify(body), res.status, detail(res)?.field]).toEqual([JSON.stringify(body), 400, field]);
      }
      expect(detail(await api.http.post('/v1/touchpoints').set(admin()).send({ ...base, key: 'checkout' }).expect(409))).toMatchObject({ code: 'TOUCHPOINT_KEY_TAKEN' });
    });

    it('warns, but allows, more than ten major touchpoints', async () => {
      // checkout is major already: nine more make ten, no warning yet.
      for (let i = 1; i <= 9; i++) {
        const res = await api.http.post('/v1/touchpoints').set(admin()).send({ key: `major_${i}`, name: `Major ${i}`, stageKey: 'awareness', channel: 'web', major: true }).expect(201);
        expect(res.body.warnings).toEqual([]);
      }
      const eleventh = await api.http.post('/v1/touchpoints').set(admin()).send({ key: 'major_10', name: 'Major 10', stageKey: 'awareness', channel: 'web', major: true }).expect(201);
      expect(eleventh.body.warnings).toEqual([expect.objectContaining({ field: 'major', code: 'TOO_MANY_MAJOR_TOUCHPOINTS' })]);
      expect(eleventh.body.warnings[0].message).toMatch(/11 touchpoints are major/);
      const list = await api.http.get('/v1/touchpoints').set(admin()).expect(200);
      expect(list.body).toMatchObject({ majorCount: 11, warnings: [expect.objectContaining({ code: 'TOO_MANY_MAJOR_TOUCHPOINTS' })] });
      for (let i = 1; i <= 10; i++) await api.http.delete(`/v1/touchpoints/major_${i}`).set(admin()).expect(204);
      expect((await api.http.get('/v1/touchpoints').set(admin())).body).toMatchObject({ majorCount: 1, warnings: [] });
    });
  });

  describe('destinations', () => {
    let destinationId: string;

    it.each([
      ['http://localhost:8080/hook', 'loopback'],
      ['http://127.0.0.1/hook', 'loopback'],
      ['http://[::1]:9000/', 'loopback'],
      ['http://[::ffff:127.0.0.1]/', 'loopback'],
      ['https://10.1.2.3/', 'private'],
      ['https://192.168.0.10/', 'private'],
      ['http://169.254.169.254/latest/meta-data', 'link-local'],
      ['http://[fe80::1]/', 'link-local'],
      ['http://0.0.0.0/', 'unspecified'],
    ])('refuses %s (%s) naming url', async (url, kind) => {
      const res = await api.http.post('/v1/destinations').set(admin()).send({ name: `d ${url}`, url, secret: SECRET }).expect(400);
      expect(detail(res)).toMatchObject({ field: 'url', code: 'DESTINATION_ADDRESS_REFUSED' });
      expect(detail(res)!.message).toContain(kind);
    });

    it('refuses other schemes and unresolvable hosts', async () => {
      expect(detail(await api.http.post('/v1/destinations').set(admin()).send({ name: 'f', url: 'ftp://example.com/', secret: SECRET }).expect(400))).toMatchObject({ field: 'url', code: 'DESTINATION_URL_SCHEME' });
      expect(detail(await api.http.post('/v1/destinations').set(admin()).send({ name: 'f', url: 'file:///etc/passwd', secret: SECRET }).expect(400))).toMatchObject({ field: 'url' });
      // .invalid never resolves (RFC 2606); either answer names the url.
      const unresolvable = await api.http.post('/v1/destinations').set(admin()).send({ name: 'f', url: 'https://nothing.invalid/', secret: SECRET });
      expect([400, 503]).toContain(unresolvable.status);
      if (unresolvable.status === 400) expect(detail(unresolvable)).toMatchObject({ field: 'url', code: 'DESTINATION_UNRESOLVABLE' });
    });

    it('accepts an address the allow-list names, seals the secret and never returns it', async () => {
      const created = await api.http.post('/v1/destinations').set(admin()).send({ name: 'Receiver', url: 'http://127.0.0.2:8080/hook', secret: SECRET, timeoutMs: 2000, rateLimitPerSecond: 50 }).expect(201);
      destinationId = created.body.id;
      expect(created.body).toMatchObject({ name: 'Receiver', url: 'http://127.0.0.2:8080/hook', timeoutMs: 2000, rateLimitPerSecond: 50, enabled: true });
      const answers = [
        created,
        await api.http.get(`/v1/destinations/${destinationId}`).set(admin()).expect(200),
        await api.http.get('/v1/destinations').set(admin()).expect(200),
        await api.http.patch(`/v1/destinations/${destinationId}`).set(admin()).send({ enabled: false, secret: SECRET }).expect(200),
      ];
      for (const res of answers) {
        expect(res.text).not.toContain(SECRET.slice(6, 20));
        expect(res.text.toLowerCase()).not.toContain('secret');
      }
      const [row] = await api.app.get(DataSource).query(`SELECT secret_encrypted FROM destinations WHERE id = $1`, [destinationId]);
      expect(row.secret_encrypted).not.toContain(SECRET.slice(6));
      expect(await api.app.get(DestinationRepository).signingSecret(destinationId)).toBe(SECRET); // for the sender only

      // The allow-list covers 127.0.0.2, not the rest of loopback; a change of URL is checked again.
      const moved = await api.http.patch(`/v1/destinations/${destinationId}`).set(admin()).send({ url: 'http://127.0.0.1:8080/hook' }).expect(400);
      expect(detail(moved)).toMatchObject({ field: 'url', code: 'DESTINATION_ADDRESS_REFUSED' });
      await api.http.get('/v1/destinations').set(api.auth('agent')).expect(403);
    });

    it('refuses bad destination fields naming them', async () => {
      const base = { name: 'x', url: 'http://127.0.0.2/', secret: SECRET };
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ ...base, secret: 'hunter2' }, 'secret'],
        [{ ...base, timeoutMs: 10 }, 'timeoutMs'],
        [{ ...base, rateLimitPerSecond: 0 }, 'rateLimitPerSecond'],
        [{ ...base, url: 'x'.repeat(3000) }, 'url'],
        [{ ...base, headers: {} }, 'headers'],
      ];
      for (const [body, field] of cases) {
        const res = await api.http.post('/v1/destinations').set(admin()).send(body);
        expect([res.status, detail(res)?.field]).toEqual([400, field]);
        // The answer never echoes a secret it refused either.
        expect(res.text).not.toContain(SECRET.slice(6, 20));
      }
      await api.http.get('/v1/destinations/not-a-uuid').set(admin()).expect(400);
      expect(detail(await api.http.post('/v1/destinations').set(admin()).send({ ...base, name: 'Receiver' }).expect(409))).toMatchObject({ field: 'name' });
      const other = await api.http.post('/v1/destinations').set(admin()).send({ ...base, name: 'Other' }).expect(201);
      expect(detail(await api.http.patch(`/v1/destinations/${other.body.id}`).set(admin()).send({ name: 'Receiver' }).expect(409))).toMatchObject({ field: 'name', code: 'DESTINATION_NAME_TAKEN' });
      await api.http.delete(`/v1/destinations/${other.body.id}`).set(admin()).expect(204);
      await api.http.get(`/v1/destinations/${other.body.id}`).set(admin()).expect(404);
    });

    describe('treatments', () => {
      it('creates typed treatments and checks their config and templates', async () => {
        const hook = await api.http
          .post('/v1/treatments')
          .set(admin())
          .send({
            key: 'big_cart_hook',
            name: 'Big cart offer',
            type: 'webhook',
            channel: 'email',
            config: { destinationId, payloadTemplate: { email: '{{customer.email}}', persona: '{{persona.key}}', cart: '{{event.cart_value}}', note: 'Hi {{customer.email}}' } },
          })
          .expect(201);
        expect(hook.body.config.payloadTemplate.cart).toBe('{{event.cart_value}}');
        await api.http.post('/v1/treatments').set(admin()).send({ key: 'call_script', name: 'Script', type: 'agent_script', channel: 'phone', config: { script: 'Thank {{customer.email}} warmly' } }).expect(201);
        await api.http.post('/v1/treatments').set(admin()).send({ key: 'nothing', name: 'Nothing', type: 'no_action', channel: 'other', config: {} }).expect(201);
        await api.http.post('/v1/treatments').set(admin()).send({ key: 'follow_up', name: 'Follow up', type: 'crm_task', channel: 'crm', config: { subject: 'Call {{customer.email}}', dueInDays: 2, priority: 'high' } }).expect(201);
        await api.http.post('/v1/treatments').set(admin()).send({ key: 'tag_it', name: 'Tag', type: 'crm_property', channel: 'crm', config: { property: 'corridor_offer', value: 'renewal' } }).expect(201);
        await api.http.post('/v1/treatments').set(admin()).send({ key: 'listed', name: 'List', type: 'crm_list', channel: 'crm', config: { listId: '42' } }).expect(201);
        expect((await api.http.get('/v1/treatments').set(api.auth('agent')).expect(200)).body.treatments).toHaveLength(6);

        const base = { key: 'bad', name: 'Bad', type: 'webhook', channel: 'email' };
        const cases: Array<[Record<string, unknown>, string, string?]> = [
          [{ ...base, config: { destinationId: '00000000-0000-4000-8000-000000000000' } }, 'config.destinationId', 'DESTINATION_NOT_FOUND'],
          [{ ...base, config: { destinationId, payloadTemplate: { a: { b: '{{secrets.key}}' } } } }, 'config.payloadTemplate.$.a.b', 'TEMPLATE_UNKNOWN_ROOT'],
          [{ ...base, config: { destinationId, payloadTemplate: { a: '{{customer.no_such_attribute}}' } } }, 'config.payloadTemplate.$.a', 'TEMPLATE_UNKNOWN_FIELD'],
          [{ ...base, config: { destinationId, payloadTemplate: { big: 'x'.repeat(17_000) } } }, 'config.payloadTemplate', 'TEMPLATE_TOO_LARGE'],
          [{ ...base, config: { destinationId, payloadTemplate: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } } }, 'config.payloadTemplate.$.a.b.c.d.e.f.g.h', 'TEMPLATE_TOO_DEEP'],
          [{ ...base, config: { destinationId, url: 'http://elsewhere' } }, 'config.url'],
          [{ ...base, type: 'crm_task', config: { dueInDays: 1 } }, 'config.subject'],
          [{ ...base, type: 'agent_script', config: { script: '{{persona.rule}}' } }, 'config.script.$', 'TEMPLATE_UNKNOWN_FIELD'],
          [{ ...base, type: 'no_action', config: { anything: 1 } }, 'config.anything'],
          [{ ...base, type: 'sms_blast', config: {} }, 'type'],
          [{ ...base, config: null }, 'config'],
        ];
        for (const [body, field, code] of cases) {
          const res = await api.http.post('/v1/treatments').set(admin()).send(body);
          expect([field, res.status]).toEqual([field, 400]);
          expect(res.body.details).toContainEqual(expect.objectContaining(code ? { field, code } : { field }));
        }
        await api.http.get('/v1/treatments/bad').set(admin()).expect(404);

        const patched = await api.http.patch('/v1/treatments/call_script').set(admin()).send({ config: { script: 'Welcome {{customer.email}}' } }).expect(200);
        expect(patched.body).toMatchObject({ type: 'agent_script', config: { script: 'Welcome {{customer.email}}' } });
        expect(detail(await api.http.patch('/v1/treatments/call_script').set(admin()).send({ config: { subject: 'x' } }).expect(400))).toMatchObject({ field: 'config.subject' });

        const inUse = await api.http.delete(`/v1/destinations/${destinationId}`).set(admin()).expect(409);
        expect(detail(inUse)).toMatchObject({ field: 'id', code: 'DESTINATION_IN_USE' });
        expect(detail(inUse)!.message).toContain('big_cart_hook');
      });
    });
  });

  describe('strategy', () => {
    const vipRule = { attribute: 'total_revenue', operator: 'gte', value: 50000 };
    const europeRule = { attribute: 'country', operator: 'in', value: ['GB', 'DE'] };
    const cells = [
      {
        personaKey: 'vip',
        touchpointKey: 'checkout',
        options: [{ treatmentKey: 'big_cart_hook', condition: { attribute: 'event.cart_value', operator: 'gte', value: 100 } }, { treatmentKey: 'call_script' }],
      },
      { personaKey: 'europe', touchpointKey: 'checkout', options: [{ treatmentKey: 'call_script', condition: { attribute: 'country', operator: 'in', value: ['GB'] } }] },
      { personaKey: 'everyone_else', touchpointKey: 'checkout', options: [] },
      { personaKey: 'vip', touchpointKey: 'welcome', options: [{ treatmentKey: 'follow_up' }] },
    ];
    const policies = {
      consent: [{ channel: 'email', attribute: 'email_opt_out' }],
      caps: [{ scope: 'channel', key: 'email', period: 'week', max: 2 }, { scope: 'treatment', key: 'big_cart_hook', period: 'day', max: 1 }],
      quietHours: { start: '21:00', end: '08:00', channels: ['phone'] },
      holdoutPercent: 5,
      defaultTimeZone: 'Europe/London',
    };

    beforeAll(async () => {
      const rows = [
        { id: 'ann', attributes: { email: 'ann@x.io', country: 'US', total_revenue: 90000 } },
        { id: 'bob', attributes: { email: 'bob@x.io', country: 'GB', total_revenue: 100 } },
        { id: 'cat', attributes: { email: 'cat@x.io', country: 'BR', total_revenue: 10 } },
        { id: 'dan', attributes: { email: 'dan@x.io', country: 'DE', total_revenue: 10 } },
      ];
      await api.http.post('/v1/personas').set(admin()).send({ key: 'vip', name: 'VIP', rule: vipRule }).expect(201);
      await api.http.post('/v1/personas').set(admin()).send({ key: 'europe', name: 'Europe', rule: europeRule }).expect(201);
      await importCustomers(api, rows);
      const started = await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 });
      expect([200, 202]).toContain(started.status);
      const published = {
        run: await eventually(async () => {
          const run = (await api.http.get(`/v1/segmentation/runs/${started.body.run.id}`).set(admin())).body;
          return run.status === 'completed' ? run : null;
        }, 'the persona set to go live', 120_000),
      };
      expect(published.run.result.perPersona).toEqual({ vip: 1, europe: 2, everyone_else: 1 });
    });

    it('refuses an invalid draft naming each place', async () => {
      const bad = await api.http
        .put('/v1/strategy/draft')
        .set(admin())
        .send({
          cells: [
            { personaKey: 'ghost', touchpointKey: 'checkout', options: [{ treatmentKey: 'nope' }] },
            { personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'call_script', condition: { attribute: 'event.cart_valu', operator: 'gte', value: 1 } }] },
            { personaKey: 'vip', touchpointKey: 'checkout', options: [] },
          ],
          policies: { caps: [{ scope: 'treatment', key: 'nope', period: 'day', max: 1 }], defaultTimeZone: 'Mars/Base' },
        })
        .expect(400);
      expect(bad.body.code).toBe('STRATEGY_INVALID');
      const fields = bad.body.details.map((d: { field: string; code: string }) => [d.field, d.code]);
      expect(fields).toEqual(
        expect.arrayContaining([
          ['cells[0].personaKey', 'UNKNOWN_PERSONA'],
          ['cells[0].options[0].treatmentKey', 'UNKNOWN_TREATMENT'],
          ['cells[2]', 'DUPLICATE_CELL'],
          ['policies.caps[0].key', 'UNKNOWN_TREATMENT'],
          ['policies.defaultTimeZone', 'INVALID_TIME_ZONE'],
        ]),
      );
      expect(bad.body.details.some((d: { field: string }) => d.field.startsWith('cells[1].options[0].condition.$'))).toBe(true);

      const shape = await api.http.put('/v1/strategy/draft').set(admin()).send({ cells: [{ personaKey: 'vip', touchpointKey: 'checkout', options: [{ treatmentKey: 'x', weight: 2 }] }] }).expect(400);
      expect(detail(shape)).toMatchObject({ field: 'cells[0].options[0].weight' });
      const hours = await api.http.put('/v1/strategy/draft').set(admin()).send({ policies: { quietHours: { start: '25:00', end: '08:00', channels: ['phone'] } } }).expect(400);
      expect(detail(hours)).toMatchObject({ field: 'policies.quietHours.start' });
      const holdout = await api.http.put('/v1/strategy/draft').set(admin()).send({ policies: { holdoutPercent: 80 } }).expect(400);
      expect(detail(holdout)).toMatchObject({ field: 'policies.holdoutPercent' });
      expect((await api.http.get('/v1/strategy/draft').set(admin()).expect(200)).body.revision).toBe(0); // nothing half-written
      await api.http.get('/v1/strategy/draft').set(api.auth('agent')).expect(403);
    });

    it('validates without storing, with warnings for unreachable options', async () => {
      const res = await api.http
        .post('/v1/strategy/validate')
        .set(admin())
        .send({ cells: [{ personaKey: 'vip', touchpointKey: 'welcome', options: [{ treatmentKey: 'follow_up' }, { treatmentKey: 'call_script' }] }], policies })
        .expect(200);
      expect(res.body.valid).toBe(true);
      expect(res.body.warnings).toContainEqual(expect.objectContaining({ field: 'cells[0].options[1]', code: 'UNREACHABLE_OPTION' }));
      expect((await api.http.get('/v1/strategy/draft/revisions').set(admin()).expect(200)).body.revisions).toEqual([]);
    });

    it('saves the draft as revisions, refusing a stale one', async () => {
      const first = await api.http.put('/v1/strategy/draft').set(admin()).send({ cells, policies, expectedRevision: 0 }).expect(200);
      expect(first.body).toMatchObject({ revision: 1, liveVersion: null, policies: { holdoutPercent: 5, defaultTimeZone: 'Europe/London', timeZoneAttribute: 'time_zone' } });
      expect(first.body.policies.holdoutSalt).toMatch(/^[0-9a-f]{32}$/);
      const stale = await api.http.put('/v1/strategy/draft').set(admin()).send({ cells, expectedRevision: 0 }).expect(409);
      expect(detail(stale)).toMatchObject({ field: 'expectedRevision', code: 'DRAFT_STALE' });
      // Policies left out keep their saved values (and the holdout salt never changes).
      const second = await api.http.put('/v1/strategy/draft').set(admin()).send({ cells, expectedRevision: 1 }).expect(200);
      expect(second.body.policies).toEqual(first.body.policies);
      const revisions = (await api.http.get('/v1/strategy/draft/revisions').set(admin()).expect(200)).body.revisions;
      expect(revisions.map((r: { revision: number; cells: number }) => [r.revision, r.cells])).toEqual([[2, 4], [1, 4]]);
      const one = await api.http.get('/v1/strategy/draft/revisions/1').set(admin()).expect(200);
      expect(one.body).toMatchObject({ revision: 1, cells, policies: first.body.policies });
      await api.http.get('/v1/strategy/draft/revisions/7').set(admin()).expect(404);
      // A touchpoint or treatment the draft uses cannot be deleted from under it.
      expect(detail(await api.http.delete('/v1/touchpoints/welcome').set(admin()).expect(409))).toMatchObject({ code: 'TOUCHPOINT_IN_USE' });
      expect(detail(await api.http.delete('/v1/treatments/big_cart_hook').set(admin()).expect(409))).toMatchObject({ code: 'TREATMENT_IN_USE' });
    });

    it("previews the draft over today's customers, saying which options depend on the event", async () => {
      const res = await api.http.post('/v1/strategy/preview').set(admin()).send({}).expect(200);
      expect(res.body).toMatchObject({ customers: 4, withoutPersona: 0, liveVersion: null });
      const checkout = res.body.touchpoints.find((t: { touchpointKey: string }) => t.touchpointKey === 'checkout');
      const byPersona = Object.fromEntries(checkout.personas.map((p: { personaKey: string }) => [p.personaKey, p]));
      expect(byPersona.vip).toEqual({
        personaKey: 'vip',
        customers: 1,
        options: [
          { index: 0, treatmentKey: 'big_cart_hook', customers: 1, dependsOnEvent: ['cart_value'] },
          { index: 1, treatmentKey: 'call_script', customers: 0, dependsOnEvent: [] },
        ],
        noTreatment: 0,
      });
      // bob is in GB (condition holds), dan in DE (it does not).
      expect(byPersona.europe).toMatchObject({ customers: 2, options: [{ treatmentKey: 'call_script', customers: 1 }], noTreatment: 1 });
      expect(byPersona.everyone_else).toMatchObject({ customers: 1, options: [], noTreatment: 1 });
      // Nothing is live yet: everything that gets a treatment is a change from none.
      expect(checkout.changes).toEqual(
        expect.arrayContaining([
          { personaKey: 'vip', from: 'none', to: 'depends_on_event', customers: 1 },
          { personaKey: 'europe', from: 'none', to: 'call_script', customers: 1 },
        ]),
      );
      expect(checkout.changes).toHaveLength(2);
    });

    it('publishes atomically with an optimistic check, keeps every version, and previews changes against the live one', async () => {
      const stale = await api.http.post('/v1/strategy/publish').set(admin()).send({ expectedRevision: 1 }).expect(409);
      expect(detail(stale)).toMatchObject({ field: 'expectedRevision', code: 'DRAFT_STALE' });
      const v1 = await api.http.post('/v1/strategy/publish').set(admin()).send({ expectedLiveVersion: null, expectedRevision: 2 }).expect(201);
      expect(v1.body).toMatchObject({ version: 1, draftRevision: 2 });
      const again = await api.http.post('/v1/strategy/publish').set(admin()).send({ expectedLiveVersion: null }).expect(409);
      expect(detail(again)).toMatchObject({ field: 'expectedLiveVersion', code: 'STRATEGY_STALE' });

      // The published version is frozen: later edits to touchpoints do not reach it.
      await api.http.patch('/v1/touchpoints/checkout').set(admin()).send({ name: 'Checkout (new)' }).expect(200);
      const frozen = (await api.http.get('/v1/strategy/versions/1').set(api.auth('agent')).expect(200)).body;
      expect(frozen.touchpoints.find((t: { key: string }) => t.key === 'checkout').name).toBe('Checkout');
      expect(frozen.treatments.map((t: { key: string }) => t.key)).toContain('big_cart_hook');
      expect(frozen.stages).toHaveLength(7);
      expect(frozen.cells).toEqual(cells);
      expect(frozen.policies).toMatchObject({ holdoutPercent: 5, quietHours: policies.quietHours });

      // Change the draft: europe gets no condition; the preview shows the change against v1.
      const next = cells.map((c) => (c.personaKey === 'europe' ? { ...c, options: [{ treatmentKey: 'call_script' }] } : c));
      const preview = await api.http.post('/v1/strategy/preview').set(admin()).send({ cells: next }).expect(200);
      expect(preview.body.liveVersion).toBe(1);
      const checkout = preview.body.touchpoints.find((t: { touchpointKey: string }) => t.touchpointKey === 'checkout');
      expect(checkout.changes).toEqual([{ personaKey: 'europe', from: 'none', to: 'call_script', customers: 1 }]);

      await api.http.put('/v1/strategy/draft').set(admin()).send({ cells: next }).expect(200);
      // Two admins publish at once from the same live version: exactly one wins, the other is told.
      const racing = await Promise.all([1, 2].map(() => api.http.post('/v1/strategy/publish').set(admin()).send({ expectedLiveVersion: 1 })));
      expect(racing.map((r) => r.status).sort()).toEqual([201, 409]);
      const versions = (await api.http.get('/v1/strategy/versions').set(api.auth('agent')).expect(200)).body;
      expect(versions.liveVersion).toBe(2);
      expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      await api.http.get('/v1/strategy/versions/9').set(admin()).expect(404);
      expect(detail(await api.http.get('/v1/strategy/versions/abc').set(admin()).expect(400))).toMatchObject({ field: 'version' });
      await api.http.post('/v1/strategy/publish').set(api.auth('agent')).send({}).expect(403);
    });

    it('reports the moments of truth some live persona has no treatment for', async () => {
      const live = (await api.http.get('/v1/strategy/gaps').set(api.auth('agent')).expect(200)).body;
      expect(live).toMatchObject({ of: 'live', version: 2, momentsOfTruth: ['checkout', 'welcome'] });
      expect(live.personas.sort()).toEqual(['europe', 'everyone_else', 'vip']);
      const gaps = live.gaps.map((g: { touchpointKey: string; personaKey: string; reason: string }) => [g.touchpointKey, g.personaKey, g.reason]);
      expect(gaps.sort()).toEqual(
        [
          ['checkout', 'everyone_else', 'no_options'],
          ['welcome', 'europe', 'no_cell'],
          ['welcome', 'everyone_else', 'no_cell'],
        ].sort(),
      );

      // The draft closes one gap; the live report is unchanged until it is published.
      const draftCells = [...cells.filter((c) => c.personaKey !== 'europe'), { personaKey: 'europe', touchpointKey: 'checkout', options: [{ treatmentKey: 'call_script' }] }, { personaKey: 'europe', touchpointKey: 'welcome', options: [{ treatmentKey: 'nothing' }] }];
      await api.http.put('/v1/strategy/draft').set(admin()).send({ cells: draftCells }).expect(200);
      const draft = (await api.http.get('/v1/strategy/gaps').query({ of: 'draft' }).set(admin()).expect(200)).body;
      const draftGaps = draft.gaps.map((g: { touchpointKey: string; personaKey: string; reason: string }) => [g.touchpointKey, g.personaKey, g.reason]);
      expect(draftGaps).toContainEqual(['welcome', 'europe', 'no_action_only']);
      expect((await api.http.get('/v1/strategy/gaps').set(admin())).body.gaps).toHaveLength(3);
      expect(detail(await api.http.get('/v1/strategy/gaps').query({ of: 'tomorrow' }).set(admin()).expect(400))).toMatchObject({ field: 'of' });
    });
  });
});
