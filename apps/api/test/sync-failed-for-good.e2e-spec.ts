import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { eventually } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../../worker/src/worker.module';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(120_000);

/**
 * A manual sync on a manual-only connection whose CRM fails every request (the sandbox answers 503
 * to all of them): the real worker (its processor and its watchdog timer) retries the job as
 * SYNC_MAX_ATTEMPTS says, and when the last attempt fails the run ends `failed` with the error,
 * seen through the API; a new manual sync is then accepted, not refused as already running.
 */
describe('a manual sync whose job uses all its attempts', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;

  beforeAll(async () => {
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 20, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    api = await startApiTestApp({ env: { SYNC_MAX_ATTEMPTS: '2', SYNC_BACKOFF_BASE_MS: '100', WORKER_WATCHDOG_SECONDS: '1' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await sandbox?.close();
  });

  it('ends failed with the error, and the next manual sync is accepted (202, not 409)', async () => {
    const admin = api.auth('admin');
    const { body: connection } = await api.http
      .post('/v1/connections')
      .set(admin)
      .send({ kind: 'hubspot', name: 'Down', accessToken: 'sandbox-hubspot-token', basePath: sandbox.url, settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } } })
      .expect(201);
    sandbox.admin.configure({ hubspot: { faults: { errorRate: 1, errorStatuses: [503] } } } as never);

    const started = await api.http.post(`/v1/connections/${connection.id}/sync`).set(admin).send({ mode: 'full' }).expect(202);
    const failed = await eventually(
      async () => {
        const { body } = await api.http.get(`/v1/sync-runs/${started.body.id}`).set(admin).expect(200);
        return body.status === 'failed' ? body : null;
      },
      'the run to end failed',
      90_000,
      250,
    );
    expect(failed.error).toMatch(/CRM_UNAVAILABLE|503/);
    expect(failed.finishedAt).toBeTruthy();
    // Both attempts reached the CRM (each with its own request retries).
    expect(failed.requests).toBeGreaterThan(1);
    const { body: history } = await api.http.get(`/v1/connections/${connection.id}/sync-runs`).set(admin).expect(200);
    expect(history.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[started.body.id, 'failed']]);

    sandbox.admin.clearFaults('hubspot');
    const next = await api.http.post(`/v1/connections/${connection.id}/sync`).set(admin).send({ mode: 'full' });
    expect(next.status).toBe(202);
    const done = await eventually(
      async () => {
        const { body } = await api.http.get(`/v1/sync-runs/${next.body.id}`).set(admin).expect(200);
        return body.status === 'completed' ? body : null;
      },
      'the next sync to complete',
      60_000,
      250,
    );
    expect(done.created).toBe(20);
  });
});
