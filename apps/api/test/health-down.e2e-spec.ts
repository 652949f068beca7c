import { ApiTestApp, startApiTestApp } from './api-test-app';

// Boot and close take longer than jest's 5 s default on a loaded machine (migrations checked at boot too).
jest.setTimeout(60_000);

describe('/health with Redis down', () => {
  let api: ApiTestApp;
  // Nothing listens on this port: BullMQ keeps retrying in the background, /health must say so.
  beforeAll(async () => (api = await startApiTestApp({ env: { REDIS_URL: 'redis://127.0.0.1:6399' } })));
  afterAll(async () => {
    await api.close();
    // ioredis leaves a 2 s timer behind when it disconnects a client that never connected.
    await new Promise((resolve) => setTimeout(resolve, 2100));
  });

  it('answers 503 in the error shape, naming the dependency that is down', async () => {
    const res = await api.http.get('/health');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      code: 'UNHEALTHY',
      message: 'Not ready: redis down',
      details: [{ field: 'redis', message: expect.any(String), code: 'DOWN' }],
    });
  });
});
