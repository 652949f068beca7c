import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import supertest from 'supertest';
import { createApiApp } from '../src/bootstrap';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

describe('rate limits per API key, shared by api processes', () => {
  let api: ApiTestApp;
  let second: NestExpressApplication;
  let secondHttp: supertest.Agent;

  beforeAll(async () => {
    api = await startApiTestApp({ env: { RATE_LIMIT_AGENT: '6', RATE_LIMIT_ADMIN: '0', RATE_LIMIT_ANONYMOUS: '4', RATE_LIMIT_WINDOW_SECONDS: '60' } });
    // A second api process on the same database and Redis (process.env still points at them).
    second = await createApiApp();
    await second.listen(0, '127.0.0.1');
    secondHttp = supertest.agent(`http://127.0.0.1:${(second.getHttpServer().address() as AddressInfo).port}`);
  });
  afterAll(async () => {
    await second?.close();
    await api?.close();
  });

  it('counts one key across both processes, answers 429 RATE_LIMITED with Retry-After, and leaves other keys alone', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const http = i % 2 === 0 ? api.http : secondHttp;
      const res = await http.get('/v1/attributes').set(api.auth('agent'));
      statuses.push(res.status);
      expect(res.headers['x-ratelimit-limit']).toBe('6');
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200]);

    for (const http of [api.http, secondHttp]) {
      const limited = await http.get('/v1/attributes').set('X-API-Key', api.agentKey);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/^Too many requests: this agent key may make 6 per 60 s; retry in \d+ s$/),
        details: [{ field: 'authorization', message: 'limit of 6 requests per 60 s reached', code: 'RATE_LIMITED' }],
      });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }

    // Another agent key has a count of its own; a limit of 0 (admin here) means no limit.
    const { secret } = await api.app.get((await import('@corridor/persistence')).ApiKeyRepository).issue('other desk', 'agent');
    expect((await api.http.get('/v1/attributes').set('X-API-Key', secret)).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await secondHttp.get('/v1/attributes').set(api.auth('admin'))).status).toBe(200);
  });

  it('limits public routes per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await (i % 2 ? secondHttp : api.http).get('/health')).status);
    expect(statuses.slice(0, 4).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(4)).toEqual([429, 429]);
  });
});
