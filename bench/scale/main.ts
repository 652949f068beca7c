/**
 * npm run bench:scale     (sizes by env: BENCH_SCALE_CUSTOMERS=1000000 BENCH_SCALE_EVENTS=20000
 *                          BENCH_SCALE_TREATMENT_CUSTOMERS=1000 BENCH_SCALE_CHUNK=50000 BENCH_SCALE_ROUNDS=1
 *                          BENCH_TIMEOUT_S=900)
 *
 * Does work spread over worker processes go faster with more of them? The same work is done first
 * by 1 worker process and then by 2 (separate OS processes of the built dist/apps/worker), and the
 * speed-ups are reported:
 *
 * 1. **Full re-segmentation** of BENCH_SCALE_CUSTOMERS customers (the segmentation bench's data and
 *    personas): a warm-up publish makes every customer assigned, then each run publishes the other
 *    of two rule sets (one rule differs), so every run moves the same customers one way or back;
 *    1 worker, then 2 (BENCH_SCALE_ROUNDS > 1 repeats the pair in alternating order; best of each). Timed from publish to live; chunks and going live are also timed apart (going live is
 *    one transaction, so it does not spread over processes).
 * 2. **The treatment pipeline** (bench:treatments' set-up: API, one webhook per event, a local
 *    receiver verifying every signature): BENCH_SCALE_EVENTS events are ingested over HTTP in batches
 *    of 1,000 while no worker runs, then the workers start and the time from the first webhook
 *    received to the last is the pipeline's (relay → decide → dispatch → delivery), without boot or
 *    ingest. Repeated with 2 workers on fresh events.
 *
 * The CPU each part used (workers, the bench database's Postgres backends) is read from /proc and
 * reported per customer and per event: on a shared 2-core machine that is steadier than the times.
 * The load average is printed before and after each phase. Ends with one line of JSON.
 */
