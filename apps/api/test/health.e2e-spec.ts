import { ApiTestApp, startApiTestApp } from './api-test-app';

// Boot and close take longer than jest's 5 s default on a loaded machine (migrations checked at boot too).
jest.setTimeout(60_000);

describe('operations endpoints', () => {
  let api: ApiTestApp;
  beforeAll(async () => (api = await startApiTestApp()));
  afterAll(() => api.close());

  it('reports Postgres and Redis up at /health, without a key', async () => {
    const res = await api.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it('serves the OpenAPI document with the API-key security scheme', async () => {
    const res = await api.http.get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(res.body.components.securitySchemes['api-key']).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }));
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/v1/attributes', '/v1/api-keys', '/v1/customers/import', '/health']));
    expect((await api.http.get('/docs/')).status).toBe(200);
  });

  it('exposes Prometheus metrics with the request histogram by route pattern', async () => {
    await api.http.get('/v1/attributes/email').set(api.auth('agent')).expect(200);
    const res = await api.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('process_cpu_user_seconds_total');
    expect(res.text).toMatch(/http_request_duration_seconds_count\{app="api",method="GET",route="\/v1\/attributes\/:name",status_code="200"\} 1/);
  });

  it('echoes a caller-given X-Request-Id, or makes one', async () => {
    const given = await api.http.get('/health').set('X-Request-Id', 'abc-123');
    expect(given.headers['x-request-id']).toBe('abc-123');
    const made = await api.http.get('/health').set('X-Request-Id', 'not valid because spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
