/**
 * npm run bench:load      (by env: BENCH_LOAD_CONNECTIONS=50 BENCH_LOAD_SECONDS=30 BENCH_LOAD_WARMUP_SECONDS=3
 *                          BENCH_LOAD_CUSTOMERS=1000 BENCH_LOAD_WORKERS=2 BENCH_LOAD_DRAIN_TIMEOUT_S=900
 *                          BENCH_LOAD_WORKERS_DURING=0; BENCH_CPU_PROF_DIR=<dir> profiles the API)
 *
 * The event ingest endpoint under a bounded load, from a separate process on loopback (autocannon,
 * `bench/load/load-client.ts`), every request a distinct event; then the proof that every
 * acknowledged event was stored, decided and delivered exactly once. In one run:
 *
 * 1. **The peer**: a bare node:http endpoint in its own process (`bench/load/bare-server.ts`) that
 *    parses the JSON body and adds a BullMQ job, under the same load: `bare_per_s`.
 * 2. **Corridor**: the built API (dist/apps/api) with a fresh database set up over HTTP (a webhook
 *    treatment to a receiver in this process, a published persona set and strategy, an integration
 *    key). BENCH_LOAD_CONNECTIONS connections for BENCH_LOAD_SECONDS (after a warm-up), each request
 *    one event to `POST /v1/events`: `events_per_s` = events acknowledged (202 with accepted 1:
 *    committed with its outbox row) per second, `p99_ms` as autocannon saw it, `errors` = connection
 *    errors + timeouts + non-2xx + 2xx that did not accept the event. The workers are stopped during
 *    the load (on this 2-core machine they would take the API's cores; deployed, they run elsewhere)
 *    unless BENCH_LOAD_WORKERS_DURING=1.
 * 3. **Drain and check**: BENCH_LOAD_WORKERS worker processes decide and deliver everything (bounded
 *    by BENCH_LOAD_DRAIN_TIMEOUT_S, progress every 5 s). `lost` = acknowledged events not stored, or
 *    with no webhook received; `duplicates` = an event delivered under more than one webhook id, or
 *    more than one delivery row per (event, treatment). A webhook id received twice is a retried
 *    attempt (at-least-once on the wire), counted apart as `repeated_webhook_ids`.
 *
 * Ends with one line of JSON (with the load average: the machine may be shared).
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { cpuMs, cpuSpentMs, createBenchDatabase, postgresBackendsCpuMs, round } from '../harness/bench-database';
import { benchAppEnv, apiClient, Children, clearRedisPrefix, createApiKey, envNumber, freePort, loadAverage, ROOT, until } from '../harness/processes';
import { setUpWebhookStrategy } from '../harness/webhook-strategy';
import type { LoadClientInput, LoadClientOutput } from './load-client';

const CONNECTIONS = envNumber('BENCH_LOAD_CONNECTIONS', 50);
const SECONDS = envNumber('BENCH_LOAD_SECONDS', 30);
const WARMUP_SECONDS = envNumber('BENCH_LOAD_WARMUP_SECONDS', 3);
const CUSTOMERS = envNumber('BENCH_LOAD_CUSTOMERS', 1000);
const WORKERS = envNumber('BENCH_LOAD_WORKERS', 2);
const DRAIN_TIMEOUT_MS = envNumber('BENCH_LOAD_DRAIN_TIMEOUT_S', 900) * 1000;
const WORKERS_DURING = process.env.BENCH_LOAD_WORKERS_DURING === '1';
const PROFILE_DIR = process.env.BENCH_CPU_PROF_DIR;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const TOUCHPOINT = 'load_tp';
const log = (msg: string) => process.stderr.write(`[bench:load] ${msg}\n`);

/** The webhook receiver: deliveries counted by webhook id, and the event key each one carried. */
async function startReceiver() {
  const byWebhookId = new Map<string, { key: string; times: number }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const seen = byWebhookId.get(id);
      if (seen) seen.times++;
      else byWebhookId.set(id, { key: String(JSON.parse(Buffer.concat(chunks).toString('utf8')).key), times: 1 });
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, byWebhookId, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** One autocannon run from its own process; the acknowledged keys come back through a file. */
async function load(input: Omit<LoadClientInput, 'ackFile'>, dir: string): Promise<LoadClientOutput & { acked: string[] }> {
  const ackFile = join(dir, `${input.keyPrefix}.acked`);
  const child: ChildProcess = spawn(process.execPath, [resolve(ROOT, 'dist/bench/load/load-client.js'), JSON.stringify({ ...input, ackFile })], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`the load client exited with ${code}`);
  const result = JSON.parse(out.trim().split('\n').pop()!) as LoadClientOutput;
  const text = readFileSync(ackFile, 'utf8');
  return { ...result, acked: text ? text.split('\n') : [] };
}

const errorsOf = (r: LoadClientOutput) => r.errors + r.timeouts + r.non2xx + r.unacknowledged;
const describe = (r: LoadClientOutput) =>
  `${r.requests.toLocaleString()} requests in ${r.seconds} s, ${r.acknowledged.toLocaleString()} acknowledged = ${Math.round(r.per_s).toLocaleString()}/s; ` +
  `latency p50 ${r.p50_ms} ms, p90 ${r.p90_ms} ms, p99 ${r.p99_ms} ms, max ${r.max_ms} ms; errors ${r.errors}, timeouts ${r.timeouts}, non-2xx ${r.non2xx}, not accepted ${r.unacknowledged}`;

async function main(): Promise<void> {
  const loadBefore = await loadAverage();
  log(`load average before: ${loadBefore.load1} / ${loadBefore.load5} / ${loadBefore.load15} on ${loadBefore.cores} cores`);
  const db = await createBenchDatabase('corridor_bench_load');
  const prefix = `corridor-bench-load-${Date.now().toString(36)}`;
  const tmp = mkdtempSync(join(tmpdir(), 'corridor-bench-load-'));
  const receiver = await startReceiver();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const [port, barePort] = [await freePort(), await freePort()];
  const env = benchAppEnv({ databaseUrl: db.url, redisUrl: REDIS_URL, prefix, port });
  const children = new Children(env);
  const run = { connections: CONNECTIONS, touchpoint: TOUCHPOINT };
  try {
    // 1. The peer: bare node:http + BullMQ add, in its own process.
    const bare = children.start('dist/bench/load/bare-server.js', { env: { PORT: String(barePort), REDIS_PREFIX: `${prefix}-bare` } });
    const bareUrl = `http://127.0.0.1:${barePort}`;
    await until('the bare endpoint', () => fetch(bareUrl, { method: 'POST', body: '{}' }).then(() => true, () => false), 30_000);
    const bareInput = { ...run, url: bareUrl, path: '/', customerIds: ['1'] };
    await load({ ...bareInput, seconds: WARMUP_SECONDS, keyPrefix: 'bare-warm' }, tmp);
    log(`bare endpoint: ${CONNECTIONS} connections for ${SECONDS} s`);
    const bareRun = await load({ ...bareInput, seconds: SECONDS, keyPrefix: 'bare' }, tmp);
    log(`bare: ${describe(bareRun)}`);
    await Children.stop(bare);

    // 2. Corridor: the API (and workers for the setup), set up over HTTP.
    const adminKey = createApiKey(env, 'admin', 'bench-admin');
    const integrationKey = createApiKey(env, 'integration', 'bench-load');
    const apiProcess = children.start('dist/apps/api/src/main.js', { profileDir: PROFILE_DIR });
    const startWorkers = () => Array.from({ length: WORKERS }, () => children.start('dist/apps/worker/src/main.js'));
    let workers = startWorkers();
    const api = `http://127.0.0.1:${port}`;
    await until('the API', () => fetch(`${api}/health`).then((r) => r.ok, () => false), 120_000);
    const customerIds = await setUpWebhookStrategy(apiClient(api, adminKey), db.ds, {
      receiverUrl: `${receiver.url}/hooks`,
      secret: `whsec_${randomBytes(24).toString('base64')}`,
      touchpoint: TOUCHPOINT,
      eventProperties: [{ name: 'key', type: 'string' }],
      payloadTemplate: { key: '{{event.key}}' },
      customers: CUSTOMERS,
      timeoutMs: DRAIN_TIMEOUT_MS,
    });
    // Statistics for the tables the setup just filled, as autovacuum gives a database in service:
    // without them the plan of the ingest's customer lookup cost ~45x more Postgres CPU per group.
    await db.ds.query('ANALYZE');
    if (!WORKERS_DURING) {
      await Promise.all(workers.map((w) => Children.stop(w)));
      workers = [];
    }
    const corridorInput = { ...run, url: api, path: '/v1/events', authorization: `Bearer ${integrationKey}`, customerIds };
    const warm = await load({ ...corridorInput, seconds: WARMUP_SECONDS, keyPrefix: 'warm' }, tmp);
    log(`POST /v1/events: ${CONNECTIONS} connections for ${SECONDS} s (workers ${WORKERS_DURING ? 'running' : 'stopped'})`);
    const loadDuring = await loadAverage();
    const cpuBefore = { api: await cpuMs(apiProcess.pid!), pg: await postgresBackendsCpuMs(db.ds) };
    const corridor = await load({ ...corridorInput, seconds: SECONDS, keyPrefix: 'load' }, tmp);
    const cpuAfter = { api: await cpuMs(apiProcess.pid!), pg: await postgresBackendsCpuMs(db.ds) };
    log(`corridor: ${describe(corridor)}`);
    const perEvent = (ms: number) => round(ms / Math.max(1, corridor.acknowledged), 3);
    const cpu = { api: perEvent(cpuAfter.api - cpuBefore.api), postgres: perEvent(cpuSpentMs(cpuBefore.pg, cpuAfter.pg)) };
    log(`CPU per acknowledged event: API ${cpu.api} ms, Postgres ${cpu.postgres} ms`);
    // Requests per group commit (warm-up included): how much the commits were shared.
    const metrics = await fetch(`${api}/metrics`).then((r) => r.text(), () => '');
    const metric = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    const groupRequests = round(metric('corridor_event_group_commit_requests_sum') / metric('corridor_event_group_commit_requests_count'), 1);
    log(`requests per group commit: ${groupRequests}`);
    // The API has nothing left to do; stopping it writes its CPU profile.
    await Children.stop(apiProcess);
    if (PROFILE_DIR) log(`API CPU profile written to ${PROFILE_DIR}`);

    // 3. Drain: the workers decide and deliver everything acknowledged; then the check.
    const acked = new Set([...warm.acked, ...corridor.acked]);
    if (workers.length === 0) workers = startWorkers();
    const count = async () =>
      (
        await db.ds.query(
          // By the bench's touchpoint and treatment, not a join to the events: tables that grew by
          // tens of thousands of rows since their last ANALYZE got a join plan that held a core for
          // 25 s per progress line, and slowed the drain it was measuring.
          `SELECT (SELECT count(*) FROM touchpoint_events WHERE source = 'api')::int AS stored,
                  (SELECT count(*) FROM decisions WHERE touchpoint_key = $1)::int AS decided,
                  (SELECT count(*) FROM deliveries WHERE treatment_key = 'bench_hook' AND status = 'delivered')::int AS delivered`,
          [TOUCHPOINT],
        )
      )[0] as { stored: number; decided: number; delivered: number };
    const drainStart = Date.now();
    log(`draining ${acked.size.toLocaleString()} acknowledged events through ${WORKERS} workers (at most ${DRAIN_TIMEOUT_MS / 1000} s)`);
    let drained = true;
    await until(
      'the workers to deliver every acknowledged event',
      // Every acknowledged event's own webhook: a count would be met early by the webhooks of
      // stored but unacknowledged events (up to one per connection) and call deliveries lost.
      () => {
        const delivered = new Set([...receiver.byWebhookId.values()].map((w) => w.key));
        return [...acked].every((k) => delivered.has(k));
      },
      DRAIN_TIMEOUT_MS,
      500,
      async () => {
        const c = await count();
        const s = (Date.now() - drainStart) / 1000;
        log(`  ${round(s, 0)} s: stored ${c.stored.toLocaleString()}, decided ${c.decided.toLocaleString()}, delivered ${c.delivered.toLocaleString()}, webhooks received ${receiver.byWebhookId.size.toLocaleString()} (${Math.round(receiver.byWebhookId.size / s)}/s)`);
      },
    ).catch((e) => {
      drained = false;
      log(String(e));
    });
    const drainSeconds = (Date.now() - drainStart) / 1000;
    await new Promise((r) => setTimeout(r, 1000)); // a late second delivery would show up now

    const storedKeys = new Set<string>((await db.ds.query(`SELECT idempotency_key FROM touchpoint_events WHERE source = 'api'`)).map((r: { idempotency_key: string }) => r.idempotency_key));
    const [{ undecided, extraDecisions, extraDeliveries }] = await db.ds.query(
      `SELECT (SELECT count(*) FROM touchpoint_events e WHERE e.source = 'api' AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = e.id))::int AS undecided,
              (SELECT count(*) - count(DISTINCT event_id) FROM decisions)::int AS "extraDecisions",
              (SELECT count(*) - count(DISTINCT (event_id, treatment_key)) FROM deliveries)::int AS "extraDeliveries"`,
    );
    const webhooksByKey = new Map<string, number>();
    let repeatedWebhookIds = 0;
    for (const { key, times } of receiver.byWebhookId.values()) {
      webhooksByKey.set(key, (webhooksByKey.get(key) ?? 0) + 1);
      if (times > 1) repeatedWebhookIds++;
    }
    const notStored = [...acked].filter((k) => !storedKeys.has(k)).length;
    const notDelivered = [...acked].filter((k) => storedKeys.has(k) && !webhooksByKey.has(k)).length;
    const lost = notStored + notDelivered;
    const duplicates = [...webhooksByKey.values()].filter((n) => n > 1).length + extraDeliveries + extraDecisions;
    // Stored but never acknowledged: the client gave up (timeout) after the commit; a producer's
    // retry with the same key would be answered `duplicate`. Not an error of durability.
    const storedUnacknowledged = [...storedKeys].filter((k) => !acked.has(k)).length;
    log(
      `check: acknowledged ${acked.size.toLocaleString()}, stored ${storedKeys.size.toLocaleString()} (${notStored} acknowledged missing, ${storedUnacknowledged} stored unacknowledged), ` +
        `undecided ${undecided}, acknowledged without webhook ${notDelivered}, duplicates ${duplicates}, repeated webhook ids ${repeatedWebhookIds}; drained in ${round(drainSeconds, 1)} s`,
    );

    const loadAfter = await loadAverage();
    const result = {
      connections: CONNECTIONS,
      seconds: SECONDS,
      events_per_s: Math.round(corridor.per_s),
      bare_per_s: Math.round(bareRun.per_s),
      ratio_vs_bare: round(corridor.per_s / bareRun.per_s, 3),
      p50_ms: corridor.p50_ms,
      p99_ms: corridor.p99_ms,
      max_ms: corridor.max_ms,
      bare_p99_ms: bareRun.p99_ms,
      errors: errorsOf(corridor) + errorsOf(warm),
      bare_errors: errorsOf(bareRun),
      acknowledged: acked.size,
      lost,
      duplicates,
      undecided,
      repeated_webhook_ids: repeatedWebhookIds,
      stored_unacknowledged: storedUnacknowledged,
      drained,
      drain_s: round(drainSeconds, 1),
      drain_per_s: Math.round(receiver.byWebhookId.size / drainSeconds),
      workers_during_load: WORKERS_DURING,
      workers: WORKERS,
      cpu_ms_per_event: cpu,
      requests_per_group_commit: groupRequests,
      load_average: { before: loadBefore.load1, during: loadDuring.load1, after: loadAfter.load1, cores: loadBefore.cores },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await children.stopAll();
    await receiver.close();
    await db.drop();
    await clearRedisPrefix(redis, prefix);
    redis.disconnect();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
