/**
 * npm run bench:outcomes      (sizes by env: BENCH_OUTCOMES_EVENTS=10000000 BENCH_OUTCOMES_CUSTOMERS=1000000
 *                              BENCH_OUTCOMES_DAYS=180 BENCH_OUTCOMES_PERIOD_DAYS=90 BENCH_OUTCOMES_READS=300
 *                              BENCH_OUTCOMES_INGEST=50000 BENCH_OUTCOMES_BATCH=500 BENCH_OUTCOMES_SCANS=1; BENCH_OUTCOMES_KEEP=1 keeps the database)
 *
 * The measures at scale, in one run, on a fresh database:
 *
 * 1. **Data**: BENCH_OUTCOMES_EVENTS touchpoint events over BENCH_OUTCOMES_CUSTOMERS customers,
 *    spread over the last BENCH_OUTCOMES_DAYS days, 14 personas × 10 touchpoints, each event
 *    decided (treated 55%, held 5%, suppressed 10%, held out 10%, no treatment 20%), a delivery
 *    for every treated or held decision (90% delivered, 3% dead) and one outcome per event (engagement,
 *    conversions with values, feedback with CSAT/NPS/effort): as many outcomes as events. Generated
 *    with generate_series, the counting triggers off; then the counters are filled by the product's
 *    own rebuild (`MeasureStore.rebuild`, the recount written into the daily rows).
 * 2. **The endpoint**: the built API process (dist/apps/api), `GET /v1/measures/cells` for the whole
 *    matrix over the last BENCH_OUTCOMES_PERIOD_DAYS days, BENCH_OUTCOMES_READS times one after
 *    another (after 10 warm-up reads): p50/p99 as the client sees them.
 * 3. **The peer**: the same figures by one GROUP BY scan over the raw tables (`MeasureStore.recount`,
 *    the query the tests check the counters against), best of BENCH_OUTCOMES_SCANS (1); and the ratio. The endpoint's
 *    answer is checked to equal the scan's.
 * 4. **Ingest**: BENCH_OUTCOMES_INGEST outcomes through `POST /v1/outcomes` in batches of
 *    BENCH_OUTCOMES_BATCH (4 requests in flight) against deliveries' webhook ids, with a worker
 *    process running (rollups, reactions to feedback). Outcomes per second from the first request to
 *    the last answer; the counters (updated in the same transactions by the triggers) must then
 *    equal a recount. Null when the route is absent.
 *
 * Ends with one line of JSON.
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import { parsePeriod } from '@corridor/domain';
import { MeasureStore } from '@corridor/persistence';
import { createBenchDatabase, percentile, round } from '../harness/bench-database';
import { Children, createApiKey, envNumber, freePort, until } from '../harness/processes';

const num = (name: string, fallback: number) => Math.floor(envNumber(name, fallback));
const EVENTS = num('BENCH_OUTCOMES_EVENTS', 10_000_000);
const CUSTOMERS = num('BENCH_OUTCOMES_CUSTOMERS', 1_000_000);
const DAYS = num('BENCH_OUTCOMES_DAYS', 180);
const PERIOD_DAYS = num('BENCH_OUTCOMES_PERIOD_DAYS', 90);
const READS = num('BENCH_OUTCOMES_READS', 300);
const INGEST = num('BENCH_OUTCOMES_INGEST', 50_000);
const BATCH = num('BENCH_OUTCOMES_BATCH', 500);
const SCANS = num('BENCH_OUTCOMES_SCANS', 1);
const CHUNK = 1_000_000;
const PERSONAS = 14;
const TOUCHPOINTS = 10;
const log = (msg: string) => process.stderr.write(`[bench:outcomes] ${msg}\n`);

/** One chunk of ids [lo, hi]: events, their decisions, deliveries and one outcome each. */
function generate(lo: number, hi: number): string[] {
  return [
    `INSERT INTO touchpoint_events (id, source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at) OVERRIDING SYSTEM VALUE
     SELECT id, 'bench', 'e' || id, 'tp' || lpad((id % ${TOUCHPOINTS})::text, 2, '0'), 1 + (hashint8(id) & 2147483647) % ${CUSTOMERS}, at, at
       FROM (SELECT g AS id, now() - random() * interval '${DAYS} days' AS at FROM generate_series(${lo}, ${hi}) g) s`,
    `INSERT INTO decisions (id, event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at, event_received_at) OVERRIDING SYSTEM VALUE
     SELECT e.id, e.id, e.touchpoint_key, e.customer_id, 'p' || lpad((e.customer_id % ${PERSONAS})::text, 2, '0'), 1, 1, 0, 't' || (e.id % ${TOUCHPOINTS}),
            o.outcome, CASE WHEN o.outcome = 'suppressed' THEN jsonb_build_array(jsonb_build_object('code', 'OPTION_MATCHED'), jsonb_build_object('code', o.reason)) ELSE '[]'::jsonb END,
            e.occurred_at + interval '1 second', e.received_at
       FROM touchpoint_events e
       CROSS JOIN LATERAL (SELECT random() AS r, random() AS r2, e.id AS ref) x
       CROSS JOIN LATERAL (SELECT CASE WHEN x.r < 0.55 THEN 'treated' WHEN x.r < 0.60 THEN 'held' WHEN x.r < 0.70 THEN 'suppressed' WHEN x.r < 0.80 THEN 'held_out' ELSE 'no_treatment' END AS outcome,
                                  CASE WHEN x.r2 < 0.6 THEN 'FREQUENCY_CAP' WHEN x.r2 < 0.9 THEN 'CONSENT_REFUSED' ELSE 'PRIORITY' END AS reason) o
      WHERE e.id BETWEEN ${lo} AND ${hi}`,
    `INSERT INTO deliveries (id, decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, attempts, created_at, updated_at, delivered_at, event_received_at) OVERRIDING SYSTEM VALUE
     SELECT d.id, d.id, d.event_id, d.customer_id, d.treatment_key, 'webhook', 'email', 'msg_bench_' || d.id, s.status, 1, d.decided_at, d.decided_at,
            CASE WHEN s.status = 'delivered' THEN d.decided_at END, d.event_received_at
       FROM decisions d CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.90 THEN 'delivered' WHEN random() < 0.3 THEN 'dead' ELSE 'pending' END AS status, d.id AS ref) s
      WHERE d.id BETWEEN ${lo} AND ${hi} AND d.outcome IN ('treated', 'held')`,
    `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, value, csat, nps, effort, occurred_at, received_at)
     SELECT 'bench', 'o' || d.id, t.type, d.customer_id, d.event_id, d.id, CASE WHEN d.outcome IN ('treated', 'held') THEN d.id END, d.touchpoint_key,
            CASE WHEN t.type = 'converted' THEN round((random() * 100)::numeric, 2) END,
            CASE WHEN t.type = 'feedback' THEN 1 + floor(random() * 5)::int END,
            CASE WHEN t.type = 'feedback' THEN floor(random() * 11)::int END,
            CASE WHEN t.type = 'feedback' THEN 1 + floor(random() * 7)::int END,
            d.decided_at + interval '1 hour', d.decided_at + interval '1 hour'
       FROM decisions d
       CROSS JOIN LATERAL (SELECT random() AS r, d.id AS ref) x
       CROSS JOIN LATERAL (SELECT CASE WHEN d.outcome IN ('treated', 'held') THEN
                                    CASE WHEN x.r < 0.30 THEN 'delivered' WHEN x.r < 0.55 THEN 'opened' WHEN x.r < 0.65 THEN 'clicked' WHEN x.r < 0.75 THEN 'converted'
                                         WHEN x.r < 0.80 THEN 'dismissed' WHEN x.r < 0.90 THEN 'ignored' ELSE 'feedback' END
                                  ELSE CASE WHEN x.r < 0.08 THEN 'converted' ELSE 'feedback' END END AS type) t
      WHERE d.id BETWEEN ${lo} AND ${hi}`,
  ];
}