import 'reflect-metadata';
import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FlowProducer, Queue } from 'bullmq';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { QUEUE, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { DEFAULT_JOB_OPTIONS, queuePrefix } from '@corridor/jobs';
import { SegmentationStore } from '@corridor/persistence';
import { cpuMs, cpuSpentMs, createBenchDatabase, postgresBackendsCpuMs, round } from '../harness/bench-database';
import { benchAppEnv, apiClient, Children, clearRedisPrefix, createApiKey, envNumber as num, freePort, loadAverage, until } from '../harness/processes';
import { BenchPersonaSet, createPersonas, loadCustomers } from '../harness/segmentation-data';
import { startReceiver } from '../harness/webhook-receiver';
import { setUpWebhookStrategy } from '../harness/webhook-strategy';

const CUSTOMERS = num('BENCH_SCALE_CUSTOMERS', 1_000_000);
const EVENTS = num('BENCH_SCALE_EVENTS', 20_000);
const TREATMENT_CUSTOMERS = num('BENCH_SCALE_TREATMENT_CUSTOMERS', 1_000);
const CHUNK_SIZE = num('BENCH_SCALE_CHUNK', 50_000);
const TIMEOUT_MS = num('BENCH_TIMEOUT_S', 900) * 1000;
/** Pairs of re-segmentation runs (1 then 2 workers, then 2 then 1, …); the best of each count is reported. */
const ROUNDS = num('BENCH_SCALE_ROUNDS', 1);
const BATCH = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const WORKER_MAIN = 'dist/apps/worker/src/main.js';
const log = (msg: string) => process.stderr.write(`[bench:scale] ${msg}\n`);

type Load = Awaited<ReturnType<typeof loadAverage>>;

/** Starts `n` worker processes and waits until each is listening on `queue`. */
async function startWorkers(children: Children, n: number, queue: Queue): Promise<ChildProcess[]> {
  const before = await queue.getWorkersCount();
  const started = Array.from({ length: n }, () => children.start(WORKER_MAIN));
  await until(`${n} worker processes`, async () => (await queue.getWorkersCount()) >= before + n, 180_000);
  return started;
}

async function stopWorkers(workers: ChildProcess[], queue: Queue): Promise<void> {
  await Promise.all(workers.map((w) => Children.stop(w)));
  await until('the workers to leave', async () => (await queue.getWorkersCount()) === 0, 60_000);
}

async function cpuOf(ds: DataSource, workers: ChildProcess[]) {
  return {
    workers: (await Promise.all(workers.map((w) => cpuMs(w.pid!)))).reduce((a, b) => a + b, 0),
    backends: await postgresBackendsCpuMs(ds),
  };
}

// ─── 1. Full re-segmentation ──────────────────────────────────────────────────────────────────────

async function resegmentation() {
  const db = await createBenchDatabase('corridor_bench_scale_seg');
  const prefix = `corridor-bench-scale-${Date.now().toString(36)}`;
  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    SECRETS_KEY: 'a'.repeat(64),
    SEGMENTATION_CHUNK_SIZE: String(CHUNK_SIZE),
    SEGMENTATION_REFRESH_CRON: '',
  };
  const children = new Children(env);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE.segmentation, { connection, prefix: queuePrefix(prefix, QUEUE.segmentation) });
  const flows = new FlowProducer({ connection, prefix: queuePrefix(prefix, QUEUE.segmentation) });
  const store = new SegmentationStore(db.ds);
  try {
    log(`re-segmentation: loading ${CUSTOMERS.toLocaleString()} customers`);
    await loadCustomers(db.ds, CUSTOMERS, NOW);
    const original = await createPersonas(db.ds);
    // One rule changed: about a third of the customers move one way, then back.
    const changed = { ...original, members: original.members.map((m) => (m.key === 'smb_customer' ? { ...m, rule: { attribute: 'employees', operator: 'lt', value: 200 } } : m)) };

    const run = async (draft: BenchPersonaSet, label: string, workers: ChildProcess[]) => {
      const load: Load = await loadAverage();
      const cpuBefore = await cpuOf(db.ds, workers);
      const t = performance.now();
      const { plan } = (await store.publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: CHUNK_SIZE, now: new Date(NOW) }))!;
      await flows.add({
        name: RUN_FINALIZE.name,
        queueName: QUEUE.segmentation,
        data: { runId: plan.run.id },
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: RUN_FINALIZE.jobId({ runId: plan.run.id }) },
        children: plan.chunks.map((chunk) => ({
          name: RUN_CHUNK.name,
          queueName: QUEUE.segmentation,
          data: { runId: plan.run.id, chunk },
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: RUN_CHUNK.jobId({ runId: plan.run.id, chunk }) },
        })),
      });
      let status = 'running';
      await until(`${label}`, async () => (status = (await store.getRun(plan.run.id))!.status) !== 'running', TIMEOUT_MS, 50);
      const seconds = (performance.now() - t) / 1000;
      const finished = (await store.getRun(plan.run.id))!;
      if (status !== 'completed') throw new Error(`${label}: run ended ${status}: ${finished.error}`);
      const cpuAfter = await cpuOf(db.ds, workers);
      const [phases] = await db.ds.query(
        `SELECT extract(epoch FROM max(c.finished_at) - r.started_at) AS chunks_s, extract(epoch FROM r.finished_at - max(c.finished_at)) AS go_live_s,
                count(DISTINCT c.processed_by)::int AS processes, sum(c.stalls)::int AS stalls, sum(c.failures)::int AS failures
           FROM segmentation_runs r JOIN segmentation_chunks c ON c.run_id = r.id WHERE r.id = $1 GROUP BY r.id`,
        [plan.run.id],
      );
      const perMillion = (ms: number) => round((ms / CUSTOMERS) * 1e6 / 1000, 2); // CPU seconds per million customers
      const figures = {
        seconds: round(seconds),
        chunks_s: round(Number(phases.chunks_s)),
        go_live_s: round(Number(phases.go_live_s)),
        chunk_processes: phases.processes as number,
        // A chunk whose job lock lapsed (a starved process) is run again: work done twice.
        chunk_stalls: phases.stalls as number,
        chunk_failures: phases.failures as number,
        changed: (finished.result as { changed: number }).changed,
        customers_per_s: Math.round(CUSTOMERS / seconds),
        cpu_s_per_million: { workers: perMillion(cpuAfter.workers - cpuBefore.workers), postgres: perMillion(cpuSpentMs(cpuBefore.backends, cpuAfter.backends)) },
        load_before: load,
        load_after: await loadAverage(),
      };
      log(`${label}: ${figures.seconds} s (chunks ${figures.chunks_s} s over ${figures.chunk_processes} processes, ${figures.chunk_stalls} stalls, going live ${figures.go_live_s} s), ${figures.changed.toLocaleString()} moved; CPU s per million: ${JSON.stringify(figures.cpu_s_per_million)}; load ${load.load1} → ${figures.load_after.load1}`);
      return figures;
    };

    let workers = await startWorkers(children, 2, queue);
    await run(original, 'warm-up publish (every customer new)', workers);
    await stopWorkers(workers, queue);

    // Each run publishes the other rule set, so every run moves the same customers one way or
    // back. Rounds alternate the order (1, 2, then 2, 1, …) so a load that drifts favours neither.
    const runs: Record<1 | 2, Array<Awaited<ReturnType<typeof run>>>> = { 1: [], 2: [] };
    let k = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of round % 2 === 0 ? ([1, 2] as const) : ([2, 1] as const)) {
        workers = await startWorkers(children, n, queue);
        runs[n].push(await run(k++ % 2 === 0 ? changed : original, `${n} worker process${n === 1 ? '' : 'es'} (round ${round + 1})`, workers));
        await stopWorkers(workers, queue);
      }
    }
    const best = (xs: typeof runs[1]) => xs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    return { one: best(runs[1]), two: best(runs[2]), all: runs };
  } finally {
    await children.stopAll();
    await Promise.all([queue.close(), flows.close()]);
    await clearRedisPrefix(connection, prefix);
    connection.disconnect();
    await db.drop();
  }
}

