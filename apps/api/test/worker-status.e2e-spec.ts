import { ChildProcess } from 'node:child_process';
import { createApiApp } from '../src/bootstrap';
import { databaseUrl, eventually, freePort, randomSuffix, spawnWorkerProcess, stopProcess, withAdminClient } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(180_000);

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const line = text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`))
    .find((l) => Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/**
 * A real worker process: its own /metrics and /health on WORKER_METRICS_PORT, its heartbeat in
 * Postgres, and the api's readiness following it (green while it beats, red once it stopped for
 * longer than WORKER_STALE_SECONDS).
 */
describe('worker metrics, health and heartbeats', () => {
  let api: ApiTestApp;
  let worker: ChildProcess | undefined;
  let metricsUrl: string;

  beforeAll(async () => {
    api = await startApiTestApp({ env: { WORKER_STALE_SECONDS: '3' } });
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}`;
    worker = spawnWorkerProcess({ ...api.ctx.env, WORKER_METRICS_PORT: String(port), WORKER_HEARTBEAT_SECONDS: '1' });
  });
  afterAll(async () => {
    if (worker) await stopProcess(worker);
    await api?.close();
  });

  it('readiness is green once a worker beats; the worker serves /health', async () => {
    const ready = await eventually(async () => {
      const res = await api.http.get('/health/ready');
      return res.status === 200 && res;
    }, 'the api to see the worker', 90_000, 250);
    expect(ready.body).toMatchObject({ status: 'ok', info: { workers: { status: 'up', live: 1 }, migrations: { status: 'up' } } });
    const health = await fetch(`${metricsUrl}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
    expect((await api.http.get('/health/live')).body).toEqual({ status: 'ok' });
  });

  it("the worker's /metrics counts the jobs it ran and reads the queues when scraped", async () => {
    const before = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(sample(before, 'corridor_segmentation_runs_total', { kind: 'full' })).toBe(0);
    await api.http.post('/v1/segmentation/refresh').set(api.auth('admin')).expect(202);
    const after = await eventually(async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return sample(text, 'corridor_segmentation_runs_total', { kind: 'full' }) >= 1 && text;
    }, 'the refresh run to go live in the worker', 90_000, 250);
    expect(sample(after, 'corridor_job_duration_seconds_count', { queue: 'segmentation', job: 'run-finalize', result: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'corridor_queue_jobs', { queue: 'segmentation', state: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/corridor_queue_jobs\{queue="treatment-dispatch",state="waiting",app="worker"\} 0/);
    expect(after).toContain('process_cpu_user_seconds_total');
  });

  it('readiness turns red when the worker has been gone past WORKER_STALE_SECONDS', async () => {
    await stopProcess(worker!);
    worker = undefined;
    const res = await eventually(async () => {
      const r = await api.http.get('/health/ready');
      return r.status === 503 && r;
    }, 'readiness to notice the worker is gone', 30_000, 250);
    expect(res.body).toMatchObject({ code: 'UNHEALTHY', details: [{ field: 'workers', code: 'DOWN', message: expect.stringMatching(/no worker seen within 3 s/) }] });
    // The api itself still serves: /health does not depend on workers.
    expect((await api.http.get('/health')).status).toBe(200);
  });
});

describe('api on an unmigrated database', () => {
  it('refuses to start, naming the migrate command', async () => {
    const name = `corridor_unmigrated_${randomSuffix()}`;
    await withAdminClient((c) => c.query(`CREATE DATABASE "${name}"`));
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = databaseUrl(name);
    try {
      const app = await createApiApp();
      await expect(app.init()).rejects.toThrow(/run `corridor migrate`/);
      await app.close().catch(() => undefined);
    } finally {
      process.env.DATABASE_URL = saved;
      await withAdminClient((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
  });
});
