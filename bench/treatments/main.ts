/**
 * npm run bench:treatments      (sizes by env: BENCH_EVENTS=10000 BENCH_CUSTOMERS=1000 BENCH_RATE=500
 *                                BENCH_LATENCY_SECONDS=10 BENCH_WORKERS=2 BENCH_TIMEOUT_S=300)
 *
 * Treatments through the real path: the built API and worker processes (dist/apps/…), HTTP ingest
 * (POST /v1/events) → Postgres (event + outbox in one transaction) → relay → BullMQ decide →
 * delivery + outbox → BullMQ dispatch → a signed webhook to a local receiver (in this process) that
 * verifies every signature with `standardwebhooks`. Measured in the same run:
 *
 * 1. the **peer**: a bare BullMQ pipeline on the same Redis — addBulk jobs, one Worker making one
 *    HTTP POST per job to the same receiver — jobs/s end to end;
 * 2. **sustained** events/s: BENCH_EVENTS events in batches of 1,000 (4 requests in flight), from
 *    the first request to the last webhook received; and its ratio to the peer;
 * 3. **latency**: BENCH_RATE single-event requests per second offered (open loop) for
 *    BENCH_LATENCY_SECONDS; p50/p99 from sending the request to the receiver getting the webhook;
 *    Where that time went: `hops_ms` (per hop, from Postgres' timestamps), `jobs_ms` (BullMQ's
 *    pick-up and run times of the decide and dispatch jobs), `latency_cpu_ms_per_event`;
 * 4. `lost` (acknowledged but never delivered, from the receiver and from Postgres) and `duplicates`
 *    (a second delivery for one (event, treatment): webhooks received twice and delivery rows).
 *
 * The strategy treats every customer at the touchpoint with one webhook (no policies), so each
 * accepted event means exactly one delivery. Ends with one line of JSON.
 *
 * The CPU each part used during the sustained phase (API, workers, the bench database's Postgres
 * backends, Redis; from /proc) is reported per event: unlike events/s it does not depend on what
 * else the machine is running. BENCH_CPU_PROF_DIR=<dir> writes V8 CPU profiles of the API and the
 * workers there (node --cpu-prof).
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { QUEUE } from '@corridor/contracts';
import { queuePrefix } from '@corridor/jobs';
import { cpuMs, cpuSpentMs, createBenchDatabase, percentile, postgresBackendsCpuMs, postgresWork, postgresWorkSpent, round } from '../harness/bench-database';
import { benchAppEnv, apiClient, Children, clearRedisPrefix, createApiKey, envNumber as num, freePort, until as untilWithin } from '../harness/processes';
import { startReceiver } from '../harness/webhook-receiver';
import { setUpWebhookStrategy } from '../harness/webhook-strategy';

const EVENTS = num('BENCH_EVENTS', 10_000);
const CUSTOMERS = num('BENCH_CUSTOMERS', 1_000);
const RATE = num('BENCH_RATE', 500);
const LATENCY_SECONDS = num('BENCH_LATENCY_SECONDS', 10);
const WORKERS = num('BENCH_WORKERS', 2);
const TIMEOUT_MS = num('BENCH_TIMEOUT_S', 300) * 1000;
const BATCH = 1_000;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const log = (msg: string) => process.stderr.write(`[bench:treatments] ${msg}\n`);

/**
 * Where the latency phase's time went, hop by hop: the bench's send and the receiver's arrival
 * (performance.now() made wall-clock by `wallOffset`) around the timestamps Postgres keeps on the
 * way: the event's received_at (the ingest transaction's start), its outbox row's relayed_at (the
 * relay's claim), the decision's decided_at (the decide transaction's start), the delivery's
 * outbox row's relayed_at (null when the decide job enqueued the dispatch itself: the hop is then
 * 0) and delivered_at (the dispatch transaction's start). p50 / p99 per hop, in ms.
 */
