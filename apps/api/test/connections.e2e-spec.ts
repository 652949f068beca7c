import { createHmac } from 'node:crypto';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { QUEUE, syncSchedulerId } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../../worker/src/worker.module';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

const TOKEN = 'sandbox-hubspot-token';
const CLIENT_SECRET = 'sandbox-hubspot-client-secret';

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('CRM connections, sync runs and webhooks over HTTP (API + worker + sandbox)', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let db: Client;
  let hubspotId: string;
  let salesforceId: string;

  beforeAll(async () => {
    sandbox = await startCrmSandbox({
      port: 0,
      hubspot: { contacts: 400, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
      salesforce: { contacts: 300, leads: 100 },
    } as never);
    api = await startApiTestApp();
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await sandbox?.close();
  });

  const customer = async (externalId: string) =>
    (await db.query(`SELECT id::text, attributes, deleted_at FROM customers WHERE connection_id = $1 AND external_id = $2`, [hubspotId, externalId])).rows[0];

  describe('admin API', () => {
    it('refuses bad input with 400 naming the field', async () => {
      const missing = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'x' });
      expect(missing.status).toBe(400);
      expect(missing.body.details.map((d: { field: string }) => d.field)).toContain('accessToken');
      const foreign = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'x', accessToken: TOKEN, clientId: 'y' });
      expect(foreign.status).toBe(400);
      expect(foreign.body.details[0].field).toBe('clientId');
      const url = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'x', accessToken: TOKEN, basePath: 'not a url' });
      expect(url.status).toBe(400);
      expect(url.body.details.map((d: { field: string }) => d.field)).toContain('basePath');
      const sf = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'salesforce', name: 'x', clientId: 'a', username: 'u' });
      expect(sf.status).toBe(400);
      expect(sf.body.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['clientSecret', 'password']));
    });

    it('is admin only', async () => {
      expect((await api.http.get('/v1/connections').set(api.auth('agent'))).status).toBe(403);
      expect((await api.http.get('/v1/connections')).status).toBe(401);
    });

    it('adds connections with credentials encrypted at rest and never returned', async () => {
      const res = await api.http
        .post('/v1/connections')
        .set(api.auth('admin'))
        .send({ kind: 'hubspot', name: 'HubSpot', accessToken: TOKEN, basePath: sandbox.url, webhookClientSecret: CLIENT_SECRET, settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } } });
      expect(res.status).toBe(201);
      expect(res.body.credentialsSet).toEqual({ accessToken: true, webhookClientSecret: true });
      expect(JSON.stringify(res.body)).not.toContain(TOKEN);
      hubspotId = res.body.id;
      const { rows } = await db.query(`SELECT credentials_encrypted FROM connections WHERE id = $1`, [hubspotId]);
      expect(rows[0].credentials_encrypted).not.toContain(TOKEN);
      expect(rows[0].credentials_encrypted).toMatch(/^v2\./);
      const sf = await api.http
        .post('/v1/connections')
        .set(api.auth('admin'))
        .send({
          kind: 'salesforce',
          name: 'Salesforce',
          loginUrl: sandbox.url,
          clientId: 'sandbox-salesforce-client-id',
          clientSecret: 'sandbox-salesforce-client-secret',
          username: 'integration@corridor.sandbox',
          password: 'sandbox-password',
          webhookSecret: 'sandbox-salesforce-webhook-secret',
          settings: { syncIntervalSeconds: 0 },
        });
      expect(sf.status).toBe(201);
      expect(JSON.stringify(sf.body)).not.toContain('sandbox-password');
      salesforceId = sf.body.id;
      const list = await api.http.get('/v1/connections').set(api.auth('admin'));
      expect(list.body.items.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([hubspotId, salesforceId]));
    });

    it('keeps field-mapping and write-back keys named like Object.prototype members', async () => {
      const res = await api.http
        .post('/v1/connections')
        .set(api.auth('admin'))
        .set('Content-Type', 'application/json')
        .send(
          JSON.stringify({ kind: 'hubspot', name: 'Keys', accessToken: TOKEN, basePath: sandbox.url }).slice(0, -1) +
            ',"settings": {"syncIntervalSeconds": 0, "fieldMapping": {"constructor": "builder", "toString": null},' +
            ' "writeback": {"hsPersona": {"constructor": "persona_9"}}}}',
        );
      expect(res.status).toBe(201);
      expect(res.body.settings.fieldMapping).toEqual({ constructor: 'builder', toString: null });
      expect(res.body.settings.writeback.hsPersona).toEqual({ constructor: 'persona_9' });
      await api.http.delete(`/v1/connections/${res.body.id}`).set(api.auth('admin'));
    });

    it('schedules the incremental sync with a fixed job-scheduler id per connection', async () => {
      const res = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'scheduled', accessToken: TOKEN, basePath: sandbox.url, settings: { syncIntervalSeconds: 600 } });
      const queue = api.app.get(JobProducer).queue(QUEUE.crmSync);
      const scheduler = await queue.getJobScheduler(syncSchedulerId(res.body.id));
      expect(scheduler).toMatchObject({ every: 600_000, name: 'sync-connection' });
      await api.http.patch(`/v1/connections/${res.body.id}`).set(api.auth('admin')).send({ settings: { syncIntervalSeconds: 0 } });
      expect(await queue.getJobScheduler(syncSchedulerId(res.body.id))).toBeFalsy();
      await api.http.delete(`/v1/connections/${res.body.id}`).set(api.auth('admin'));
    });

    it('"test connection" says what is wrong', async () => {
      const ok = await api.http.post(`/v1/connections/${hubspotId}/test`).set(api.auth('admin'));
      expect(ok.status).toBe(200);
      expect(ok.body.ok).toBe(true);
      const sfOk = await api.http.post(`/v1/connections/${salesforceId}/test`).set(api.auth('admin'));
      expect(sfOk.body).toMatchObject({ ok: true });
      expect(sfOk.body.checks.find((c: { check: string }) => c.check === 'writeback_fields').status).toBe('ok');
      expect(sfOk.body.checks.find((c: { check: string }) => c.check === 'task_key_field')).toMatchObject({ status: 'ok', message: expect.stringContaining('Corridor_Delivery_Id__c') });
      // An org whose admin has not added the Task key field: a warning naming the field and the doc (still ok: tasks are made).
      sandbox.admin.configure({ salesforce: { absentFields: ['Task.Corridor_Delivery_Id__c'] } } as never);
      try {
        const sfBare = await api.http.post(`/v1/connections/${salesforceId}/test`).set(api.auth('admin'));
        expect(sfBare.body.ok).toBe(true);
        const warning = sfBare.body.checks.find((c: { check: string }) => c.check === 'task_key_field');
        expect(warning).toMatchObject({ status: 'warning', code: 'CRM_TASK_KEY_FIELD_MISSING' });
        expect(warning.message).toContain('Task.Corridor_Delivery_Id__c');
        expect(warning.message).toContain('docs/treatments.md');
        // A connection created against such an org says so in its answer too.
        const created = await api.http
          .post('/v1/connections')
          .set(api.auth('admin'))
          .send({
            kind: 'salesforce',
            name: 'SF without the task key field',
            loginUrl: sandbox.url,
            clientId: 'sandbox-salesforce-client-id',
            clientSecret: 'sandbox-salesforce-client-secret',
            username: 'integration@corridor.sandbox',
            password: 'sandbox-password',
            settings: { syncIntervalSeconds: 0 },
          });
        expect(created.status).toBe(201);
        expect(created.body.warnings).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'task_key_field', status: 'warning', code: 'CRM_TASK_KEY_FIELD_MISSING' })]));
        expect((await api.http.delete(`/v1/connections/${created.body.id}`).set(api.auth('admin'))).status).toBe(204);
      } finally {
        sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
      }

      const bad = await api.http.post('/v1/connections').set(api.auth('admin')).send({ kind: 'hubspot', name: 'bad', accessToken: 'not-a-real-token', basePath: sandbox.url, settings: { syncIntervalSeconds: 0 } });
      const badTest = await api.http.post(`/v1/connections/${bad.body.id}/test`).set(api.auth('admin'));
      expect(badTest.body).toMatchObject({ ok: false, checks: [{ check: 'auth', status: 'failed', code: 'CRM_UNAUTHORIZED' }] });
      await api.http.patch(`/v1/connections/${bad.body.id}`).set(api.auth('admin')).send({ accessToken: 'sandbox-hubspot-noscope-token' });
      const scope = await api.http.post(`/v1/connections/${bad.body.id}/test`).set(api.auth('admin'));
      expect(scope.body).toMatchObject({ ok: false, checks: [{ check: 'read_scope', status: 'failed', code: 'CRM_MISSING_SCOPE' }] });
      await api.http.patch(`/v1/connections/${bad.body.id}`).set(api.auth('admin')).send({ basePath: 'http://127.0.0.1:9', accessToken: 'sandbox-hubspot-token' });
      const down = await api.http.post(`/v1/connections/${bad.body.id}/test`).set(api.auth('admin'));
      expect(down.body).toMatchObject({ ok: false, checks: [{ check: 'instance', status: 'failed', code: 'CRM_UNAVAILABLE' }] });
      expect((await api.http.delete(`/v1/connections/${bad.body.id}`).set(api.auth('admin'))).status).toBe(204);
      expect((await api.http.get(`/v1/connections/${bad.body.id}`).set(api.auth('admin'))).status).toBe(404);
    });

    it('syncs on demand through the worker and reports progress and history', async () => {
      const start = await api.http.post(`/v1/connections/${hubspotId}/sync`).set(api.auth('admin')).send({ mode: 'full' });
      expect(start.status).toBe(202);
      const run = await eventually(async () => {
        const r = await api.http.get(`/v1/sync-runs/${start.body.id}`).set(api.auth('admin'));
        return r.body.status === 'completed' ? r.body : null;
      }, 'the sync run to complete');
      expect(run).toMatchObject({ mode: 'full', created: 400, records: 400, percent: 100, rateLimited: 0 });
      expect(run.requests).toBeGreaterThan(4);
      const history = await api.http.get(`/v1/connections/${hubspotId}/sync-runs`).set(api.auth('admin'));
      expect(history.body.items[0]).toMatchObject({ id: start.body.id, status: 'completed' });
      const sf = await api.http.post(`/v1/connections/${salesforceId}/sync`).set(api.auth('admin')).send({ mode: 'incremental' });
      expect(sf.status).toBe(202);
      await eventually(async () => (await api.http.get(`/v1/sync-runs/${sf.body.id}`).set(api.auth('admin'))).body.status === 'completed', 'salesforce sync');
    });
  });

  describe('HubSpot webhooks', () => {
    const target = () => `${api.url}/v1/webhooks/hubspot/${hubspotId}`;

    it('a signed event is accepted and applied within seconds; a replay is dropped', async () => {
      const id = sandbox.admin.hubspot.idForIndex(3);
      sandbox.admin.hubspot.updateContact(id, { jobtitle: 'Webhook title' });
      const event = { subscriptionType: 'contact.propertyChange' as const, objectId: Number(id), propertyName: 'jobtitle', eventId: 9_000_001 };
      const [delivery] = [await sandbox.admin.hubspot.sendWebhooks([event], { targetUrl: target() })].flat();
      expect(delivery.ok).toBe(true);
      expect(JSON.parse(delivery.responseBody!)).toEqual({ received: 1, accepted: 1 });
      await eventually(async () => (await customer(id))?.attributes.job_title === 'Webhook title', 'the webhook change to be applied', 10_000);
      const [replay] = [await sandbox.admin.hubspot.sendWebhooks([event], { targetUrl: target() })].flat();
      expect(JSON.parse(replay.responseBody!)).toEqual({ received: 1, accepted: 0 });
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE connection_id = $1 AND event_id = '9000001'`, [hubspotId]);
      expect(rows[0].n).toBe(1);
    });

    it('verifies the signature over the raw body bytes, not over re-serialised JSON', async () => {
      // A contact with custom attributes: the webhook path must keep them (same mapping as a sync).
      const { rows } = await db.query(
        `SELECT external_id, attributes FROM customers WHERE connection_id = $1 AND deleted_at IS NULL AND attributes ? 'loyalty_tier' ORDER BY id LIMIT 1`,
        [hubspotId],
      );
      const [{ external_id: id, attributes: before }] = rows;
      sandbox.admin.hubspot.updateContact(id, { jobtitle: 'Raw body title' });
      // Key order, whitespace and a \u escape that JSON.stringify of the parsed body would all change.
      const raw = `[\n  {"objectId": ${id}, "subscriptionType": "contact.propertyChange", "eventId": 9000101,\n   "propertyName": "jobtitle", "propertyValue": "Raw body titl\\u0065"}\n]`;
      expect(JSON.stringify(JSON.parse(raw))).not.toBe(raw);
      const post = (body: string, signedBody = body) => {
        const ts = String(Date.now());
        const signature = createHmac('sha256', CLIENT_SECRET).update(`POST${target()}${signedBody}${ts}`).digest('base64');
        return api.http
          .post(`/v1/webhooks/hubspot/${hubspotId}`)
          .set('content-type', 'application/json')
          .set('x-hubspot-signature-v3', signature)
          .set('x-hubspot-request-timestamp', ts)
          .send(body);
      };
      const tampered = await post(raw.replace('9000101', '9000102'), raw);
      expect(tampered.status).toBe(401);
      expect(tampered.body.code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const res = await post(raw);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ received: 1, accepted: 1 });
      await eventually(async () => (await customer(id))?.attributes.job_title === 'Raw body title', 'the webhook change to be applied', 10_000);
      expect((await customer(id)).attributes).toEqual({ ...before, job_title: 'Raw body title' });
    });

    it("drops notifications of Corridor's own write-back properties", async () => {
      const id = Number(sandbox.admin.hubspot.idForIndex(5));
      const events = ['corridor_persona', 'corridor_strategy'].map((propertyName, i) => ({
        subscriptionType: 'contact.propertyChange' as const,
        objectId: id,
        propertyName,
        eventId: 9_000_200 + i,
      }));
      const [delivery] = [await sandbox.admin.hubspot.sendWebhooks(events, { targetUrl: target() })].flat();
      expect(JSON.parse(delivery.responseBody!)).toEqual({ received: 2, accepted: 0 });
    });

    it('a deletion event marks the customer deleted', async () => {
      const id = sandbox.admin.hubspot.idForIndex(4);
      sandbox.admin.hubspot.archiveContact(id);
      await sandbox.admin.hubspot.sendWebhooks([{ subscriptionType: 'contact.deletion', objectId: Number(id) }], { targetUrl: target() });
      await eventually(async () => (await customer(id))?.deleted_at, 'the deletion to be applied', 10_000);
    });

    it('rejects a bad signature and a stale timestamp with 401', async () => {
      const event = { subscriptionType: 'contact.creation' as const, objectId: 1 };
      const [bad] = [await sandbox.admin.hubspot.sendWebhooks([event], { targetUrl: target(), badSignature: true, maxAttempts: 1 })].flat();
      expect(bad.attempts[0].status).toBe(401);
      expect(JSON.parse(bad.responseBody!).code).toBe('WEBHOOK_SIGNATURE_INVALID');
      const [stale] = [
        await sandbox.admin.hubspot.sendWebhooks([event], { targetUrl: target(), timestamp: Date.now() - 6 * 60 * 1000, maxAttempts: 1 }),
      ].flat();
      expect(stale.attempts[0].status).toBe(401);
      expect(JSON.parse(stale.responseBody!).code).toBe('WEBHOOK_TIMESTAMP_STALE');
    });
  });

  describe('Salesforce change relay', () => {
    it('accepts changes with the shared secret, refuses without it', async () => {
      const target = `${api.url}/v1/webhooks/salesforce/${salesforceId}`;
      const id = sandbox.admin.salesforce.idForIndex('Contact', 2);
      sandbox.admin.salesforce.updateRecord('Contact', id, { Title: 'Relayed' });
      const [ok] = [await sandbox.admin.salesforce.sendChangeNotifications([{ changeType: 'UPDATE', entityName: 'Contact', recordIds: [id] }], { targetUrl: target })].flat();
      expect(ok.ok).toBe(true);
      await eventually(
        async () => (await db.query(`SELECT attributes->>'job_title' AS t FROM customers WHERE connection_id = $1 AND external_id = $2`, [salesforceId, id])).rows[0]?.t === 'Relayed',
        'the relayed change to be applied',
        10_000,
      );
      const [bad] = [
        await sandbox.admin.salesforce.sendChangeNotifications([{ changeType: 'UPDATE', entityName: 'Contact', recordIds: [id] }], { targetUrl: target, secret: 'wrong-secret', maxAttempts: 1 }),
      ].flat();
      expect(bad.attempts[0].status).toBe(401);
    });
  });
});
