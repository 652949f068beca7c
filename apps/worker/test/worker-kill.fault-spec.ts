import { getQueueToken } from '@nestjs/bullmq';
import { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { QUEUE } from '@corridor/contracts';
import { CustomerRepository, IMPORT_CONNECTION_ID } from '@corridor/persistence';
import { eventually, spawnWorkerProcess, stopProcess } from '@corridor/testing';
import { ApiTestApp, startApiTestApp } from '../../api/test/api-test-app';

const CUSTOMERS = 30_000;
/**
 * A 120 s lock kept a killed worker's chunk for ~140 s. The run must finish well inside that after
 * the kill: this bound includes booting the second worker process on a loaded machine.
 */
const WELL_INSIDE_A_120_S_LOCK_MS = 60_000;

/**
 * A worker process SIGKILLed in the middle of a run: its chunks' locks lapse within seconds, the
 * next worker takes them over, the run's progress says chunks stalled, and the run completes.
 */
describe('a worker killed mid-run', () => {
  let api: ApiTestApp;
  let db: Client;
  const procs: ChildProcess[] = [];
  const admin = () => api.auth('admin');

  beforeAll(async () => {
    // The API only produces (no worker in this process); workers are separate OS processes.
    api = await startApiTestApp({ env: { SEGMENTATION_CHUNK_SIZE: '500', WORKER_CONCURRENCY: '2' } });
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
    const customers = api.app.get(CustomerRepository);
    for (let s = 0; s < CUSTOMERS; s += 1000) {
      await customers.upsertBatch(
        IMPORT_CONNECTION_ID,
        Array.from({ length: 1000 }, (_, k) => ({ externalId: `c${s + k}`, attributes: { country: ['US', 'GB', 'DE', 'BR'][(s + k) % 4] } })),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p)));
    await db?.end();
    await api?.close();
  }, 30_000); // a worker's graceful stop may take a few seconds

  it('hands its chunks to another worker within seconds and shows the stall in the run progress', async () => {
    const queue = api.app.get<Queue>(getQueueToken(QUEUE.segmentation));
    const first = spawnWorkerProcess(api.ctx.env);
    procs.push(first);
    await eventually(async () => (await queue.getWorkersCount()) >= 1, 'the first worker process', 40_000);

    await api.http.post('/v1/personas').set(admin()).send({ key: 'us', name: 'US', rule: { attribute: 'country', operator: 'equals', value: 'US' } }).expect(201);
    const published = await api.http.post('/v1/personas/publish').set(admin()).send({}).expect(202);
    const runId: string = published.body.run.id;
    const getRun = async () => (await api.http.get(`/v1/segmentation/runs/${runId}`).set(admin()).expect(200)).body;
    // Mid-run: some chunks done, and the worker holding some.
    await eventually(async () => {
      const run = await getRun();
      return run.progress.chunksDone >= 2 && (await queue.getActiveCount()) > 0;
    }, 'the first worker to be in the middle of the run', 15_000, 20);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const killedAt = Date.now();
    const run = await getRun();
    expect(run.status).toBe('running');
    const orphaned = await queue.getActiveCount(); // jobs the dead process held: nobody renews their locks
    expect(orphaned).toBeGreaterThan(0);

    procs.push(spawnWorkerProcess(api.ctx.env));
    const done = await eventually(async () => {
      const r = await getRun();
      return r.status !== 'running' ? r : null;
    }, 'the run to complete after the kill', WELL_INSIDE_A_120_S_LOCK_MS - (Date.now() - killedAt), 100);
    expect(done.status).toBe('completed');
    // The progress shows the chunks the killed worker held as stalled (and retried).
    expect(done.progress.stalls).toBeGreaterThanOrEqual(1);
    const { rows: stalled } = await db.query(`SELECT count(*)::int AS n FROM segmentation_chunks WHERE run_id = $1 AND stalls > 0`, [runId]);
    expect(stalled[0].n).toBeGreaterThanOrEqual(1);
    const { rows: live } = await db.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
    expect(live).toEqual([{ version: published.body.setVersion }]);
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM assignments a JOIN personas p ON p.id = a.persona_id WHERE a.set_version = $1 AND p.key = 'us'`,
      [published.body.setVersion],
    );
    expect(rows[0].n).toBe(CUSTOMERS / 4);
  }, 120_000);
});