async function hopLatencies(ds: DataSource, sentAt: number[], seen: Map<string, number[]>, wallOffset: number): Promise<Record<string, { p50: number; p99: number }>> {
  const rows: Array<{ seq: number; received: number; relayed: number | null; decided: number; dispatch_relayed: number | null; delivered: number | null }> = await ds.query(
    `SELECT (e.properties->>'seq')::int AS seq, extract(epoch FROM e.received_at) * 1000 AS received,
            (SELECT extract(epoch FROM min(o.relayed_at)) * 1000 FROM outbox o WHERE o.topic = 'decide-event' AND o.ref = e.id::text) AS relayed,
            extract(epoch FROM d.decided_at) * 1000 AS decided,
            (SELECT extract(epoch FROM min(o.relayed_at)) * 1000 FROM outbox o WHERE o.topic = 'dispatch-delivery' AND o.ref = v.id::text) AS dispatch_relayed,
            extract(epoch FROM v.delivered_at) * 1000 AS delivered
       FROM touchpoint_events e JOIN decisions d ON d.event_id = e.id JOIN deliveries v ON v.decision_id = d.id
      WHERE e.source = 'api' AND e.properties->>'phase' = 'latency'`,
  );
  const spans: Record<string, number[]> = { api: [], to_relay: [], to_decide: [], to_dispatch_relay: [], to_dispatch: [], send: [] };
  for (const r of rows) {
    const sent = sentAt[r.seq] + wallOffset;
    const arrived = seen.get(`latency:${r.seq}`)?.[0];
    const relayed = r.relayed ?? r.received;
    const dispatchRelayed = r.dispatch_relayed ?? r.decided;
    spans.api.push(r.received - sent);
    spans.to_relay.push(relayed - r.received);
    spans.to_decide.push(r.decided - relayed);
    spans.to_dispatch_relay.push(dispatchRelayed - r.decided);
    if (r.delivered !== null) spans.to_dispatch.push(r.delivered - dispatchRelayed);
    if (r.delivered !== null && arrived !== undefined) spans.send.push(arrived + wallOffset - r.delivered);
  }
  return Object.fromEntries(
    Object.entries(spans).map(([k, v]) => {
      const sorted = v.sort((a, b) => a - b);
      return [k, { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) }];
    }),
  );
}

/**
 * The decide and dispatch jobs completed since `sinceWall` (epoch ms), from BullMQ's own stamps:
 * `*_pickup` from being added to a worker taking it (the queue's wake-up), `*_run` from taken to
 * finished. p50 / p99 in ms.
 */
async function queueLatencies(redis: Redis, prefix: string, sinceWall: number): Promise<Record<string, { p50: number; p99: number }>> {
  const out: Record<string, { p50: number; p99: number }> = {};
  const stat = (v: number[]) => {
    const sorted = v.sort((a, b) => a - b);
    return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)) };
  };
  for (const [name, queue] of [['decide', QUEUE.touchpointEvents], ['dispatch', QUEUE.treatmentDispatch]] as const) {
    const q = new Queue(queue, { connection: redis, prefix: queuePrefix(prefix, queue) });
    const jobs = (await q.getJobs(['completed'], 0, -1)).filter((j) => j.timestamp >= sinceWall && j.processedOn && j.finishedOn);
    out[`${name}_pickup`] = stat(jobs.map((j) => j.processedOn! - j.timestamp));
    out[`${name}_run`] = stat(jobs.map((j) => j.finishedOn! - j.processedOn!));
    out[`${name}_jobs`] = { p50: jobs.length, p99: jobs.length };
    await q.close();
  }
  return out;
}

const until = (what: string, f: () => Promise<boolean> | boolean, timeoutMs = TIMEOUT_MS, everyMs = 20) => untilWithin(what, f, timeoutMs, everyMs);

