import { DataSource } from 'typeorm';
import { ApiKeyRepository } from '@corridor/persistence';
import { API_KEY_CACHE_TTL_MS } from '../src/auth/api-key.cache';
import { RouteAccessCheck } from '../src/auth/route-access.check';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000); // booting the app takes well over 5 s on a busy machine

describe('API keys and roles', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('answers 401 UNAUTHENTICATED without a key or with a bad one', async () => {
    const missing = await api.http.get('/v1/attributes');
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({
      code: 'UNAUTHENTICATED',
      message: expect.stringContaining('API key is required'),
      details: [{ field: 'authorization', message: 'no API key was sent', code: 'API_KEY_MISSING' }],
    });
    for (const bad of ['nonsense', `${api.adminKey.slice(0, -2)}xx`, 'crd_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      const res = await api.http.get('/v1/attributes').set('Authorization', `Bearer ${bad}`);
      expect(res.status).toBe(401);
      expect(res.body.details[0].code).toBe('API_KEY_INVALID');
    }
  });

  it('takes the key from Authorization: Bearer or X-API-Key', async () => {
    expect((await api.http.get('/v1/attributes').set('Authorization', `Bearer ${api.agentKey}`)).status).toBe(200);
    expect((await api.http.get('/v1/attributes').set('authorization', `bearer ${api.agentKey}`)).status).toBe(200);
    expect((await api.http.get('/v1/attributes').set('X-API-Key', api.agentKey)).status).toBe(200);
  });

  it('answers 403 FORBIDDEN naming the required role; admin may do what agents may', async () => {
    const res = await api.http.post('/v1/attributes').set(api.auth('agent')).send({ name: 'plan', type: 'string' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      code: 'FORBIDDEN',
      message: 'This endpoint requires role admin; the key has role agent',
      details: [{ field: 'role', message: 'requires role admin', code: 'ROLE_REQUIRED' }],
    });
    const integration = await api.http.get('/v1/customers?email=a@example.com').set(api.auth('integration'));
    expect(integration.status).toBe(403);
    expect(integration.body.message).toBe('This endpoint requires role agent or admin; the key has role integration');
    expect((await api.http.get('/v1/attributes').set(api.auth('admin'))).status).toBe(200);
  });

  it('creates a key once (secret shown only then), lists it without the secret, and revokes it', async () => {
    const created = await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ role: 'integration', name: 'crm bridge' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'crm bridge', role: 'integration', revokedAt: null });
    expect(created.body.key).toMatch(/^crd_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(created.body.key.startsWith(`crd_${created.body.prefix}_`)).toBe(true);

    const listed = await api.http.get('/v1/api-keys').set(api.auth('admin'));
    expect(listed.status).toBe(200);
    const entry = listed.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(entry).toMatchObject({ name: 'crm bridge', role: 'integration', prefix: created.body.prefix });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const upload = () =>
      api.http.post('/v1/customers/import').set('X-API-Key', created.body.key).set('Content-Type', 'application/x-ndjson').send('');
    expect((await upload()).status).toBe(200);
    expect((await api.http.delete(`/v1/api-keys/${created.body.id}`).set(api.auth('admin'))).status).toBe(204);
    expect((await upload()).status).toBe(401);

    const after = await api.http.get('/v1/api-keys').set(api.auth('admin'));
    const revoked = after.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect(revoked.lastUsedAt).not.toBeNull();
  });

  it('validates key requests and 404s an unknown key id', async () => {
    const bad = await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ role: 'root' });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ field: 'role', code: 'isIn' })]);
    expect((await api.http.delete('/v1/api-keys/not-a-uuid').set(api.auth('admin'))).body.details[0].field).toBe('id');
    const missing = await api.http.delete('/v1/api-keys/5b6a2b0e-8c55-4f7e-9f0e-0a1b2c3d4e5f').set(api.auth('admin'));
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('API_KEY_NOT_FOUND');
    expect((await api.http.get('/v1/api-keys').set(api.auth('agent'))).status).toBe(403);
  });

  it('creates a key with an expiry; once past it the key answers 401 API_KEY_EXPIRED; revoked ones say so', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const created = await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ role: 'agent', name: 'contractor', expiresAt });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ expiresAt, state: 'active' });
    expect((await api.http.get('/v1/attributes').set('X-API-Key', created.body.key)).status).toBe(200);

    const db = api.app.get(DataSource);
    await db.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.body.id]);
    // A change made outside this process's API reaches it within the key cache's lifetime.
    await new Promise((r) => setTimeout(r, API_KEY_CACHE_TTL_MS + 50));
    const expired = await api.http.get('/v1/attributes').set('X-API-Key', created.body.key);
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ code: 'UNAUTHENTICATED', details: [{ field: 'authorization', code: 'API_KEY_EXPIRED' }] });
    const listed = (await api.http.get('/v1/api-keys').set(api.auth('admin'))).body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toMatchObject({ state: 'expired', lastUsedAt: expect.any(String) });

    await api.http.delete(`/v1/api-keys/${created.body.id}`).set(api.auth('admin'));
    expect((await api.http.get('/v1/attributes').set('X-API-Key', created.body.key)).body.details[0].code).toBe('API_KEY_REVOKED');

    for (const bad of [new Date(Date.now() - 1000).toISOString(), 'next tuesday', 12]) {
      const res = await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ role: 'agent', expiresAt: bad });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe('expiresAt');
    }
  });

  it('refuses a key revoked through the API from its next request, though the key was just verified and cached', async () => {
    const created = (await api.http.post('/v1/api-keys').set(api.auth('admin')).send({ role: 'agent', name: 'cached' }).expect(201)).body;
    expect((await api.http.get('/v1/attributes').set('X-API-Key', created.key)).status).toBe(200);
    await api.http.delete(`/v1/api-keys/${created.id}`).set(api.auth('admin')).expect(204);
    expect((await api.http.get('/v1/attributes').set('X-API-Key', created.key)).body.details[0].code).toBe('API_KEY_REVOKED');
  });

  it('refuses a key revoked outside this process (the CLI, another api process) within the cache lifetime', async () => {
    const keys = api.app.get(ApiKeyRepository);
    const { apiKey, secret } = await keys.issue('revoked elsewhere', 'agent');
    expect((await api.http.get('/v1/attributes').set('X-API-Key', secret)).status).toBe(200);
    await keys.revoke(apiKey.id);
    await new Promise((r) => setTimeout(r, API_KEY_CACHE_TTL_MS + 50));
    expect((await api.http.get('/v1/attributes').set('X-API-Key', secret)).body.details[0].code).toBe('API_KEY_REVOKED');
  });

  it('accepts keys issued outside HTTP (as the CLI does) at once', async () => {
    const { secret } = await api.app.get(ApiKeyRepository).issue('from the CLI', 'agent');
    expect((await api.http.get('/v1/attributes').set('X-API-Key', secret)).status).toBe(200);
  });

  describe('every route declares its access', () => {
    interface ExpressLayer {
      route?: { path: string; methods: Record<string, boolean> };
    }

    it('each route served by express is a declared Nest route, and undeclared ones are impossible', () => {
      const declared = api.app.get(RouteAccessCheck).routes();
      expect(declared.length).toBeGreaterThan(5);
      expect(declared.filter((r) => !r.access)).toEqual([]);

      const stack = api.app.getHttpAdapter().getInstance().router.stack as unknown as ExpressLayer[];
      const served = stack
        .filter((l) => l.route)
        .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path}`))
        .filter((r) => !/ \/docs/.test(r)) // Swagger UI and the OpenAPI document: public by design
        .filter((r) => !/ \/console(\/|$)/.test(r)) // the console's static files (when built): public, they hold no data
        .filter((r) => !r.endsWith(' /{*path}')); // Nest's middleware for all routes (request logging), not endpoints
      const known = new Set(declared.map((r) => `${r.method} ${r.path}`));
      expect(served.filter((r) => !known.has(r))).toEqual([]);
      expect(served.length).toBe(declared.length);
    });

    it('a request without a key reaches no route that is not @Public (401 before any validation)', async () => {
      const declared = api.app.get(RouteAccessCheck).routes();
      for (const route of declared) {
        const path = route.path.replace(/:[A-Za-z_]+/g, 'x');
        const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
        if (typeof api.http[method] !== 'function') continue;
        if (route.access?.public) continue; // answered by the route itself (health, metrics, signed webhooks)
        const res = await api.http[method](path);
        expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status: 401 });
      }
    });
  });
});
