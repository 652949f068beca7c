/**
 * npm run bench:segmentation -- [--customers 1000000] [--workers 2] [--sample 200000] [--peer-sample 3000] [--incremental 1000]
 *
 * Measures, side by side in one run: the compiled evaluator against json-rules-engine; a full
 * re-segmentation through the real path (Postgres → worker processes → assignments and history)
 * against the floor of Postgres streaming the same rows out and in with COPY; and incremental
 * re-evaluation latency through the queue. Ends with one line of JSON.
 */
import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import { FlowProducer, Queue, QueueEvents } from 'bullmq';
import { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import { EVALUATE_CUSTOMERS, QUEUE, RUN_CHUNK, RUN_FINALIZE } from '@corridor/contracts';
import { buildPersonaSet, CANONICAL_CATALOG, compileSetSnapshot } from '@corridor/domain';
import { DEFAULT_JOB_OPTIONS, queuePrefix, redisConnection } from '@corridor/jobs';
import {
  contentHashOf,
  copyLinesInto,
  CustomerRepository,
  IMPORT_CONNECTION_ID,
  PersonaRepository,
  SegmentationStore,
} from '@corridor/persistence';
import { createBenchDatabase, flag, peakRssMb, percentile, round } from '../harness/bench-database';
import { BenchPersonaSet, createPersonas, loadCustomers } from '../harness/segmentation-data';
import { FIXTURE_PERSONAS } from '../fixtures/persona-fixture';
import { syntheticCustomer } from '../fixtures/synthetic-customers';
import { buildPeerEngine, peerAssign } from './json-rules-engine-peer';

const CUSTOMERS = flag('customers', 1_000_000);
const WORKERS = flag('workers', 2);
const SAMPLE = Math.min(flag('sample', 200_000), CUSTOMERS);
const PEER_SAMPLE = Math.min(flag('peer-sample', 3_000), SAMPLE);
const INCREMENTAL = flag('incremental', 1_000);
const CHUNK_SIZE = flag('chunk-size', 50_000);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW = Date.parse('2026-11-23T12:00:00Z');
const log = (msg: string) => process.stderr.write(`[bench:segmentation] ${msg}\n`);

async function main(): Promise<void> {
  const db = await createBenchDatabase('corridor_bench_seg');
  const prefix = `corridor-bench-${Date.now().toString(36)}`;
  const workers: ChildProcess[] = [];
  try {
    log(`database ${db.name}; generating ${CUSTOMERS.toLocaleString()} customers`);
    await loadCustomers(db.ds, CUSTOMERS, NOW);
    const draft = await createPersonas(db.ds);
    const set = compileSetSnapshot(draft.members, draft.catalog, 'UTC');

    // 1. In-memory evaluation: compiled evaluator vs json-rules-engine on the same rules and customers.
    const sample = Array.from({ length: SAMPLE }, (_, i) => syntheticCustomer(i, NOW).attributes);
    const assign = set.compiled.bind({ now: NOW, timeZone: 'UTC' });
    const evaluationsPerS = bestOf(3, () => {
      const rounds = Math.max(1, Math.ceil(1_000_000 / SAMPLE));
      const t = performance.now();
      let sink = 0;
      for (let r = 0; r < rounds; r++) for (let i = 0; i < sample.length; i++) sink += assign(sample[i]);
      if (sink < 0) throw new Error('unreachable');
      return (rounds * sample.length) / ((performance.now() - t) / 1000);
    });
    const engine = buildPeerEngine(FIXTURE_PERSONAS, CANONICAL_CATALOG, NOW);
    const order = FIXTURE_PERSONAS.map((p) => p.key);
    let disagreements = 0;
    for (let i = 0; i < 200; i++) {
      const ours = set.personaKeys[assign(sample[i])];
      if (ours !== (await peerAssign(engine, order, 'everyone_else', sample[i]))) disagreements++;
    }
    const tp = performance.now();
    for (let i = 0; i < PEER_SAMPLE; i++) await peerAssign(engine, order, 'everyone_else', sample[i]);
    const peerPerS = PEER_SAMPLE / ((performance.now() - tp) / 1000);
    sample.length = 0;
    log(`in-memory: compiled ${Math.round(evaluationsPerS).toLocaleString()}/s, json-rules-engine ${Math.round(peerPerS).toLocaleString()}/s (${disagreements}/200 disagreements)`);

    // 2. The floor: Postgres streaming the customers out and the assignments in with COPY, nothing else.
    const copyFloor = await measureCopyFloor(db.ds, CUSTOMERS, draft.members[0].personaId);
    log(`COPY floor: out ${round(copyFloor.out)} s + in ${round(copyFloor.in)} s`);

    // 3. Full re-segmentation through the real path, shared by worker processes.
    const env = { ...process.env, DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn', SEGMENTATION_CHUNK_SIZE: String(CHUNK_SIZE), NODE_ENV: 'production', SECRETS_KEY: 'a'.repeat(64) };
    for (let i = 0; i < WORKERS; i++) workers.push(spawnWorker(env));
    const connection = redisConnection(REDIS_URL);
    const queue = new Queue(QUEUE.segmentation, { connection, prefix: queuePrefix(prefix, QUEUE.segmentation) });
    await waitFor(async () => (await queue.getWorkersCount()) >= WORKERS, 60_000, 'workers to start');
    const store = new SegmentationStore(db.ds);
    const flows = new FlowProducer({ connection, prefix: queuePrefix(prefix, QUEUE.segmentation) });
    const first = await fullRun(db.ds, store, flows, draft, 'first publish: every customer is new');
    // A second publish with one rule changed: the usual case, where only some customers move.
    const changed = { ...draft, members: draft.members.map((m) => (m.key === 'smb_customer' ? { ...m, rule: { attribute: 'employees', operator: 'lt', value: 200 } } : m)) };
    const second = await fullRun(db.ds, store, flows, changed, 'second publish: one rule changed');
    const goLiveParts = await measureGoLiveParts(db.ds, second.version);

    // 4. Incremental: a customer changes; time until its assignment is stored, through the queue.
    const liveQueue = new Queue(EVALUATE_CUSTOMERS.queue, { connection, prefix: queuePrefix(prefix, EVALUATE_CUSTOMERS.queue) });
    const queueEvents = new QueueEvents(EVALUATE_CUSTOMERS.queue, { connection, prefix: queuePrefix(prefix, EVALUATE_CUSTOMERS.queue) });
    await queueEvents.waitUntilReady();
    const customers = new CustomerRepository(db.ds);
    const latencies: number[] = [];
    for (let k = 0; k < INCREMENTAL; k++) {
      const i = (k * 7919) % CUSTOMERS;
      const c = syntheticCustomer(i, NOW);
      const outcome = await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: c.externalId, attributes: { ...c.attributes, total_revenue: 1000 + k } }]);
      const t0 = performance.now(); // the change is stored: from here to the assignment stored
      const job = await liveQueue.add(EVALUATE_CUSTOMERS.name, { customerIds: outcome.changedIds, cause: 'data_change' }, { removeOnComplete: false });
      await job.waitUntilFinished(queueEvents, 10_000);
      latencies.push(performance.now() - t0);
    }
    latencies.sort((a, b) => a - b);
    // The same, without the queue: the database work alone, in this process.
    const direct: number[] = [];
    for (let k = 0; k < INCREMENTAL; k++) {
      const i = (k * 104_729) % CUSTOMERS;
      const c = syntheticCustomer(i, NOW);
      const outcome = await customers.upsertBatch(IMPORT_CONNECTION_ID, [{ externalId: c.externalId, attributes: { ...c.attributes, total_revenue: 2000 + k } }]);
      const t0 = performance.now();
      await store.evaluateIncrementally(outcome.changedIds, 'data_change', (_v, cs) => cs.map((x) => second.set.personaIds[second.set.compiled.bind({ now: Date.now(), timeZone: 'UTC' })(x.attributes)]));
      direct.push(performance.now() - t0);
    }
    direct.sort((a, b) => a - b);
    const rss = await Promise.all(workers.map((w) => peakRssMb(w.pid!)));
    await Promise.all([queueEvents.close(), liveQueue.close(), queue.close(), flows.close()]);

    const floor = copyFloor.out + copyFloor.in;
    const figures = {
      customers: CUSTOMERS,
      workers: WORKERS,
      personas: FIXTURE_PERSONAS.length + 1,
      evaluations_per_s: Math.round(evaluationsPerS),
      peer_evaluations_per_s: Math.round(peerPerS),
      ratio_vs_peer: Math.round(evaluationsPerS / peerPerS),
      peer_disagreements_of_200: disagreements,
      full_resegmentation_s: round(first.seconds),
      full_resegmentation_customers_per_s: Math.round(CUSTOMERS / first.seconds),
      full_resegmentation_changed: first.changed,
      full_resegmentation_breakdown: first.breakdown,
      repeat_resegmentation_s: round(second.seconds),
      repeat_resegmentation_changed: second.changed,
      repeat_resegmentation_breakdown: second.breakdown,
      copy_floor_s: round(floor),
      copy_floor_out_s: round(copyFloor.out),
      copy_floor_in_s: round(copyFloor.in),
      ratio_vs_floor: round(first.seconds / floor),
      repeat_ratio_vs_floor: round(second.seconds / floor),
      go_live_parts: goLiveParts,
      incremental_samples: latencies.length,
      incremental_p50_ms: round(percentile(latencies, 50)),
      incremental_p99_ms: round(percentile(latencies, 99)),
      incremental_direct_p50_ms: round(percentile(direct, 50)),
      incremental_direct_p99_ms: round(percentile(direct, 99)),
      peak_rss_mb: Math.max(...rss),
      worker_peak_rss_mb: rss,
    };
    log(
      `full re-segmentation ${figures.full_resegmentation_s} s (${figures.ratio_vs_floor}× the COPY floor of ${figures.copy_floor_s} s); ` +
        `repeat ${figures.repeat_resegmentation_s} s; incremental p50 ${figures.incremental_p50_ms} ms, p99 ${figures.incremental_p99_ms} ms; ` +
        `compiled evaluator ${figures.ratio_vs_peer}× json-rules-engine; worker peak RSS ${rss.join(', ')} MB`,
    );
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await db.drop();
  }
}

