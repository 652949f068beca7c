import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import supertest from 'supertest';
import { ApiKeyRepository } from '@corridor/persistence';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';
import { CONSOLE_DIST, ensureConsoleBuilt } from './console-build';

jest.setTimeout(60_000);

/** The api serves the built console at /console and Bull Board at /admin/queues, and nothing else changes. */
describe('console and queue board served by the api', () => {
  let api: ApiTestApp;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    api = await startApiTestApp();
  });
  afterAll(() => api?.close());

  it('serves the SPA at /console, with deep links falling back to index.html', async () => {
    for (const path of ['/console/', '/console/customers', '/console/personas/deep/link']) {
      const res = await api.http.get(path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers['content-type']).toMatch(/text\/html/);
      expect(res.text).toContain('<div id="root"></div>');
    }
    const js = readdirSync(join(CONSOLE_DIST, 'assets')).find((f) => f.endsWith('.js'))!;
    const asset = await api.http.get(`/console/assets/${js}`);
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
  });

  it('leaves the API, its auth and its errors as they were', async () => {
    const unknown = await api.http.get('/v1/no-such-route').set(api.auth('admin'));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect((await api.http.get('/v1/personas')).status).toBe(401);
    expect((await api.http.get('/v1/personas').set(api.auth('agent'))).status).toBe(200);
    expect((await api.http.get('/docs-json')).body.paths['/v1/admin/queues/session']).toBeDefined();
  });

  it('guards Bull Board with a short-lived signed cookie that only an admin key gets', async () => {
    // Not api.http: that agent keeps cookies, and each request here must carry exactly the one it names.
    const http = supertest(api.url);
    expect((await http.get('/admin/queues')).status).toBe(401);
    expect((await http.get('/admin/queues/api/queues')).status).toBe(401);
    expect((await http.post('/v1/admin/queues/session').set(api.auth('agent'))).status).toBe(403);
    expect((await http.post('/v1/admin/queues/session')).status).toBe(401);

    const session = await http.post('/v1/admin/queues/session').set(api.auth('admin'));
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ path: '/admin/queues', expiresAt: expect.any(String) });
    const cookie = ([] as string[]).concat(session.headers['set-cookie'] ?? []).find((c) => c.startsWith('corridor_queues='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin\/queues/);
    expect(cookie).toMatch(/Max-Age=900/);
    const value = cookie.split(';')[0];

    const page = await http.get('/admin/queues').set('Cookie', value);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<html/i);
    const queues = await http.get('/admin/queues/api/queues').set('Cookie', value);
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['segmentation', 'crm-sync', 'treatment-dispatch']));

    // A forged signature, or a revoked key, ends the session.
    const forged = value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await http.get('/admin/queues/api/queues').set('Cookie', forged)).status).toBe(401);
    const keyId = decodeURIComponent(value.split('=')[1]).split('.')[0];
    await api.app.get(ApiKeyRepository).revoke(keyId);
    expect((await http.get('/admin/queues/api/queues').set('Cookie', value)).status).toBe(401);
  });
});
