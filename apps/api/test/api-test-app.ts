/**
 * Boots the real API (AppModule, configured exactly as main.ts does) in-process on a random port,
 * against a database and Redis prefix of the test file's own, with one API key per role.
 *
 *   let api: ApiTestApp;
 *   beforeAll(async () => (api = await startApiTestApp()));
 *   afterAll(() => api.close());
 *
 *   it('lists personas', async () => {
 *     const res = await api.http.get('/v1/personas').set(api.auth('agent'));
 *     expect(res.status).toBe(200);
 *   });
 *
 * - `http` is a supertest agent bound to `url`; `auth(role)` gives the header for that role's key
 *   (or use `adminKey`/`agentKey`/`integrationKey` yourself: `.set('X-API-Key', api.adminKey)`).
 * - `ctx` is the TestContext: `ctx.databaseUrl` for direct SQL, `ctx.redisPrefix` for queue keys.
 * - `app.get(SomeRepository)` reaches any provider.
 * - Call it once per file (beforeAll): createTestContext points process.env at the new database,
 *   and the app reads its config from there at boot.
 * - `startApiTestApp({ env: { SOME_SETTING: 'x' } })` boots with extra settings (read by AppConfig).
 * - Needs the jest globalSetup of config/jest.config.js (e2e project).
 */
import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import supertest from 'supertest';
import { Role } from '@corridor/domain';
import { ApiKeyRepository } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { createApiApp } from '../src/bootstrap';

export interface ApiTestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port> */
  url: string;
  http: supertest.Agent;
  ctx: TestContext;
  adminKey: string;
  agentKey: string;
  integrationKey: string;
  /** `{ Authorization: 'Bearer <key of that role>' }` for `.set(...)`. */
  auth(role: Role): Record<string, string>;
  /** Stops the app, then drops the database and the Redis keys. */
  close(): Promise<void>;
}

export interface ApiTestAppOptions {
  /** Settings on top of the test context's (database, Redis prefix, silent logs). */
  env?: Record<string, string>;
}

export async function startApiTestApp(options: ApiTestAppOptions = {}): Promise<ApiTestApp> {
  const ctx = await createTestContext();
  // Tests fire requests far faster than any client should: limits only where a test sets them.
  Object.assign(process.env, { RATE_LIMIT_ADMIN: '0', RATE_LIMIT_AGENT: '0', RATE_LIMIT_INTEGRATION: '0', RATE_LIMIT_ANONYMOUS: '0', AUTH_FAILURE_LIMIT: '0' }, options.env);
  let app: NestExpressApplication | undefined;
  try {
    app = await createApiApp();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const keys = app.get(ApiKeyRepository);
    const [admin, agent, integration] = await Promise.all(
      (['admin', 'agent', 'integration'] as const).map((role) => keys.issue(`test ${role}`, role)),
    );
    const byRole: Record<Role, string> = { admin: admin.secret, agent: agent.secret, integration: integration.secret };
    const started = app;
    return {
      app: started,
      url,
      http: supertest.agent(url),
      ctx,
      adminKey: admin.secret,
      agentKey: agent.secret,
      integrationKey: integration.secret,
      auth: (role) => ({ Authorization: `Bearer ${byRole[role]}` }),
      async close() {
        await started.close();
        await ctx.dispose();
      },
    };
  } catch (e) {
    await app?.close().catch(() => undefined);
    await ctx.dispose();
    throw e;
  }
}