async function measureCopyFloor(ds: DataSource, n: number, personaId: string): Promise<{ out: number; in: number }> {
  const qr = ds.createQueryRunner();
  const client = (await qr.connect()) as PoolClient;
  try {
    let t = performance.now();
    const discard = new Writable({ write: (_c, _e, cb) => cb() });
    await new Promise<void>((resolve, reject) => {
      const s = client.query(copyTo(`COPY (SELECT c.id, NULL::uuid, c.attributes FROM customers c WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL) TO STDOUT`));
      s.on('error', reject);
      s.pipe(discard).on('finish', resolve).on('error', reject);
    });
    const out = (performance.now() - t) / 1000;
    await client.query(`CREATE TABLE floor_assignments (LIKE assignments INCLUDING ALL)`);
    const at = new Date(NOW).toISOString();
    t = performance.now();
    await copyLinesInto(client.query(copyFrom(`COPY floor_assignments (set_version, customer_id, persona_id, evaluated_at) FROM STDIN`)), n, (i) => `9\t${i + 1}\t${personaId}\t${at}\n`);
    const into = (performance.now() - t) / 1000;
    await client.query(`DROP TABLE floor_assignments`);
    return { out, in: into };
  } finally {
    await qr.release();
  }
}

async function fullRun(ds: DataSource, store: SegmentationStore, flows: FlowProducer, draft: BenchPersonaSet, label: string) {
  const t = performance.now();
  const { plan } = (await store.publish(draft, { timeZone: 'UTC', publishedBy: null, chunkSize: CHUNK_SIZE, now: new Date(NOW) }))!;
  const planned = performance.now();
  const opts = (jobId: string | undefined) => ({ ...DEFAULT_JOB_OPTIONS, jobId });
  await flows.add({
    name: RUN_FINALIZE.name,
    queueName: QUEUE.segmentation,
    data: { runId: plan.run.id },
    opts: opts(RUN_FINALIZE.jobId({ runId: plan.run.id })),
    children: plan.chunks.map((chunk) => ({
      name: RUN_CHUNK.name,
      queueName: QUEUE.segmentation,
      data: { runId: plan.run.id, chunk },
      opts: opts(RUN_CHUNK.jobId({ runId: plan.run.id, chunk })),
    })),
  });
  let lastPercent = -1;
  let run = await store.getRun(plan.run.id);
  await waitFor(
    async () => {
      run = await store.getRun(plan.run.id);
      if (run && run.progress.percent !== lastPercent && run.progress.percent % 25 < 5) {
        lastPercent = run.progress.percent;
        log(`${label}: ${run.progress.done.toLocaleString()}/${run.progress.total.toLocaleString()} (${run.progress.percent}%)`);
      }
      return run?.status !== 'running';
    },
    600_000,
    'the run',
    50,
  );
  const seconds = (performance.now() - t) / 1000;
  if (run!.status !== 'completed') throw new Error(`run ended ${run!.status}: ${run!.error}`);
  const changed = (run!.result as { changed: number }).changed;
  // Where the time went: planning (publish), the chunks, going live.
  const [phases] = await ds.query(
    `SELECT extract(epoch FROM max(c.finished_at) - r.started_at) AS chunks_s, extract(epoch FROM r.finished_at - max(c.finished_at)) AS go_live_s
       FROM segmentation_runs r JOIN segmentation_chunks c ON c.run_id = r.id WHERE r.id = $1 GROUP BY r.id`,
    [plan.run.id],
  );
  const breakdown = { plan_s: round((planned - t) / 1000), chunks_s: round(Number(phases.chunks_s)), go_live_s: round(Number(phases.go_live_s)) };
  log(`${label}: ${round(seconds)} s (${JSON.stringify(breakdown)}), ${changed.toLocaleString()} persona changes`);
  return { seconds, changed, breakdown, version: plan.run.setVersion!, set: compileSetSnapshot(draft.members, draft.catalog, 'UTC') };
}