const TRIGGERS = ['decisions', 'deliveries', 'outcomes'].flatMap((t) => ['insert', 'update', 'delete'].map((op) => ({ table: t, name: `measure_${t}_${op}` })));

async function main(): Promise<void> {
  const db = await createBenchDatabase('corridor_bench_outcomes');
  const measures = new MeasureStore(db.ds);
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `corridor-bench-outcomes-${Date.now().toString(36)}`,
    PORT: String(port),
    LOG_LEVEL: 'error',
    SEGMENTATION_REFRESH_CRON: '',
    SEGMENTATION_RECONCILE_MINUTES: '0',
    // The generated deliveries are months old with no engagement: the inferred-ignored sweep would
    // add its own outcomes during the ingest measurement. Only what the API was sent is measured.
    OUTCOME_IGNORED_SWEEP_SECONDS: '0',
  };
  const children = new Children(env);
  const start = (main: string) => children.start(main);
  try {
    // 1. Data, the counting triggers off; then the product's rebuild fills the counters.
    log(`generating ${EVENTS.toLocaleString()} events (decisions, deliveries, one outcome each) over ${CUSTOMERS.toLocaleString()} customers and ${DAYS} days`);
    const genStart = performance.now();
    for (const t of TRIGGERS) await db.ds.query(`ALTER TABLE ${t.table} DISABLE TRIGGER ${t.name}`);
    for (let lo = 1; lo <= EVENTS; lo += CHUNK) {
      const hi = Math.min(EVENTS, lo + CHUNK - 1);
      for (const sql of generate(lo, hi)) await db.ds.query(sql);
      log(`  ${hi.toLocaleString()} events (${round((performance.now() - genStart) / 1000, 1)} s)`);
    }
    for (const t of TRIGGERS) await db.ds.query(`ALTER TABLE ${t.table} ENABLE TRIGGER ${t.name}`);
    for (const table of ['touchpoint_events', 'decisions', 'deliveries']) {
      await db.ds.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`);
    }
    await db.ds.query(`VACUUM ANALYZE touchpoint_events, decisions, deliveries, outcomes`);
    const [{ outcomes: outcomeRows, deliveries: deliveryRows }] = await db.ds.query(`SELECT (SELECT count(*) FROM outcomes)::int AS outcomes, (SELECT count(*) FROM deliveries)::int AS deliveries`);
    const generateSeconds = (performance.now() - genStart) / 1000;
    log(`generated in ${round(generateSeconds, 1)} s: ${outcomeRows.toLocaleString()} outcomes, ${deliveryRows.toLocaleString()} deliveries`);
    const rebuildStart = performance.now();
    await measures.rebuild();
    await db.ds.query(`VACUUM ANALYZE measure_cells, measure_conversions`);
    const rebuildSeconds = (performance.now() - rebuildStart) / 1000;
    const [{ rows: cellRows }] = await db.ds.query(`SELECT count(*)::int AS rows FROM measure_cells`);
    log(`counters rebuilt in ${round(rebuildSeconds, 1)} s (${cellRows.toLocaleString()} daily cell rows)`);

    // 2. The endpoint, through the built API process.
    const cli = (role: string) => createApiKey(env, role);
    const agentKey = cli('agent');
    const integrationKey = cli('integration');
    start('dist/apps/api/src/main.js');
    const api = `http://127.0.0.1:${port}`;
    await until('the API', () => fetch(`${api}/health`).then((r) => r.ok, () => false), 120_000);
    const today = new Date();
    const to = today.toISOString().slice(0, 10);
    const from = new Date(today.getTime() - (PERIOD_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
    const url = `${api}/v1/measures/cells?from=${from}&to=${to}`;
    const read = async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${agentKey}` } });
      if (!res.ok) throw new Error(`GET cells → ${res.status} ${await res.text()}`);
      return (await res.json()) as { cells: Array<{ personaKey: string | null; touchpointKey: string; decisions: number; sent: number; conversions: { count: number }; lift: { treated: { converted: number } } }> };
    };
    for (let i = 0; i < 10; i++) await read();
    const times: number[] = [];
    let answer = await read();
    for (let i = 0; i < READS; i++) {
      const t0 = performance.now();
      answer = await read();
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    log(`GET /v1/measures/cells, ${answer.cells.length} cells over ${PERIOD_DAYS} days: p50 ${round(p50)} ms, p99 ${round(p99)} ms (${READS} reads)`);

    // 3. The peer: one GROUP BY scan over the raw tables (BENCH_OUTCOMES_SCANS times, best; the rebuild warmed the caches).
    const period = parsePeriod(from, to);
    let scanMs = Infinity;
    let recount: Awaited<ReturnType<MeasureStore['recount']>> = [];
    for (let i = 0; i < SCANS; i++) {
      const t0 = performance.now();
      recount = await measures.recount(period);
      scanMs = Math.min(scanMs, performance.now() - t0);
    }
    const key = (c: { personaKey: string | null; touchpointKey: string }) => `${c.personaKey}|${c.touchpointKey}`;
    const scanned = new Map(recount.map((c) => [key(c), c]));
    const agree =
      answer.cells.length === recount.length &&
      answer.cells.every((c) => {
        const s = scanned.get(key(c));
        return s && s.decisions === c.decisions && s.sent === c.sent && s.outcomes.converted === c.conversions.count && s.treatedConverted === c.lift.treated.converted;
      });
    log(`GROUP BY scan (best of ${SCANS}): ${round(scanMs)} ms (ratio ${round(scanMs / p99, 1)}× the endpoint's p99); figures agree: ${agree}`);

    // 4. Ingest through POST /v1/outcomes, with a worker running.
    start('dist/apps/worker/src/main.js');
    const post = (body: unknown) =>
      fetch(`${api}/v1/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${integrationKey}` }, body: JSON.stringify(body) });
    const probe = await post({ outcomes: [] });
    let outcomesPerS: number | null = null;
    let ingested = 0;
    let ingestAgree: boolean | null = null;
    if (probe.status === 404) {
      log('POST /v1/outcomes is not there (404): ingest not measured');
    } else {
      const webhookIds: string[] = (await db.ds.query(`SELECT webhook_id FROM deliveries WHERE status = 'delivered' ORDER BY id DESC LIMIT $1`, [INGEST])).map((r: { webhook_id: string }) => r.webhook_id);
      const types = ['opened', 'clicked', 'converted', 'dismissed'];
      const items = webhookIds.map((webhookId, i) => ({ webhookId, type: types[i % types.length], idempotencyKey: `bench-ingest-${i}`, ...(types[i % types.length] === 'converted' ? { value: 10 } : {}) }));
      const batches = Array.from({ length: Math.ceil(items.length / BATCH) }, (_, b) => items.slice(b * BATCH, (b + 1) * BATCH));
      const before = (await db.ds.query(`SELECT count(*)::int AS n FROM outcomes WHERE source = 'api'`))[0].n as number;
      let next = 0;
      let failed = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < batches.length) {
            const res = await post({ outcomes: batches[next++] });
            if (!res.ok) {
              failed++;
              if (failed <= 3) log(`POST /v1/outcomes → ${res.status} ${(await res.text()).slice(0, 300)}`);
            } else await res.arrayBuffer();
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      ingested = (await db.ds.query(`SELECT count(*)::int AS n FROM outcomes WHERE source = 'api'`))[0].n - before;
      outcomesPerS = ingested / seconds;
      log(`ingest: ${ingested.toLocaleString()} outcomes stored of ${items.length.toLocaleString()} sent in ${round(seconds, 2)} s = ${Math.round(outcomesPerS).toLocaleString()}/s (${failed} batches failed)`);
      // The counters moved with them: equal to a recount of the period.
      const after = await measures.cells(period);
      const again = await measures.recount(period);
      ingestAgree = JSON.stringify(after) === JSON.stringify(again);
      log(`counters equal the recount after ingest: ${ingestAgree}`);
    }

    const result = {
      events: EVENTS,
      outcomes: outcomeRows,
      customers: CUSTOMERS,
      personas: PERSONAS,
      touchpoints: TOUCHPOINTS,
      period_days: PERIOD_DAYS,
      cells: answer.cells.length,
      daily_cell_rows: cellRows,
      generate_s: round(generateSeconds, 1),
      rebuild_s: round(rebuildSeconds, 1),
      matrix_reads: READS,
      matrix_p50_ms: round(p50),
      matrix_p99_ms: round(p99),
      scan_ms: round(scanMs),
      scans: SCANS,
      ratio_vs_scan: round(scanMs / p99, 1),
      figures_agree: agree,
      outcomes_ingested: ingested,
      outcomes_per_s: outcomesPerS === null ? null : Math.round(outcomesPerS),
      counters_agree_after_ingest: ingestAgree,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await children.stopAll();
    if (process.env.BENCH_OUTCOMES_KEEP) log(`kept database ${db.name}`);
    else await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
