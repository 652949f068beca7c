import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import supertest from 'supertest';
import { createApiApp } from '../src/bootstrap';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * Failed authentication limited per client IP (AUTH_FAILURE_LIMIT), counted in Redis across api
 * processes: past the limit, 429 AUTH_RATE_LIMITED with Retry-After, before any key is checked;
 * requests with valid keys are never counted; the block ends with the window.
 */
describe('failed authentication is limited per client address', () => {
  const WINDOW = 10;
  let api: ApiTestApp;
  let second: NestExpressApplication;
  let secondHttp: supertest.Agent;

  beforeAll(async () => {
    api = await startApiTestApp({ env: { AUTH_FAILURE_LIMIT: '5', RATE_LIMIT_WINDOW_SECONDS: String(WINDOW) } });
    second = await createApiApp();
    await second.listen(0, '127.0.0.1');
    secondHttp = supertest.agent(`http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`);
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await api?.close();
  });

  it('valid keys are not counted; 401s are, across processes, then 429 with Retry-After until the window ends', async () => {
    for (let i = 0; i < 12; i++) expect((await (i % 2 ? secondHttp : api.http).get('/v1/attributes').set(api.auth('agent'))).status).toBe(200);

    const bad = 'crd_000000000000_' + 'A'.repeat(43);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const http = i % 2 ? secondHttp : api.http;
      const res = i % 3 === 0 ? await http.get('/v1/attributes') : await http.get('/v1/attributes').set('Authorization', `Bearer ${bad}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401]);

    // The sixth refused request, on either process, is a 429; from then on this address is refused before its key is looked at.
    const limited = await secondHttp.get('/v1/attributes').set('X-API-Key', bad);
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({
      code: 'AUTH_RATE_LIMITED',
      message: expect.stringMatching(/^Too many requests without a valid API key from this address; retry in \d+ s$/),
      details: [{ field: 'authorization', message: 'too many missing or invalid API keys from this address', code: 'AUTH_RATE_LIMITED' }],
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW);
    expect((await secondHttp.get('/v1/attributes').set(api.auth('admin'))).status).toBe(429);
    expect((await api.http.get('/v1/attributes')).status).toBe(429);
    // Public routes are not behind a key.
    expect((await api.http.get('/health')).status).toBe(200);

    await new Promise((r) => setTimeout(r, (retryAfter + 1) * 1000));
    expect((await api.http.get('/v1/attributes').set(api.auth('agent'))).status).toBe(200);
    expect((await secondHttp.get('/v1/attributes').set(api.auth('agent'))).status).toBe(200);
    expect((await secondHttp.get('/v1/attributes').set('X-API-Key', bad)).status).toBe(401);
  });
});