/**
 * What going live spends its time on, measured apart on the live set's partition (every customer,
 * as in a first publish), each statement in a transaction that is rolled back, best of 2: the
 * history write as going live makes it (into persona_run_changes, in customer order) and the
 * per-persona count scan that going live no longer does (the chunks count).
 * Then the same write into scratch copies of the history (every row of persona_history and
 * persona_run_changes, indexes built the same way) that differ only in their indexes, so the shapes
 * compare on equal terms (issue 12): the old shape (key on id + (customer_id, id) + (xact_id, id)),
 * persona_history's (key (customer_id, id) + (xact_id, id)), persona_run_changes' (key (set_version,
 * customer_id, id) + (xact_id, id), a new run being a newer version), the feed's index alone, the
 * heap alone (the floor of any row-per-change record), and a compact record (one row per 1,000
 * changed customers, the changes as arrays) that no reader uses.
 */
async function measureGoLiveParts(ds: DataSource, version: number) {
  const partition = `assignments_v${version}`;
  const history = `INSERT INTO persona_run_changes (customer_id, id, from_persona_id, to_persona_id, set_version, cause, changed_at, xact_id)
     SELECT n.customer_id, nextval('persona_history_id_seq'), NULL, n.persona_id, ${version} + 1, 'rule_change', (SELECT clock_timestamp()), (SELECT pg_current_xact_id()::text::bigint)
       FROM ${partition} n ORDER BY n.customer_id`;
  const countScan = `SELECT m->>'key' AS key, count(a.customer_id)::int AS n
       FROM persona_sets s CROSS JOIN LATERAL jsonb_array_elements(s.members) m
       LEFT JOIN ${partition} a ON a.persona_id = (m->>'personaId')::uuid
      WHERE s.version = ${version} GROUP BY m->>'key'`;
  const time = async (sql: string) => {
    const qr = ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const t = performance.now();
      await qr.query(sql);
      const s = (performance.now() - t) / 1000;
      await qr.rollbackTransaction();
      return s;
    } finally {
      await qr.release();
    }
  };
  const best: Record<string, number> = { history_s: Infinity, count_scan_s: Infinity };
  for (let i = 0; i < 2; i++) {
    best.history_s = Math.min(best.history_s, await time(history));
    best.count_scan_s = Math.min(best.count_scan_s, await time(countScan));
  }
  const [{ rows }] = await ds.query(`SELECT count(*)::int AS rows FROM ${partition}`);
  const shapes = await measureHistoryShapes(ds, partition, version, time);
  const parts = { rows, history_s: round(best.history_s), count_scan_s: round(best.count_scan_s), ...shapes };
  log(`going live, measured apart on ${rows.toLocaleString()} rows: history insert ${parts.history_s} s; per-persona count scan ${parts.count_scan_s} s`);
  log(
    `history shapes on a copy of ${shapes.history_rows_before.toLocaleString()} rows: old (3 B-trees) ${shapes.history_old_shape_s} s, ` +
      `persona_history's (2 B-trees) ${shapes.history_current_shape_s} s, persona_run_changes' ${shapes.history_run_changes_shape_s} s, ` +
      `feed index only ${shapes.history_feed_index_only_s} s, heap only ${shapes.history_heap_only_s} s, compact arrays ${shapes.history_compact_s} s`,
  );
  return parts;
}