// ─── 2. The treatment pipeline ────────────────────────────────────────────────────────────────────

async function treatments() {
  const db = await createBenchDatabase('corridor_bench_scale_tr');
  const prefix = `corridor-bench-scale-tr-${Date.now().toString(36)}`;
  const port = await freePort();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await startReceiver(secret);
  const env = benchAppEnv({ databaseUrl: db.url, redisUrl: REDIS_URL, prefix, port });
  const children = new Children(env);
  const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const decideQueue = new Queue(QUEUE.touchpointEvents, { connection, prefix: queuePrefix(prefix, QUEUE.touchpointEvents) });
  try {
    const adminKey = createApiKey(env, 'admin', 'bench');
    children.start('dist/apps/api/src/main.js');
    const api = `http://127.0.0.1:${port}`;
    const call = apiClient(api, adminKey);
    // Events come from marketing automation or a CDP with an integration key, as in production
    // (an admin key's writes are also audited: a row and a commit per request the real path never pays).
    const ingest = apiClient(api, createApiKey(env, 'integration', 'bench-ingest'));
    await until('the API', () => fetch(`${api}/health`).then((r) => r.ok, () => false), 120_000);
    let workers = await startWorkers(children, 1, decideQueue);
    const customerIds = await setUpWebhookStrategy(call, db.ds, {
      receiverUrl: `${receiver.url}/hooks`,
      secret,
      touchpoint: 'bench_tp',
      eventProperties: [{ name: 'seq', type: 'number' }, { name: 'phase', type: 'string' }],
      payloadTemplate: { phase: '{{event.phase}}', seq: '{{event.seq}}', customer: '{{customer.id}}' },
      customers: TREATMENT_CUSTOMERS,
      timeoutMs: TIMEOUT_MS,
    });
    await stopWorkers(workers, decideQueue);

    const phase = async (label: string, n: number) => {
      const tag = `w${n}`;
      // Ingest while no worker runs: what is timed afterwards is the workers' pipeline alone.
      const ingestStart = performance.now();
      let accepted = 0;
      let next = 0;
      const batches = Math.ceil(EVENTS / BATCH);
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < batches) {
            const b = next++;
            const events = Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, (_, k) => {
              const seq = b * BATCH + k;
              return { touchpoint: 'bench_tp', customer: `id:${customerIds[seq % customerIds.length]}`, properties: { phase: tag, seq }, idempotencyKey: `${tag}-${seq}` };
            });
            const answer = await ingest('POST', '/v1/events', { events });
            accepted += answer.accepted; // after the await: `accepted += await …` would add to a stale value
          }
        }),
      );
      const ingestSeconds = (performance.now() - ingestStart) / 1000;
      const load: Load = await loadAverage();
      const spawnAt = performance.now();
      workers = await startWorkers(children, n, decideQueue);
      const cpuBefore = await cpuOf(db.ds, workers);
      await until(`${label}: the deliveries`, () => receiver.count(tag) >= accepted, TIMEOUT_MS, 20);
      const cpuAfter = await cpuOf(db.ds, workers);
      const arrivals = [...receiver.seen].filter(([k]) => k.startsWith(`${tag}:`)).map(([, v]) => v[0]);
      const first = Math.min(...arrivals);
      const last = Math.max(...arrivals);
      const seconds = (last - first) / 1000;
      await stopWorkers(workers, decideQueue);
      const perEvent = (ms: number) => round(ms / accepted, 3);
      const figures = {
        events: accepted,
        ingest_s: round(ingestSeconds),
        first_to_last_webhook_s: round(seconds),
        spawn_to_last_webhook_s: round((last - spawnAt) / 1000),
        events_per_s: Math.round((accepted - 1) / seconds),
        // Counted from the workers being ready: boot is not in it, a little of the pipeline may be.
        cpu_ms_per_event: { workers: perEvent(cpuAfter.workers - cpuBefore.workers), postgres: perEvent(cpuSpentMs(cpuBefore.backends, cpuAfter.backends)) },
        load_before: load,
        load_after: await loadAverage(),
      };
      log(`${label}: ${accepted.toLocaleString()} events (ingested in ${figures.ingest_s} s) delivered in ${figures.first_to_last_webhook_s} s = ${figures.events_per_s.toLocaleString()} events/s; CPU ms per event ${JSON.stringify(figures.cpu_ms_per_event)}; load ${load.load1} → ${figures.load_after.load1}`);
      return figures;
    };
    const one = await phase('treatments, 1 worker process', 1);
    const two = await phase('treatments, 2 worker processes', 2);
    const [{ extra }] = await db.ds.query(`SELECT (count(*) - count(DISTINCT (event_id, treatment_key)))::int AS extra FROM deliveries`);
    return { one, two, duplicate_delivery_rows: extra as number, signatures_refused: receiver.stats.refused };
  } finally {
    await children.stopAll();
    await decideQueue.close();
    await receiver.close();
    await clearRedisPrefix(connection, prefix);
    connection.disconnect();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const start = await loadAverage();
  log(`${CUSTOMERS.toLocaleString()} customers, ${EVENTS.toLocaleString()} events; load average ${start.load1} / ${start.load5} / ${start.load15} on ${start.cores} cores`);
  const seg = await resegmentation();
  const tr = await treatments();
  const result = {
    customers: CUSTOMERS,
    events: EVENTS,
    resegmentation_speedup: round(seg.one.seconds / seg.two.seconds),
    resegmentation_chunks_speedup: round(seg.one.chunks_s / seg.two.chunks_s),
    treatments_speedup: round(tr.two.events_per_s / tr.one.events_per_s),
    goal_speedup: 1.6,
    resegmentation: { one_worker: seg.one, two_workers: seg.two, rounds: ROUNDS, all_seconds: { one: seg.all[1].map((r) => r.seconds), two: seg.all[2].map((r) => r.seconds) } },
    treatments: { one_worker: tr.one, two_workers: tr.two, duplicate_delivery_rows: tr.duplicate_delivery_rows, signatures_refused: tr.signatures_refused },
    load_start: start,
    load_end: await loadAverage(),
  };
  log(
    `speed-up with 2 worker processes: re-segmentation ${result.resegmentation_speedup}× (chunks alone ${result.resegmentation_chunks_speedup}×), ` +
      `treatments ${result.treatments_speedup}× (goal ≥ ${result.goal_speedup}×)`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
