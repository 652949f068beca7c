import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { PERSONA_CHANGES, QUEUE } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../../worker/src/worker.module';
import { markPersonasPublished } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(180_000);

const TOKEN = 'sandbox-hubspot-token';
const SF_WRITEBACK_FIELDS_ABSENT = ['Contact.Corridor_Persona__c', 'Lead.Corridor_Persona__c'];

async function eventually<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * A user's view of connections over HTTP, with the real worker and the CRM sandbox through the real
 * clients: write-back targets and status (blocked while fields are missing, no hammering), redundant
 * writes, sync windows, last/next sync, cancelling a running sync, and the manual-only schedule.
 */
describe('connection status, write-back targets and sync control (API + worker + sandbox)', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let db: Client;
  let jobs: JobProducer;

  beforeAll(async () => {
    sandbox = await startCrmSandbox({
      port: 0,
      hubspot: { contacts: 300, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
      salesforce: { contacts: 200, leads: 40, absentFields: SF_WRITEBACK_FIELDS_ABSENT },
    } as never);
    api = await startApiTestApp();
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    jobs = api.app.get(JobProducer);
  });
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await sandbox?.close();
  });

  const admin = () => api.auth('admin');
  const hubspotBody = (name: string, settings: Record<string, unknown> = {}) => ({
    kind: 'hubspot',
    name,
    accessToken: TOKEN,
    basePath: sandbox.url,
    settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 }, ...settings },
  });
  const salesforceBody = (name: string, settings: Record<string, unknown> = {}) => ({
    kind: 'salesforce',
    name,
    loginUrl: sandbox.url,
    clientId: 'sandbox-salesforce-client-id',
    clientSecret: 'sandbox-salesforce-client-secret',
    username: 'integration@corridor.sandbox',
    password: 'sandbox-password',
    settings: { syncIntervalSeconds: 0, ...settings },
  });
  const syncAndWait = async (connectionId: string, mode: 'full' | 'incremental') => {
    const start = await api.http.post(`/v1/connections/${connectionId}/sync`).set(admin()).send({ mode });
    expect(start.status).toBe(202);
    return eventually(async () => {
      const r = await api.http.get(`/v1/sync-runs/${start.body.id}`).set(admin());
      if (r.body.status === 'failed') throw new Error(`sync failed: ${r.body.error}`);
      return r.body.status === 'completed' ? r.body : null;
    }, `the ${mode} sync`);
  };
  const writebackOf = async (connectionId: string) => (await api.http.get(`/v1/connections/${connectionId}/writeback`).set(admin())).body;
  const customerOf = async (connectionId: string, externalId: string) =>
    (await db.query(`SELECT id::text, crm_writeback_values FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, externalId])).rows[0];
  /** Persona changes as segmentation records them, then its notice on the crm-writeback queue. */
  const changePersonas = async (customerIds: string[], personaKey: string): Promise<string> => {
    const { rows } = await db.query(`SELECT id FROM personas WHERE key = $1`, [personaKey]);
    let last = '0';
    for (const id of customerIds) {
      // As segmentation would: the live assignment and its history row (write-back sweeps assignments after a publish).
      await db.query(`UPDATE assignments SET persona_id = $2 WHERE customer_id = $1 AND set_version = (SELECT version FROM persona_sets WHERE status = 'live')`, [id, rows[0].id]);
      const r = await db.query(
        `INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, $2, 1, 'rule_change', now()) RETURNING id::text`,
        [id, rows[0].id],
      );
      last = r.rows[0].id;
    }
    await jobs.enqueue(PERSONA_CHANGES, { toHistoryId: last, count: customerIds.length });
    return last;
  };
  /** Write-back of the connection has passed this history row. */
  const writtenUpTo = (connectionId: string, historyId: string) =>
    eventually(async () => {
      const { rows } = await db.query(`SELECT last_history_id::text AS h FROM feed_cursors WHERE consumer = $1`, [`writeback:${connectionId}`]);
      return rows[0] && BigInt(rows[0].h) >= BigInt(historyId);
    }, 'write-back to pass the change');
  const hubspotRequests = (endpoint: string) => sandbox.admin.stats().hubspot.byEndpoint[endpoint] ?? 0;
  const salesforceRequests = (endpoint: string) => sandbox.admin.stats().salesforce.byEndpoint[endpoint] ?? 0;

  beforeAll(async () => {
    await db.query(`INSERT INTO personas (key, name, description) VALUES ('vip', 'VIP', 'Big spenders'), ('saver', 'Saver', 'Careful buyers')`);
    await markPersonasPublished(db, ['vip', 'saver']);
  });

  describe('Salesforce org without the write-back fields', () => {
    let id: string;

    it('is created with the failed connection test in the answer, and a manual-only schedule said in words', async () => {
      const res = await api.http.post('/v1/connections').set(admin()).send(salesforceBody('SF without fields'));
      expect(res.status).toBe(201);
      id = res.body.id;
      expect(res.body.warnings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ check: 'writeback_fields', status: 'failed', code: 'CRM_WRITEBACK_FIELD_MISSING', message: expect.stringContaining('Contact.Corridor_Persona__c') }),
          expect.objectContaining({ check: 'schedule', status: 'warning', code: 'SYNC_MANUAL_ONLY' }),
        ]),
      );
      expect(res.body.sync).toMatchObject({ schedule: 'manual', intervalSeconds: 0, nextSyncAt: null, lastSync: null });
      expect(res.body.writeback).toMatchObject({ enabled: true, state: 'active', fields: { persona: 'Corridor_Persona__c', strategy: 'Corridor_Strategy__c' } });
    });

    it('refuses write-back fields that do not exist, naming the setting', async () => {
      const res = await api.http
        .post('/v1/connections')
        .set(admin())
        .send(salesforceBody('SF with a missing field', { writeback: { fields: { persona: 'Persona_Tier__c' } } }));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('CRM_WRITEBACK_FIELD_MISSING');
      expect(res.body.details).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'settings.writeback.fields.persona', code: 'CRM_WRITEBACK_FIELD_MISSING' })]));
      const patch = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: { fields: { persona: 'Name' } } } });
      expect(patch.status).toBe(400);
      expect(patch.body.details[0]).toMatchObject({ field: 'settings.writeback.fields.persona', code: 'CRM_WRITEBACK_FIELD_READ_ONLY' });
    });

    it('blocks write-back with a reason in plain words, and persona changes stop costing logins and describes', async () => {
      await syncAndWait(id, 'full');
      // Segmentation of the new customers asks for write-back: the first attempt finds the fields missing.
      const blocked = await eventually(async () => {
        const w = await writebackOf(id);
        return w.state === 'blocked' ? w : null;
      }, 'write-back to be blocked');
      expect(blocked.blocked).toMatchObject({ code: 'CRM_WRITEBACK_FIELD_MISSING', reason: expect.stringContaining('Corridor_Persona__c'), recheckAt: expect.any(String) });
      expect(blocked.lastError).toMatchObject({ code: 'CRM_WRITEBACK_FIELD_MISSING', message: expect.stringContaining('Write-back is paused') });
      expect(blocked).toMatchObject({ written: 0, failed: 0 });
      const connection = await api.http.get(`/v1/connections/${id}`).set(admin());
      expect(connection.body.writeback.state).toBe('blocked');

      // Five more persona changes, each with its own notice: none logs in, describes or fails.
      const logins = salesforceRequests('POST /services/oauth2/token');
      const describes = () =>
        salesforceRequests('GET /services/data/vXX.X/sobjects/Contact/describe') + salesforceRequests('GET /services/data/vXX.X/sobjects/Lead/describe');
      const describesBefore = describes();
      const patches = salesforceRequests('PATCH /services/data/vXX.X/composite/sobjects');
      const { rows } = await db.query(`SELECT id::text FROM customers WHERE connection_id = $1 AND crm_object = 'contact' ORDER BY id LIMIT 5`, [id]);
      const notices: string[] = [];
      for (const r of rows) notices.push(await changePersonas([r.id], 'vip'));
      const queue = jobs.queue(QUEUE.crmWriteback);
      await eventually(async () => {
        const done = await queue.getJobs(['completed'], 0, -1);
        const handled = new Set(done.filter((j) => j.name === 'writeback-connection' && j.data.connectionId === id).map((j) => j.data.toHistoryId));
        return notices.every((n) => handled.has(n));
      }, 'the five write-back jobs');
      expect(salesforceRequests('POST /services/oauth2/token')).toBe(logins);
      expect(describes()).toBe(describesBefore);
      expect(salesforceRequests('PATCH /services/data/vXX.X/composite/sobjects')).toBe(patches);
      expect((await queue.getJobs(['failed'], 0, -1)).filter((j) => j.data.connectionId === id)).toEqual([]);
      expect(await writebackOf(id)).toMatchObject({ state: 'blocked', written: 0, failed: 0 });
    });

    it('resumes by itself when a re-check finds the fields (the admin created them): nothing was lost', async () => {
      sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
      // The re-check time comes (15 minutes in production): the delayed job that checked runs again.
      await db.query(`UPDATE crm_writeback_cursors SET recheck_at = now() WHERE connection_id = $1`, [id]);
      const delayed = (await jobs.queue(QUEUE.crmWriteback).getJobs(['delayed'], 0, -1)).filter((j) => j.data.connectionId === id);
      expect(delayed.length).toBeGreaterThanOrEqual(1);
      for (const job of delayed) await job.promote();
      const resumed = await eventually(async () => {
        const w = await writebackOf(id);
        return w.state === 'active' && w.written > 0 ? w : null;
      }, 'write-back to resume');
      expect(resumed).toMatchObject({ blocked: null, failed: 0 });
      const { rows } = await db.query(`SELECT external_id FROM customers WHERE connection_id = $1 AND crm_object = 'contact' ORDER BY id LIMIT 1`, [id]);
      expect(sandbox.admin.salesforce.getRecord('Contact', rows[0].external_id).fields).toMatchObject({ Corridor_Persona__c: 'VIP' });
    });

    it('writes to the fields the connection names (an org with its own persona field)', async () => {
      const patch = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: { fields: { persona: 'Corridor_Strategy__c', strategy: null } } } });
      expect(patch.status).toBe(200);
      expect(patch.body.writeback.fields).toEqual({ persona: 'Corridor_Strategy__c', strategy: null });
      const { rows } = await db.query(`SELECT id::text, external_id FROM customers WHERE connection_id = $1 AND crm_object = 'contact' ORDER BY id DESC LIMIT 1`, [id]);
      const before = sandbox.admin.salesforce.getRecord('Contact', rows[0].external_id).fields.Corridor_Persona__c;
      await writtenUpTo(id, await changePersonas([rows[0].id], 'saver'));
      const fields = sandbox.admin.salesforce.getRecord('Contact', rows[0].external_id).fields;
      expect(fields.Corridor_Strategy__c).toBe('Saver');
      expect(fields.Corridor_Persona__c).toBe(before);
    });

    it('a blocked write-back resumes as soon as the settings name fields that exist', async () => {
      // The admin deletes the field the connection writes: blocked again.
      sandbox.admin.configure({ salesforce: { absentFields: ['Contact.Corridor_Strategy__c', 'Lead.Corridor_Strategy__c'] } } as never);
      const { rows } = await db.query(`SELECT id::text, external_id FROM customers WHERE connection_id = $1 AND crm_object = 'contact' ORDER BY id DESC LIMIT 1 OFFSET 1`, [id]);
      await changePersonas([rows[0].id], 'vip');
      const blocked = await eventually(async () => {
        const w = await writebackOf(id);
        return w.state === 'blocked' ? w : null;
      }, 'write-back to be blocked');
      expect(blocked.blocked.reason).toContain('Corridor_Strategy__c');
      // No re-check time passes: the settings change alone resumes it.
      const patch = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: { fields: { persona: 'Corridor_Persona__c', strategy: null } } } });
      expect(patch.status).toBe(200);
      await eventually(async () => sandbox.admin.salesforce.getRecord('Contact', rows[0].external_id).fields.Corridor_Persona__c === 'VIP', 'the write-back to resume');
      expect(await writebackOf(id)).toMatchObject({ state: 'active', blocked: null });
      sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
    });
  });

  describe('HubSpot', () => {
    let id: string;

    it('a configured property must exist; once created, write-back fills it instead of corridor_persona', async () => {
      const res = await api.http.post('/v1/connections').set(admin()).send(hubspotBody('HubSpot', { writeback: { fields: { persona: 'customer_persona' } } }));
      expect(res.status).toBe(400);
      expect(res.body.details[0]).toMatchObject({ field: 'settings.writeback.fields.persona', code: 'CRM_WRITEBACK_FIELD_MISSING' });
      const created = await api.http.post('/v1/connections').set(admin()).send(hubspotBody('HubSpot'));
      expect(created.status).toBe(201);
      expect(created.body.warnings.filter((w: { status: string }) => w.status === 'failed')).toEqual([]);
      id = created.body.id;
      const first = await syncAndWait(id, 'full');
      expect(first).toMatchObject({ windowFrom: null, windowTo: expect.any(String) });
      // Everyone is segmented ("Everyone else") and written back by the worker.
      await eventually(async () => (await writebackOf(id)).written >= 300, 'the first write-back');

      const property = await fetch(`${sandbox.url}/crm/v3/properties/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'customer_persona', label: 'Persona', type: 'string', fieldType: 'text', groupName: 'contactinformation' }),
      });
      expect(property.status).toBe(201);
      const patch = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: { fields: { persona: 'customer_persona', strategy: null } } } });
      expect(patch.status).toBe(200);
      const contact = sandbox.admin.hubspot.idForIndex(7);
      await writtenUpTo(id, await changePersonas([(await customerOf(id, contact)).id], 'vip'));
      expect(sandbox.admin.hubspot.getContact(contact).properties).toMatchObject({ customer_persona: 'VIP', corridor_persona: 'Everyone else' });
      const back = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: {} } });
      expect(back.body.writeback.fields).toEqual({ persona: 'corridor_persona', strategy: 'corridor_strategy' });
    });

    it('a merge survivor that already carries its persona is not written again', async () => {
      const [a, b] = [sandbox.admin.hubspot.idForIndex(20), sandbox.admin.hubspot.idForIndex(21)];
      expect(sandbox.admin.hubspot.getContact(a).properties.corridor_persona).toBe('Everyone else');
      const merged = sandbox.admin.hubspot.mergeContacts(a, b) as { id: string };
      const updates = hubspotRequests('POST /crm/v3/objects/contacts/batch/update');
      const singles = hubspotRequests('PATCH /crm/v3/objects/contacts/{contactId}');
      const before = await writebackOf(id);
      const incremental = await syncAndWait(id, 'incremental');
      expect(incremental).toMatchObject({ created: 1, merged: expect.any(Number) });
      const survivor = await customerOf(id, String(merged.id));
      expect(survivor.crm_writeback_values).toMatchObject({ corridor_persona: 'Everyone else' });
      // Segmentation gives the survivor its persona; write-back passes it without a request.
      const history = await eventually(async () => {
        const { rows } = await db.query(`SELECT max(id)::text AS h FROM persona_history WHERE customer_id = $1`, [survivor.id]);
        return rows[0].h;
      }, 'the survivor to be segmented');
      await writtenUpTo(id, history);
      expect(hubspotRequests('POST /crm/v3/objects/contacts/batch/update')).toBe(updates);
      expect(hubspotRequests('PATCH /crm/v3/objects/contacts/{contactId}')).toBe(singles);
      expect((await writebackOf(id)).written).toBe(before.written);
    });

    it('two merged-away ids of one record in a batch cost one retry of the batch, not one request per record', async () => {
      // Corridor does not know of this merge yet: both ids are live customers.
      const ids = Array.from({ length: 10 }, (_, i) => sandbox.admin.hubspot.idForIndex(40 + i));
      const survivor = sandbox.admin.hubspot.mergeContacts(ids[0], ids[1]) as { id: string };
      const customers: string[] = [];
      for (const x of ids) customers.push((await customerOf(id, x)).id);
      const singles = hubspotRequests('PATCH /crm/v3/objects/contacts/{contactId}');
      const updates = hubspotRequests('POST /crm/v3/objects/contacts/batch/update');
      await writtenUpTo(id, await changePersonas(customers, 'saver'));
      expect(hubspotRequests('PATCH /crm/v3/objects/contacts/{contactId}')).toBe(singles);
      expect(hubspotRequests('POST /crm/v3/objects/contacts/batch/update')).toBe(updates + 2);
      for (const x of ids.slice(2)) expect(sandbox.admin.hubspot.getContact(x).properties.corridor_persona).toBe('Saver');
      expect(sandbox.admin.hubspot.getContact(survivor.id).properties.corridor_persona).toBe('Saver');
      expect((await writebackOf(id)).failed).toBe(0);
    });

    it('records the CRM refuses are counted as failed, with the last error in words', async () => {
      const patch = await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: { hsPersona: { vip: 'persona_99' } } } });
      expect(patch.status).toBe(200);
      const contact = sandbox.admin.hubspot.idForIndex(60);
      await writtenUpTo(id, await changePersonas([(await customerOf(id, contact)).id], 'vip'));
      const status = await writebackOf(id);
      expect(status).toMatchObject({ state: 'active', failed: 1, lastError: { code: 'CRM_INVALID_REQUEST', message: expect.stringContaining(`1 record(s) refused, e.g. ${contact}`) } });
      expect(status.fields).toMatchObject({ persona: 'corridor_persona', hsPersona: 'hs_persona' });
      await api.http.patch(`/v1/connections/${id}`).set(admin()).send({ settings: { writeback: {} } });
    });

    it('each run shows its window; the connection shows its last sync', async () => {
      const runs = (await api.http.get(`/v1/connections/${id}/sync-runs`).set(admin())).body.items;
      const [incremental, full] = runs;
      expect(full).toMatchObject({ mode: 'full', windowFrom: null });
      expect(incremental).toMatchObject({ mode: 'incremental', windowFrom: full.windowTo });
      expect(Date.parse(incremental.windowTo)).toBeGreaterThan(Date.parse(full.windowTo));
      const connection = (await api.http.get(`/v1/connections/${id}`).set(admin())).body;
      expect(connection.sync).toMatchObject({ schedule: 'manual', lastSync: { id: incremental.id, status: 'completed' }, currentRun: null, nextSyncAt: null });
    });
  });

  describe('sync control', () => {
    it('a running sync is cancelled at its next page, with its committed pages and checkpoint kept', async () => {
      const created = await api.http.post('/v1/connections').set(admin()).send(hubspotBody('slow HubSpot'));
      const id = created.body.id;
      sandbox.admin.configure({ hubspot: { faults: { latencyMs: 1000 } } } as never);
      try {
        const start = await api.http.post(`/v1/connections/${id}/sync`).set(admin()).send({ mode: 'full' });
        await eventually(async () => (await api.http.get(`/v1/sync-runs/${start.body.id}`).set(admin())).body.status === 'running', 'the sync to run');
        const current = (await api.http.get(`/v1/connections/${id}`).set(admin())).body.sync.currentRun;
        expect(current).toMatchObject({ id: start.body.id, status: 'running' });
        const cancel = await api.http.post(`/v1/connections/${id}/sync-runs/${start.body.id}/cancel`).set(admin());
        expect(cancel.status).toBe(202);
        expect(cancel.body.cancelRequestedAt).toEqual(expect.any(String));
        const run = await eventually(async () => {
          const r = (await api.http.get(`/v1/sync-runs/${start.body.id}`).set(admin())).body;
          return r.status === 'cancelled' ? r : null;
        }, 'the run to be cancelled');
        expect(run.records).toBeLessThan(300);
        expect(run.finishedAt).toEqual(expect.any(String));
        const { rows } = await db.query(`SELECT position FROM sync_runs WHERE id = $1`, [run.id]);
        expect(rows[0].position).not.toBeNull();
        const stored = await db.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1`, [id]);
        expect(stored.rows[0].n).toBe(run.records);
        const again = await api.http.post(`/v1/connections/${id}/sync-runs/${start.body.id}/cancel`).set(admin());
        expect(again.status).toBe(409);
        expect(again.body.code).toBe('SYNC_RUN_FINISHED');
        expect((await api.http.post(`/v1/connections/${id}/sync-runs/00000000-0000-0000-0000-000000000000/cancel`).set(admin())).status).toBe(404);
        const connection = (await api.http.get(`/v1/connections/${id}`).set(admin())).body;
        expect(connection.sync).toMatchObject({ currentRun: null, lastSync: { id: run.id, status: 'cancelled' } });
      } finally {
        sandbox.admin.configure({ hubspot: { faults: { latencyMs: 0 } } } as never);
      }
    });

    it('a connection with a schedule runs its first sync by itself and shows the next one', async () => {
      const created = await api.http.post('/v1/connections').set(admin()).send(hubspotBody('scheduled HubSpot', { syncIntervalSeconds: 3600 }));
      expect(created.status).toBe(201);
      expect(created.body.warnings.map((w: { code: string }) => w.code)).not.toContain('SYNC_MANUAL_ONLY');
      const id = created.body.id;
      const connection = await eventually(async () => {
        const c = (await api.http.get(`/v1/connections/${id}`).set(admin())).body;
        return c.sync.lastSync?.status === 'completed' ? c : null;
      }, 'the first sync');
      expect(connection.sync).toMatchObject({ schedule: 'interval', intervalSeconds: 3600, lastSync: { trigger: 'first', mode: 'full' } });
      expect(Date.parse(connection.sync.nextSyncAt)).toBeGreaterThan(Date.now());
      await api.http.delete(`/v1/connections/${id}`).set(admin());
    });
  });
});