async function main(): Promise<void> {
  const db = await createBenchDatabase('corridor_bench_treatments');
  const prefix = `corridor-bench-treatments-${Date.now().toString(36)}`;
  const port = await freePort();
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await startReceiver(secret);
  const env = benchAppEnv({ databaseUrl: db.url, redisUrl: REDIS_URL, prefix, port });
  const children = new Children(env);
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const start = (main: string) => children.start(main, { profileDir });
  const bareQueueName = 'bench-bare';
  const bareConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  try {
    // 1. The peer: bare BullMQ, one POST per job to the same receiver.
    log(`bare BullMQ pipeline: ${EVENTS.toLocaleString()} jobs → one HTTP POST each`);
    const bareQueue = new Queue(bareQueueName, { connection: bareConnection, prefix });
    const bareWorker = new Worker(
      bareQueueName,
      async (job) => {
        const res = await fetch(`${receiver.url}/bare`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seq: job.data.seq }) });
        if (!res.ok) throw new Error(`receiver answered ${res.status}`);
      },
      { connection: bareConnection.duplicate(), prefix, concurrency: 50 },
    );
    const bareStart = performance.now();
    for (let i = 0; i < EVENTS; i += BATCH) {
      await bareQueue.addBulk(Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, k) => ({ name: 'post', data: { seq: i + k }, opts: { removeOnComplete: true } })));
    }
    await until('the bare pipeline', () => receiver.count('bare') >= EVENTS);
    const bareSeconds = (performance.now() - bareStart) / 1000;
    const barePerS = EVENTS / bareSeconds;
    await bareWorker.close();
    await bareQueue.obliterate({ force: true });
    await bareQueue.close();
    log(`bare: ${Math.round(barePerS).toLocaleString()} jobs/s (${round(bareSeconds)} s)`);

    // 2. Corridor: API + workers, set up over HTTP.
    const adminKey = createApiKey(env, 'admin', 'bench');
    const apiProcess = start('dist/apps/api/src/main.js');
    const workerProcesses = Array.from({ length: WORKERS }, () => start('dist/apps/worker/src/main.js'));
    const api = `http://127.0.0.1:${port}`;
    const call = apiClient(api, adminKey);
    // Events come from marketing automation or a CDP with an integration key, as in production
    // (an admin key's writes are also audited: a row and a commit per request the real path never pays).
    const ingest = apiClient(api, createApiKey(env, 'integration', 'bench-ingest'));
    await until('the API', () => fetch(`${api}/health`).then((r) => r.ok, () => false), 120_000, 250);
    const customerIds = await setUpWebhookStrategy(call, db.ds, {
      receiverUrl: `${receiver.url}/hooks`,
      secret,
      touchpoint: 'bench_tp',
      eventProperties: [{ name: 'seq', type: 'number' }, { name: 'phase', type: 'string' }],
      payloadTemplate: { phase: '{{event.phase}}', seq: '{{event.seq}}', customer: '{{customer.id}}', persona: '{{persona.key}}' },
      customers: CUSTOMERS,
      timeoutMs: TIMEOUT_MS,
    });

    const event = (phase: string, seq: number) => ({ touchpoint: 'bench_tp', customer: `id:${customerIds[seq % customerIds.length]}`, properties: { phase, seq }, idempotencyKey: `${phase}-${seq}` });

    // CPU used by each part, read from /proc around the sustained phase.
    const redisPid = Number(/process_id:(\d+)/.exec(await bareConnection.info('server'))?.[1] ?? 0);
    const cpuNow = async () => {
      const backends = await postgresBackendsCpuMs(db.ds);
      const workers = (await Promise.all(workerProcesses.map((w) => cpuMs(w.pid!)))).reduce((a, b) => a + b, 0);
      return { api: await cpuMs(apiProcess.pid!), workers, redis: redisPid ? await cpuMs(redisPid) : 0, backends };
    };

    // 3. Sustained: batches of 1,000, four requests in flight.
    log(`sustained: ${EVENTS.toLocaleString()} events in batches of ${BATCH}`);
    let accepted = 0;
    const pgBefore = await postgresWork(db.ds);
    const cpuBefore = await cpuNow();
    const sustainedStart = performance.now();
    const batches = Array.from({ length: Math.ceil(EVENTS / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, EVENTS - b * BATCH) }, (_, k) => event('sustained', b * BATCH + k)));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < batches.length) {
          const answer = await ingest('POST', '/v1/events', { events: batches[next++] });
          accepted += answer.accepted;
        }
      }),
    );
    const ingestSeconds = (performance.now() - sustainedStart) / 1000;
    await until('the sustained deliveries', () => receiver.count('sustained') >= accepted).catch((e) => log(String(e)));
    const sustainedSeconds = (performance.now() - sustainedStart) / 1000;
    const eventsPerS = receiver.count('sustained') / sustainedSeconds;
    const cpuAfter = await cpuNow();
    const pgMs = cpuSpentMs(cpuBefore.backends, cpuAfter.backends);
    const perEvent = (ms: number) => round(ms / Math.max(1, accepted), 3);
    const cpu = {
      api: perEvent(cpuAfter.api - cpuBefore.api),
      workers: perEvent(cpuAfter.workers - cpuBefore.workers),
      postgres: perEvent(pgMs),
      redis: perEvent(cpuAfter.redis - cpuBefore.redis),
    };
    const cpuTotal = round(cpu.api + cpu.workers + cpu.postgres + cpu.redis, 3);
    const pgSustained = postgresWorkSpent(pgBefore, await postgresWork(db.ds), accepted);
    log(`sustained CPU per event: ${JSON.stringify(cpu)} = ${cpuTotal} ms (so at most ~${Math.round(2000 / cpuTotal).toLocaleString()} events/s on 2 idle cores)`);
    log(`sustained: ${accepted.toLocaleString()} accepted (ingest ${round(ingestSeconds)} s), all delivered in ${round(sustainedSeconds)} s = ${Math.round(eventsPerS).toLocaleString()} events/s`);

    // 4. Latency at a modest offered rate, one event per request, open loop.
    const total = Math.round(RATE * LATENCY_SECONDS);
    log(`latency: ${total.toLocaleString()} single-event requests at ${RATE}/s`);
    const sentAt = new Array<number>(total);
    let latencyAccepted = 0;
    let unanswered = 0;
    // A request the loaded API drops is sent again with the same idempotency key (safe: a repeat is
    // acknowledged as a duplicate); the latency still counts from the first send.
    const sendOne = async (i: number): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const a = await ingest('POST', '/v1/events', event('latency', i));
          latencyAccepted += a.accepted + a.duplicate;
          return;
        } catch (e) {
          if (attempt >= 5) {
            unanswered++;
            log(`request ${i} failed ${attempt} times: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      }
    };
    const inFlight: Array<Promise<void>> = [];
    const pgLatencyBefore = await postgresWork(db.ds);
    const latencyCpuBefore = await cpuNow();
    const latencyStart = performance.now();
    // performance.now() → wall-clock ms, to compare with Postgres' timestamps (same machine, same clock).
    const wallOffset = Date.now() - performance.now();
    for (let i = 0; i < total; i++) {
      const due = latencyStart + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      sentAt[i] = performance.now();
      inFlight.push(sendOne(i));
    }
    await Promise.all(inFlight);
    await until('the latency deliveries', () => receiver.count('latency') >= latencyAccepted).catch((e) => log(String(e)));
    const latencyCpuAfter = await cpuNow();
    const perLatencyEvent = (ms: number) => round(ms / Math.max(1, latencyAccepted), 3);
    const latencyCpu = {
      api: perLatencyEvent(latencyCpuAfter.api - latencyCpuBefore.api),
      workers: perLatencyEvent(latencyCpuAfter.workers - latencyCpuBefore.workers),
      postgres: perLatencyEvent(cpuSpentMs(latencyCpuBefore.backends, latencyCpuAfter.backends)),
      redis: perLatencyEvent(latencyCpuAfter.redis - latencyCpuBefore.redis),
    };
    log(`latency phase CPU per event (one per request): ${JSON.stringify(latencyCpu)}`);
    const pgLatency = postgresWorkSpent(pgLatencyBefore, await postgresWork(db.ds), latencyAccepted);
    for (const [phase, w] of [['sustained', pgSustained], ['latency', pgLatency]] as const) {
      log(`Postgres per event, ${phase}: ${w.transactions_per_event} transactions, ${w.statements_per_event ?? '?'} statements, ${w.exec_ms_per_event ?? '?'} ms executing`);
      for (const t of w.top_statements ?? []) log(`  ${t.ms_per_event} ms, ${t.calls_per_event} calls: ${t.query}`);
    }
    const pgFigures = (w: typeof pgLatency) => ({ transactions: w.transactions_per_event, statements: w.statements_per_event, exec_ms: w.exec_ms_per_event });
    const latencies = Array.from({ length: total }, (_, i) => receiver.seen.get(`latency:${i}`)?.[0])
      .map((at, i) => (at === undefined ? NaN : at - sentAt[i]))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    log(`latency: p50 ${round(p50)} ms, p99 ${round(p99)} ms over ${latencies.length.toLocaleString()} deliveries`);
    const hops = await hopLatencies(db.ds, sentAt, receiver.seen, wallOffset);
    log(`latency per hop, p50 / p99 ms: ${Object.entries(hops).map(([k, v]) => `${k} ${v.p50} / ${v.p99}`).join(', ')}`);
    const jobTimes = await queueLatencies(bareConnection, prefix, latencyStart + wallOffset);
    log(`BullMQ jobs of the latency phase, p50 / p99 ms: ${Object.entries(jobTimes).map(([k, v]) => `${k} ${v.p50} / ${v.p99}`).join(', ')}`);

    // 5. Lost and duplicates, from the receiver and from Postgres.
    await new Promise((r) => setTimeout(r, 1000)); // a late second delivery would show up now
    const ackd = accepted + latencyAccepted;
    const receivedOnce = receiver.count('sustained') + receiver.count('latency');
    const [{ undelivered }] = await db.ds.query(
      `SELECT count(*)::int AS undelivered FROM touchpoint_events e WHERE e.source = 'api'
          AND NOT EXISTS (SELECT 1 FROM deliveries v WHERE v.event_id = e.id AND v.status = 'delivered')`,
    );
    const [{ extraRows }] = await db.ds.query(`SELECT (count(*) - count(DISTINCT (event_id, treatment_key)))::int AS "extraRows" FROM deliveries`);
    // A second webhook under the same webhook id is a retried attempt (say the first timed out after
    // the receiver had read it): at-least-once on the wire, which receivers deduplicate on `webhook-id`.
    const [{ retried }] = await db.ds.query(`SELECT count(*)::int AS retried FROM deliveries WHERE attempts > 1`);
    const lost = Math.max(ackd - receivedOnce, undelivered);
    const duplicates = receiver.extra('sustained') + receiver.extra('latency') + extraRows;
    log(`acknowledged ${ackd.toLocaleString()}, received ${receivedOnce.toLocaleString()}, undelivered in Postgres ${undelivered}, second deliveries ${duplicates}; signatures verified ${receiver.stats.verified.toLocaleString()}, refused ${receiver.stats.refused}`);

    const result = {
      events: accepted,
      events_per_s: Math.round(eventsPerS),
      ingest_seconds: round(ingestSeconds),
      sustained_seconds: round(sustainedSeconds),
      bare_pipeline_per_s: Math.round(barePerS),
      ratio_vs_bare: round(eventsPerS / barePerS, 3),
      offered_rate_per_s: RATE,
      latency_requests_unanswered: unanswered,
      latency_events: latencies.length,
      p50_ms: round(p50),
      p99_ms: round(p99),
      hops_ms: hops,
      jobs_ms: jobTimes,
      lost,
      duplicates,
      signatures_verified: receiver.stats.verified,
      signatures_refused: receiver.stats.refused,
      repeated_webhook_ids: receiver.stats.repeatedIds,
      deliveries_retried: retried,
      workers: WORKERS,
      cpu_ms_per_event: cpu,
      cpu_ms_per_event_total: cpuTotal,
      latency_cpu_ms_per_event: latencyCpu,
      postgres_per_event: { sustained: pgFigures(pgSustained), latency: pgFigures(pgLatency) },
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await children.stopAll();
    await receiver.close();
    await db.drop();
    await clearRedisPrefix(bareConnection, prefix);
    bareConnection.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
