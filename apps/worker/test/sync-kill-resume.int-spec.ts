import 'reflect-metadata';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { loadConfig } from '@corridor/config';
import { SYNC_CONNECTION } from '@corridor/contracts';
import { DEFAULT_JOB_OPTIONS, queuePrefix, redisConnection } from '@corridor/jobs';
import { ConnectionRepository, CrmSyncStore, dataSourceOptions, SecretBox } from '@corridor/persistence';
import { createTestContext, eventually, spawnWorkerProcess, stopProcess, TestContext } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';

jest.setTimeout(300_000);

/**
 * A worker process is SIGKILLed in the middle of a full sync; another worker process picks the
 * stalled job up, waits out the dead worker's lease and resumes at the last checkpoint. Nothing is
 * lost or counted twice.
 */
describe('a sync killed mid-run (worker process SIGKILL) resumes in another process', () => {
  let ctx: TestContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let ds: DataSource;
  let queue: Queue;
  const CONTACTS = 60_000;

  beforeAll(async () => {
    ctx = await createTestContext();
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: CONTACTS, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    ds = new DataSource(dataSourceOptions({ url: ctx.databaseUrl }));
    await ds.initialize();
    queue = new Queue(SYNC_CONNECTION.queue, { connection: redisConnection(ctx.redisUrl), prefix: queuePrefix(ctx.redisPrefix, SYNC_CONNECTION.queue) });
  });
  afterAll(async () => {
    await queue?.close();
    await ds?.destroy();
    await sandbox?.close();
    await ctx?.dispose();
  });

  it('completes with exact counts', async () => {
    const connections = new ConnectionRepository(ds, new SecretBox(loadConfig({ ...process.env, ...ctx.env })));
    const store = new CrmSyncStore(ds);
    const { id: connectionId } = await connections.create({
      kind: 'hubspot',
      name: 'kill test',
      settings: { basePath: sandbox.url, syncIntervalSeconds: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } },
      credentials: { kind: 'hubspot', accessToken: 'sandbox-hubspot-token' },
    });
    const run = await store.createRun(connectionId, 'full', 'manual');
    const payload = { connectionId, runId: run.id, mode: 'full' as const, trigger: 'manual' as const };
    await queue.add(SYNC_CONNECTION.name, payload, { ...DEFAULT_JOB_OPTIONS, jobId: SYNC_CONNECTION.jobId(payload) });
    // Slow the CRM down so the kill lands mid-run.
    sandbox.admin.configure({ hubspot: { faults: { latencyMs: 15 } } } as never);

    const first = spawnWorkerProcess(ctx.env);
    const partial = await eventually(async () => {
      const r = await store.getRun(run.id);
      return r.records >= 4000 && r.status === 'running' ? r : null;
    }, 'the first commits', 120_000);
    await stopProcess(first, 'SIGKILL');
    const atKill = await store.getRun(run.id);
    expect(atKill.status).toBe('running');
    expect(atKill.records).toBeLessThan(CONTACTS);
    expect(atKill.records).toBeGreaterThanOrEqual(partial.records);
    sandbox.admin.clearFaults('hubspot');

    const second = spawnWorkerProcess(ctx.env);
    try {
      const done = await eventually(async () => {
        const r = await store.getRun(run.id);
        return r.status === 'completed' ? r : null;
      }, 'the resumed run to complete', 240_000, 500);
      expect(done).toMatchObject({ records: CONTACTS, created: CONTACTS, updated: 0, unchanged: 0 });
      const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1`, [connectionId]);
      expect(n).toBe(CONTACTS);
    } finally {
      await stopProcess(second);
    }
  });
});
