import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ApiTestApp, startApiTestApp } from './api-test-app';
import { importCustomers } from './seed';

jest.setTimeout(90_000);

/**
 * The audit log (README "Audit log"): every change an admin key makes is recorded with who, what,
 * before, after and when, readable at GET /v1/audit by admins only; no secret the test sends or
 * receives (CRM token and client secret, destination signing secret, a new API key), plain or
 * sealed, appears in any row.
 */
describe('audit log', () => {
  let api: ApiTestApp;
  let db: DataSource;
  let adminKeyId: string;
  const TOKEN = `pat-na1-${randomBytes(12).toString('hex')}`;
  const NEW_TOKEN = `pat-na1-${randomBytes(12).toString('hex')}`;
  const CLIENT_SECRET = `client-secret-${randomBytes(12).toString('hex')}`;
  const SIGNING = `whsec_${randomBytes(32).toString('base64')}`;
  const NEW_SIGNING = `whsec_${randomBytes(32).toString('base64')}`;
  const admin = () => api.auth('admin');
  const audit = async (query: Record<string, string | number> = {}) => (await api.http.get('/v1/audit').query(query).set(admin()).expect(200)).body;

  beforeAll(async () => {
    api = await startApiTestApp();
    db = await new DataSource({ type: 'postgres', url: api.ctx.databaseUrl }).initialize();
    [{ id: adminKeyId }] = await db.query(`SELECT id FROM api_keys WHERE role = 'admin'`);
  });
  afterAll(async () => {
    await db?.destroy();
    await api?.close();
  });

  it('records a persona created then changed by an admin, with who, what, before, after and when', async () => {
    const started = new Date();
    const rule = { attribute: 'country', operator: 'in', value: ['GB', 'DE'] };
    await api.http.post('/v1/personas').set(admin()).send({ key: 'vip', name: 'VIP', rule }).expect(201);
    const patched = await api.http.patch('/v1/personas/vip').set(admin()).send({ name: 'Very important' }).expect(200);

    const page = await audit({ targetType: 'persona', targetId: 'vip' });
    expect(page.items.map((e: { action: string }) => e.action)).toEqual(['persona.update']);
    const [update] = page.items;
    expect(update).toMatchObject({
      actor: { keyId: adminKeyId, name: 'test admin', role: 'admin' },
      action: 'persona.update',
      method: 'PATCH',
      route: '/v1/personas/:key',
      path: '/v1/personas/vip',
      target: { type: 'persona', id: 'vip' },
      statusCode: 200,
      request: { name: 'Very important' },
      before: { key: 'vip', name: 'VIP' },
      after: { key: 'vip', name: 'Very important' },
    });
    expect(update.after).toEqual(JSON.parse(JSON.stringify(patched.body)));
    expect(new Date(update.at).getTime()).toBeGreaterThanOrEqual(started.getTime() - 1000);
    const created = (await audit({ targetType: 'persona' })).items.find((e: { action: string }) => e.action === 'persona.create');
    expect(created).toMatchObject({ method: 'POST', statusCode: 201, before: null, request: { key: 'vip', name: 'VIP', rule }, after: { key: 'vip' } });
  });

  it('records connection and destination changes with every credential and signing secret redacted, plain and sealed', async () => {
    const conn = await api.http
      .post('/v1/connections')
      .set(admin())
      .send({ kind: 'hubspot', name: 'HubSpot', accessToken: TOKEN, webhookClientSecret: CLIENT_SECRET, settings: { syncIntervalSeconds: 0 } })
      .expect(201);
    await api.http.patch(`/v1/connections/${conn.body.id}`).set(admin()).send({ name: 'HubSpot EU', accessToken: NEW_TOKEN }).expect(200);
    const dest = await api.http.post('/v1/destinations').set(admin()).send({ name: 'hook', url: 'https://93.184.216.34/hook', secret: SIGNING }).expect(201);
    await api.http.patch(`/v1/destinations/${dest.body.id}`).set(admin()).send({ name: 'hook 2', secret: NEW_SIGNING }).expect(200);
    const key = await api.http.post('/v1/api-keys').set(admin()).send({ role: 'agent', name: 'desk' }).expect(201);

    const connUpdate = (await audit({ targetType: 'connection', targetId: conn.body.id })).items.find((e: { action: string }) => e.action === 'connection.update');
    expect(connUpdate).toMatchObject({ before: { id: conn.body.id, name: 'HubSpot' }, after: { name: 'HubSpot EU' }, request: { name: 'HubSpot EU', accessToken: '[redacted]' } });
    const destUpdate = (await audit({ targetType: 'destination', targetId: dest.body.id })).items[0];
    expect(destUpdate).toMatchObject({ action: 'destination.update', before: { name: 'hook' }, after: { name: 'hook 2' }, request: { secret: '[redacted]' } });
    const keyCreate = (await audit({ targetType: 'api_key' })).items[0];
    expect(keyCreate).toMatchObject({ action: 'api_key.create', after: { id: key.body.id, key: '[redacted]' } });

    // Every row, every column: none of the secrets of this test, nor any sealed value from the database.
    const sealed: string[] = [
      ...(await db.query(`SELECT credentials_encrypted AS s FROM connections WHERE credentials_encrypted IS NOT NULL`)),
      ...(await db.query(`SELECT secret_encrypted AS s FROM destinations`)),
    ].map((r: { s: string }) => r.s);
    const rows = JSON.stringify(await db.query(`SELECT * FROM audit_log`));
    for (const secret of [TOKEN, NEW_TOKEN, CLIENT_SECRET, SIGNING, NEW_SIGNING, key.body.key, api.adminKey, ...sealed]) {
      expect(rows).not.toContain(secret);
    }
    expect(rows).not.toMatch(/v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\./);
    expect(rows).not.toMatch(/crd_[0-9a-f]{12}_/);
  });

  it('records a settings change, and its before once there is one', async () => {
    const before = (await api.http.get('/v1/experience/settings').set(admin()).expect(200)).body;
    const settings = { averageWeight: 1, peakWeight: 1, endWeight: 1, momentOfTruthWeight: 2, windowDays: 60, recoveryThreshold: 40 };
    const put = await api.http.put('/v1/experience/settings').set(admin()).send(settings);
    expect(put.status).toBe(200);
    const [entry] = (await audit({ targetType: 'experience' })).items;
    expect(entry).toMatchObject({ action: 'experience.settings.update', request: settings, after: put.body });
    // None were saved before: the loader read "no settings" (the defaults applied).
    expect(before).toBeDefined();
    expect(entry.before).toBeNull();
    const again = await api.http.put('/v1/experience/settings').set(admin()).send({ ...settings, windowDays: 90 }).expect(200);
    const [second] = (await audit({ targetType: 'experience' })).items;
    expect(second).toMatchObject({ before: { windowDays: 60 }, after: again.body });
  });

  it('does not record a change that failed, a read, or a change by another role', async () => {
    const total = async () => (await db.query(`SELECT count(*)::int AS n FROM audit_log`))[0].n as number;
    const start = await total();
    await api.http.patch('/v1/personas/nobody').set(admin()).send({ name: 'x' }).expect(404);
    await api.http.post('/v1/personas').set(admin()).send({ key: 'Bad Key!', name: 'x', rule: {} }).expect(400);
    await api.http.get('/v1/personas').set(admin()).expect(200);
    await api.http.post('/v1/personas/validate').set(admin()).send({ rule: { attribute: 'country', operator: 'in', value: ['FR'] } }).expect(200);
    await importCustomers(api, [{ id: 'c-1', attributes: { email: 'ann@x.io' } }]);
    expect(await total()).toBe(start);
  });

  it('filters by time, actor and target, pages newest first, and is for admins only', async () => {
    const all = (await audit({ limit: 200 })).items as Array<{ id: string; at: string }>;
    expect(all.length).toBeGreaterThanOrEqual(8);
    expect(all.map((e) => Number(e.id))).toEqual([...all.map((e) => Number(e.id))].sort((a, b) => b - a));

    const seen: string[] = [];
    let before: string | undefined;
    do {
      const page = await audit(before ? { limit: 3, before } : { limit: 3 });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((e: { id: string }) => e.id));
      before = page.next ?? undefined;
    } while (before);
    expect(seen).toEqual(all.map((e) => e.id));

    expect((await audit({ actorKeyId: adminKeyId, limit: 200 })).items).toHaveLength(all.length);
    expect((await audit({ actorKeyId: '00000000-0000-4000-8000-000000000000' })).items).toEqual([]);
    const middle = all[Math.floor(all.length / 2)].at;
    const since = (await audit({ since: middle, limit: 200 })).items as Array<{ at: string }>;
    const until = (await audit({ until: middle, limit: 200 })).items as Array<{ at: string }>;
    expect(since.length + until.length).toBe(all.length);
    expect(since.every((e) => e.at >= middle) && until.every((e) => e.at < middle)).toBe(true);

    const bad = await api.http.get('/v1/audit').query({ since: 'yesterday', limit: 0 }).set(admin());
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual(['limit', 'since']);
    await api.http.get('/v1/audit').set(api.auth('agent')).expect(403);
    await api.http.get('/v1/audit').expect(401);
  });
});
