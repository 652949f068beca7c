import { ApiTestApp, startApiTestApp } from './api-test-app';

/**
 * The console generates its client from /docs-json, so every operation must say what a success
 * answers: a 2xx response with a schema (204 No Content needs none).
 */
describe('OpenAPI document', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('declares a 2xx response schema for every operation', async () => {
    const res = await api.http.get('/docs-json');
    expect(res.status).toBe(200);
    const missing: string[] = [];
    let operations = 0;
    for (const [path, item] of Object.entries<Record<string, any>>(res.body.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        operations++;
        const ok = Object.entries<any>(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
        const described = ok.some(([code, r]) => code === '204' || r.content?.[Object.keys(r.content)[0]]?.schema);
        if (!described) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(operations).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});
