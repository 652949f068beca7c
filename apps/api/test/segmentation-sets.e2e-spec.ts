import { ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * Who may read published persona sets: agents may (a customer's explanation names the set it was
 * assigned by, and the agent needs its rules to follow it); integrations may not.
 */
describe('GET /v1/segmentation/sets', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('lets agent and admin keys read the sets and one set by version', async () => {
    for (const role of ['agent', 'admin'] as const) {
      const list = await api.http.get('/v1/segmentation/sets').set(api.auth(role));
      expect(list.status).toBe(200);
      const version = list.body.sets[0].version;
      expect(version).toEqual(expect.any(Number));
      const one = await api.http.get(`/v1/segmentation/sets/${version}`).set(api.auth(role));
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ version });
    }
  });

  it('refuses integration keys with 403 naming the role', async () => {
    for (const path of ['/v1/segmentation/sets', '/v1/segmentation/sets/1']) {
      const res = await api.http.get(path).set(api.auth('integration'));
      expect(res.status).toBe(403);
      expect(res.body.message).toBe('This endpoint requires role agent or admin; the key has role integration');
    }
  });
});