async function measureHistoryShapes(ds: DataSource, partition: string, version: number, time: (sql: string) => Promise<number>) {
  const columns = `customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at, xact_id`;
  const copy = async (name: string, indexes: string[]) => {
    await ds.query(`DROP TABLE IF EXISTS ${name}`);
    await ds.query(`CREATE TABLE ${name} (id bigint GENERATED ALWAYS AS IDENTITY, customer_id bigint NOT NULL, from_persona_id uuid, to_persona_id uuid NOT NULL,
                      set_version int NOT NULL, cause text NOT NULL, changed_at timestamptz NOT NULL, xact_id bigint NOT NULL)`);
    await ds.query(`INSERT INTO ${name} (${columns}) SELECT ${columns} FROM (SELECT ${columns}, id FROM persona_history UNION ALL SELECT ${columns}, id FROM persona_run_changes) h ORDER BY id`);
    for (const index of indexes) await ds.query(index.replace('$T', name));
    await ds.query(`VACUUM ANALYZE ${name}`);
  };
  await copy('bench_history_old', [
    `ALTER TABLE $T ADD PRIMARY KEY (id)`,
    `CREATE INDEX ON $T (customer_id, id)`,
    `CREATE INDEX ON $T (xact_id, id)`,
  ]);
  await copy('bench_history_current', [`ALTER TABLE $T ADD PRIMARY KEY (customer_id, id)`, `CREATE INDEX ON $T (xact_id, id)`]);
  await copy('bench_history_heap', []);
  await copy('bench_history_runs', [`ALTER TABLE $T ADD PRIMARY KEY (set_version, customer_id, id)`, `CREATE INDEX ON $T (xact_id, id)`]);
  await copy('bench_history_feedonly', [`CREATE INDEX ON $T (xact_id, id)`]);
  await ds.query(`DROP TABLE IF EXISTS bench_history_compact`);
  await ds.query(`CREATE TABLE bench_history_compact (xact_id bigint NOT NULL, first_id bigint NOT NULL, set_version int NOT NULL, changed_at timestamptz NOT NULL,
                    customer_lo bigint NOT NULL, customer_hi bigint NOT NULL, customer_ids bigint[] NOT NULL, from_ids uuid[] NOT NULL, to_ids uuid[] NOT NULL,
                    PRIMARY KEY (xact_id, first_id))`);
  await ds.query(`CREATE INDEX ON bench_history_compact (customer_hi)`);
  // In customer order, as going live's merge join yields them; as a newer version than any copied row.
  const rowsInto = (table: string) =>
    `INSERT INTO ${table} (${columns})
     SELECT n.customer_id, NULL, n.persona_id, ${version} + 1, 'rule_change', (SELECT clock_timestamp()), (SELECT pg_current_xact_id()::text::bigint)
       FROM ${partition} n ORDER BY n.customer_id`;
  const compact = `INSERT INTO bench_history_compact
     SELECT (SELECT pg_current_xact_id()::text::bigint), min(k), ${version}, (SELECT clock_timestamp()), min(customer_id), max(customer_id),
            array_agg(customer_id ORDER BY customer_id), array_agg(NULL::uuid ORDER BY customer_id), array_agg(persona_id ORDER BY customer_id)
       FROM (SELECT n.customer_id, n.persona_id, row_number() OVER (ORDER BY n.customer_id) - 1 AS k FROM ${partition} n) x
      GROUP BY k / 1000`;
  const best = { old: Infinity, current: Infinity, runs: Infinity, feedonly: Infinity, heap: Infinity, compact: Infinity };
  for (let i = 0; i < 2; i++) {
    best.old = Math.min(best.old, await time(rowsInto('bench_history_old')));
    best.current = Math.min(best.current, await time(rowsInto('bench_history_current')));
    best.runs = Math.min(best.runs, await time(rowsInto('bench_history_runs')));
    best.feedonly = Math.min(best.feedonly, await time(rowsInto('bench_history_feedonly')));
    best.heap = Math.min(best.heap, await time(rowsInto('bench_history_heap')));
    best.compact = Math.min(best.compact, await time(compact));
  }
  const [{ n }] = await ds.query(`SELECT (SELECT count(*) FROM persona_history) + (SELECT count(*) FROM persona_run_changes) AS n`);
  for (const t of ['old', 'current', 'runs', 'feedonly', 'heap', 'compact']) await ds.query(`DROP TABLE bench_history_${t}`);
  return {
    history_rows_before: Number(n),
    history_old_shape_s: round(best.old),
    history_current_shape_s: round(best.current),
    history_heap_only_s: round(best.heap),
    history_compact_s: round(best.compact),
    history_run_changes_shape_s: round(best.runs),
    history_feed_index_only_s: round(best.feedonly),
  };
}

function spawnWorker(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [join(__dirname, '../../apps/worker/src/main.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (code && code !== 0) log(`worker ${child.pid} exited ${code ?? signal}`);
  });
  return child;
}

function bestOf(n: number, f: () => number): number {
  let best = 0;
  for (let i = 0; i < n; i++) best = Math.max(best, f());
  return best;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
