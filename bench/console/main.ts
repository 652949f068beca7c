/**
 * npm run bench:console      (BENCH_CONSOLE_CUSTOMERS=1000000 BENCH_CONSOLE_PEER_CUSTOMERS=1000
 *                             BENCH_CONSOLE_EVENTS=200000 BENCH_CONSOLE_LOADS=5; BENCH_CONSOLE_KEEP=1 keeps the databases)
 *
 * Time to the first screen of the console, in a real browser, with a large customer base; the same
 * page loads against a small base in the same run are the peer (the ratio says whether a screen's
 * cost grows with the customer table).
 *
 * For each size (the peer first, then the large one), on a fresh database:
 * 1. **Data**: customers generated with generate_series straight into `customers` (names, emails,
 *    revenue, lifecycle stage…), then, through the built api and worker as an admin would:
 *    four personas and a publish (the full re-segmentation the sizes come from), five touchpoints,
 *    treatments and a strategy with contact policies, published; then BENCH_CONSOLE_EVENTS touchpoint events with a
 *    decision and an outcome each, generated in SQL over the last 30 days for customers of the live personas, and the
 *    per-cell counters rebuilt by the product's own `MeasureStore.rebuild` (what the grid's figures read).
 * 2. **Page loads**: Debian's Chromium (playwright-core), one fresh browser context per load (no
 *    cache: the bundle is fetched and parsed every time), the admin key put in session storage
 *    before the page's scripts run. Each screen is loaded BENCH_CONSOLE_LOADS times; the figure is
 *    the median of "navigation start → the screen's data rendered" (`performance.now()` in the page
 *    when the screen's data is on it):
 *    - personas: the ordered list with every persona's size;
 *    - customers: the search form, then a name search's results (submit → list), then a customer's
 *      persona, why, strategy and timeline (click → rendered);
 *    - strategy: the journey, the persona × touchpoint grid with per-cell figures and targets;
 *    - operations: connections, runs and dead letters.
 *
 * Prints the figures and ends with one line of JSON.
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { chromium, type Browser, type Page } from 'playwright-core';
import { IMPORT_CONNECTION_ID, MeasureStore } from '@corridor/persistence';
import { createBenchDatabase, round } from '../harness/bench-database';

const num = (name: string, fallback: number) => {
  const v = Number((process.env[name] ?? String(fallback)).replace(/_/g, ''));
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} needs a number`);
  return Math.floor(v);
};
const CUSTOMERS = num('BENCH_CONSOLE_CUSTOMERS', 1_000_000);
const PEER_CUSTOMERS = num('BENCH_CONSOLE_PEER_CUSTOMERS', 1_000);
const EVENTS = num('BENCH_CONSOLE_EVENTS', 200_000);
const LOADS = Math.max(1, num('BENCH_CONSOLE_LOADS', 5));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = resolve(__dirname, '../../..');
const log = (msg: string) => process.stderr.write(`[bench:console] ${msg}\n`);

const FIRST = ['Ann', 'Ben', 'Chloé', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kai', 'Lea', 'Max', 'Nia', 'Omar', 'Pia', 'Quinn', 'Raj', 'Sol', 'Tom'];
const LAST = ['Lee', 'Ng', 'Smith', 'García', 'Okafor', 'Kowalski', 'Brown', 'Tanaka', 'Silva', 'Müller', 'Rossi', 'Dubois', 'Khan', 'Novak', 'Jensen', 'Cohen', 'Park', 'Ivanova', 'Moreau', 'Quispe'];
const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;

/** Customers [1, n] in one INSERT … SELECT: no round trip per row. Names vary so a name prefix matches a realistic share. */
function customersSql(n: number): string {
  return `INSERT INTO customers (connection_id, external_id, email, attributes, content_hash)
    SELECT '${IMPORT_CONNECTION_ID}', 'bench-' || g, 'user' || g || '@mail.com',
           jsonb_build_object(
             'first_name', (${sqlArray(FIRST)})[1 + g % ${FIRST.length}],
             'last_name', (${sqlArray(LAST)})[1 + (g / ${FIRST.length}) % ${LAST.length}] || CASE WHEN g % 7 = 0 THEN '-' || (g % 1000) ELSE '' END,
             'email', 'user' || g || '@mail.com',
             'country', (ARRAY['US','GB','DE','FR','JP','BR','IN'])[1 + (hashint4(g) & 2147483647) % 7],
             'lifecycle_stage', (ARRAY['lead','customer','customer','opportunity','subscriber'])[1 + (hashint4(g + 1) & 2147483647) % 5],
             'employees', (hashint4(g + 2) & 2147483647) % 5000,
             'total_revenue', (hashint4(g + 3) & 2147483647) % 100000,
             'orders_count', (hashint4(g + 4) & 2147483647) % 40,
             'last_purchase_at', to_char(now() - ((hashint4(g + 5) & 2147483647) % 800) * interval '1 day', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'email_opt_out', (hashint4(g + 6) & 2147483647) % 10 = 0),
           md5(g::text)
      FROM generate_series(1, ${n}) g`;
}

const PERSONAS = [
  { key: 'vip', name: 'VIP', rule: { all: [{ attribute: 'total_revenue', operator: 'gte', value: 90000 }, { attribute: 'last_purchase_at', operator: 'within_last_days', value: 90 }] } },
  { key: 'enterprise', name: 'Enterprise', rule: { attribute: 'employees', operator: 'gte', value: 4000 } },
  { key: 'churn_risk', name: 'Churn risk', rule: { all: [{ attribute: 'lifecycle_stage', operator: 'equals', value: 'customer' }, { attribute: 'last_purchase_at', operator: 'more_than_days_ago', value: 365 }] } },
  { key: 'lead', name: 'Lead', rule: { attribute: 'lifecycle_stage', operator: 'in', value: ['lead', 'opportunity'] } },
];
const TOUCHPOINTS = [
  { key: 'site_visit', name: 'Site visit', stageKey: 'awareness', channel: 'web' },
  { key: 'cart_abandoned', name: 'Cart abandoned', stageKey: 'purchase', channel: 'web', major: true },
  { key: 'order_placed', name: 'Order placed', stageKey: 'purchase', channel: 'web', major: true, momentOfTruth: true },
  { key: 'support_call', name: 'Support call', stageKey: 'service', channel: 'phone', major: true, momentOfTruth: true },
  { key: 'renewal_due', name: 'Renewal due', stageKey: 'loyalty', channel: 'email', major: true, momentOfTruth: true },
];
const TREATMENTS = [
  { key: 'cart_reminder', name: 'Cart reminder task', type: 'crm_task', channel: 'crm', config: { subject: 'Cart of {{customer.email}}', dueInDays: 1 } },
  { key: 'thank_you', name: 'Thank-you task', type: 'crm_task', channel: 'crm', config: { subject: 'Thank {{customer.email}}', dueInDays: 1 } },
  { key: 'vip_script', name: 'VIP call script', type: 'agent_script', channel: 'phone', config: { script: 'Thank {{customer.first_name}} for being one of our best customers.' } },
  { key: 'nothing', name: 'No action', type: 'no_action', channel: 'other', config: {} },
];

/**
 * Touchpoint events over the last 30 days, each decided (treated 60%, suppressed 15%, held out 15%,
 * no treatment 10%) with one outcome (a conversion for some, CSAT feedback for others), for
 * customers of the live set; the counting triggers are off and the product's rebuild fills the counters.
 */
function eventsSql(n: number, customers: number): string[] {
  return [
    `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at)
     SELECT 'bench', 'e' || g, (ARRAY[${TOUCHPOINTS.map((t) => `'${t.key}'`).join(',')}])[1 + g % ${TOUCHPOINTS.length}], 1 + (hashint8(g) & 2147483647) % ${customers}, at, at
       FROM (SELECT g, now() - random() * interval '29 days' AS at FROM generate_series(1, ${n}) g) s`,
    `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at, event_received_at)
     SELECT e.id, e.touchpoint_key, e.customer_id, coalesce(p.key, 'fallback'), 1, 1, 0, 'thank_you', o.outcome,
            CASE WHEN o.outcome = 'suppressed' THEN '[{"code":"FREQUENCY_CAP"}]'::jsonb ELSE '[]'::jsonb END, e.occurred_at + interval '1 second', e.received_at
       FROM touchpoint_events e
       LEFT JOIN assignments a ON a.customer_id = e.customer_id AND a.set_version = (SELECT max(version) FROM persona_sets WHERE status = 'live')
       LEFT JOIN personas p ON p.id = a.persona_id
       CROSS JOIN LATERAL (SELECT random() AS r, e.id AS ref) x
       CROSS JOIN LATERAL (SELECT CASE WHEN x.r < 0.60 THEN 'treated' WHEN x.r < 0.75 THEN 'suppressed' WHEN x.r < 0.90 THEN 'held_out' ELSE 'no_treatment' END AS outcome) o
      WHERE e.source = 'bench'`,
    `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, attempts, created_at, updated_at, delivered_at, event_received_at)
     SELECT d.id, d.event_id, d.customer_id, d.treatment_key, 'crm_task', 'crm', 'msg_bench_' || d.id, 'delivered', 1, d.decided_at, d.decided_at, d.decided_at, d.event_received_at
       FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id AND e.source = 'bench' WHERE d.outcome = 'treated'`,
    `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, value, csat, occurred_at, received_at)
     SELECT 'bench', 'o' || d.id, t.type, d.customer_id, d.event_id, d.id, v.id, d.touchpoint_key,
            CASE WHEN t.type = 'converted' THEN 50 END, CASE WHEN t.type = 'feedback' THEN 1 + floor(random() * 5)::int END,
            d.decided_at + interval '1 hour', d.decided_at + interval '1 hour'
       FROM decisions d
       JOIN touchpoint_events e ON e.id = d.event_id AND e.source = 'bench'
       LEFT JOIN deliveries v ON v.decision_id = d.id
       CROSS JOIN LATERAL (SELECT random() AS r, d.id AS ref) x
       CROSS JOIN LATERAL (SELECT CASE WHEN x.r < (CASE WHEN d.outcome = 'treated' THEN 0.12 ELSE 0.08 END) THEN 'converted' ELSE 'feedback' END AS type) t`,
  ];
}
const TRIGGERS = ['decisions', 'deliveries', 'outcomes'].flatMap((t) => ['insert', 'update', 'delete'].map((op) => ({ table: t, name: `measure_${t}_${op}` })));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until(what: string, f: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await f())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
};

type Screen = 'personas' | 'customers' | 'customer_search' | 'customer_detail' | 'strategy' | 'operations';
type Figures = Record<Screen, number>;

/** Data rendered: the screen's heading, nothing still loading, and the screen's own data present. */
const READY: Record<'personas' | 'customers' | 'strategy' | 'operations', string> = {
  personas: `(() => { const s = [...document.querySelectorAll('[data-testid^="size-"]')]; return s.length >= ${PERSONAS.length + 1} && s.every((e) => /\\d/.test(e.textContent)); })()`,
  customers: `Boolean(document.querySelector('#search-term'))`,
  strategy: `document.querySelectorAll('table.grid [data-figures]').length > 0 && document.querySelectorAll('table.grid .figure-line').length > 0 && !document.querySelector('main .loading')`,
  operations: `Boolean(document.querySelector('#dead-title')) && !document.querySelector('main .loading')`,
};

async function measure(browser: Browser, base: string, key: string, searchTerm: string): Promise<{ figures: Figures; samples: Record<Screen, number[]> }> {
  const breakdown: Record<string, string> = {};
  const samples: Record<Screen, number[]> = { personas: [], customers: [], customer_search: [], customer_detail: [], strategy: [], operations: [] };
  const open = async (screen: keyof typeof READY): Promise<{ page: Page; ms: number; close: () => Promise<void> }> => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // A signed-in admin reloading the screen: key and role in session storage (the sign-in put them there).
    await context.addInitScript(`sessionStorage.setItem('corridor.apiKey', ${JSON.stringify(key)}); sessionStorage.setItem('corridor.role', 'admin')`);
    const page = await context.newPage();
    await page.goto(`${base}/console/${screen}`);
    await page.waitForFunction(READY[screen], undefined, { timeout: 60_000, polling: 'raf' });
    const ms = (await page.evaluate('performance.now()')) as number;
    // Where the time went (the last load's): the bundle ready, then each API call's end.
    breakdown[screen] = (await page.evaluate(`(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const api = performance.getEntriesByType('resource').filter((r) => r.name.includes('/v1/'))
        .map((r) => new URL(r.name).pathname.replace(/^\\/v1\\//, '') + ' ' + Math.round(r.startTime) + '→' + Math.round(r.responseEnd));
      return 'scripts ready ' + Math.round(nav.domContentLoadedEventEnd) + ' ms; ' + api.join(', ');
    })()`)) as string;
    return { page, ms, close: () => context.close() };
  };
  for (let i = 0; i < LOADS; i++) {
    for (const screen of ['personas', 'strategy', 'operations'] as const) {
      const { ms, close } = await open(screen);
      samples[screen].push(ms);
      await close();
    }
    const { page, ms, close } = await open('customers');
    samples.customers.push(ms);
    await page.locator('#search-term').fill(searchTerm);
    const t0 = (await page.evaluate('performance.now()')) as number;
    await page.locator('form[role=search] button[type=submit]').click();
    await page.waitForFunction(`Boolean(document.querySelector('ul.results li button') || document.querySelector('[data-testid="persona-why"]'))`, undefined, { timeout: 60_000, polling: 'raf' });
    samples.customer_search.push(((await page.evaluate('performance.now()')) as number) - t0);
    const t1 = (await page.evaluate('performance.now()')) as number;
    if (await page.locator('ul.results li button').count()) await page.locator('ul.results li button').first().click();
    await page.waitForFunction(
      `Boolean(document.querySelector('[data-testid="persona-why"]') && document.querySelector('[data-touchpoint]') && document.querySelector('[data-testid="experience-score"]'))`,
      undefined,
      { timeout: 60_000, polling: 'raf' },
    );
    samples.customer_detail.push(((await page.evaluate('performance.now()')) as number) - t1);
    await close();
  }
  const figures = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, round(median(v), 1)])) as Figures;
  for (const [screen, text] of Object.entries(breakdown)) log(`  ${screen}: ${text}`);
  return { figures, samples };
}

interface SizeResult {
  customers: number;
  seedSeconds: number;
  publishSeconds: number;
  figures: Figures;
}

async function runSize(browser: Browser, customers: number): Promise<SizeResult> {
  const db = await createBenchDatabase('corridor_bench_console');
  const port = await freePort();
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `corridor-bench-console-${Date.now().toString(36)}`,
    PORT: String(port),
    LOG_LEVEL: 'error',
    SECRETS_KEY: process.env.SECRETS_KEY ?? 'b'.repeat(64),
    SEGMENTATION_REFRESH_CRON: '',
    SEGMENTATION_RECONCILE_MINUTES: '0',
    OUTCOME_IGNORED_SWEEP_SECONDS: '0',
  };
  const children: ChildProcess[] = [];
  const start = (main: string) => {
    const p = spawn(process.execPath, [resolve(ROOT, main)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(p);
    return p;
  };
  try {
    const seedStart = performance.now();
    await db.ds.query(customersSql(customers));
    await db.ds.query('VACUUM ANALYZE customers');
    const seedSeconds = (performance.now() - seedStart) / 1000;
    log(`${customers.toLocaleString('en-US')} customers generated in ${round(seedSeconds, 1)} s`);

    const adminKey = execFileSync(process.execPath, [resolve(ROOT, 'dist/apps/cli/src/main.js'), 'keys', 'create', '--role', 'admin', '--name', 'bench-admin'], { cwd: ROOT, env, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    start('dist/apps/api/src/main.js');
    start('dist/apps/worker/src/main.js');
    const api = `http://127.0.0.1:${port}`;
    await until('the API', () => fetch(`${api}/health`).then((r) => r.ok, () => false), 120_000);
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, { method, headers: { 'x-api-key': adminKey, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    };

    for (const p of PERSONAS) await call('POST', '/v1/personas', { ...p, enabled: true });
    const publishStart = performance.now();
    const published = await call('POST', '/v1/personas/publish', { wait: 300 });
    await until('the re-segmentation', async () => (await call('GET', `/v1/segmentation/runs/${published.run.id}`)).status !== 'running', 600_000, 500);
    const run = await call('GET', `/v1/segmentation/runs/${published.run.id}`);
    if (run.status !== 'completed') throw new Error(`the re-segmentation ${run.status}: ${run.error}`);
    const publishSeconds = (performance.now() - publishStart) / 1000;
    log(`personas published and ${customers.toLocaleString('en-US')} customers segmented in ${round(publishSeconds, 1)} s`);

    for (const t of TOUCHPOINTS) await call('POST', '/v1/touchpoints', t);
    for (const t of TREATMENTS) await call('POST', '/v1/treatments', t);
    const cells = [
      ...PERSONAS.map((p) => ({ personaKey: p.key, touchpointKey: 'order_placed', options: [{ treatmentKey: 'thank_you' }] })),
      ...PERSONAS.map((p) => ({ personaKey: p.key, touchpointKey: 'cart_abandoned', options: [{ treatmentKey: 'cart_reminder' }] })),
      { personaKey: 'vip', touchpointKey: 'support_call', options: [{ treatmentKey: 'vip_script' }] },
    ];
    await call('PUT', '/v1/strategy/draft', {
      cells,
      policies: { consent: [{ channel: 'email', attribute: 'email_opt_out' }], caps: [{ scope: 'channel', key: 'crm', period: 'day', max: 2 }], holdoutPercent: 10, defaultTimeZone: 'UTC' },
    });
    await call('POST', '/v1/strategy/publish', {});
    await call('PUT', '/v1/measures/targets/vip/order_placed', { measure: 'csat', target: 4.5 });

    // The worker's watchdog decides undecided events it finds in Postgres: stop it before the generated
    // events (already decided here) go in, or both write decisions for the same events.
    const worker = children[1];
    await new Promise<void>((done) => (worker.exitCode !== null ? done() : (worker.once('exit', () => done()), worker.kill('SIGTERM'))));

    const events = Math.min(EVENTS, customers * 20);
    const eventsStart = performance.now();
    for (const t of TRIGGERS) await db.ds.query(`ALTER TABLE ${t.table} DISABLE TRIGGER ${t.name}`);
    for (const sql of eventsSql(events, customers)) await db.ds.query(sql);
    for (const t of TRIGGERS) await db.ds.query(`ALTER TABLE ${t.table} ENABLE TRIGGER ${t.name}`);
    await new MeasureStore(db.ds).rebuild();
    await db.ds.query('VACUUM ANALYZE touchpoint_events, decisions, deliveries, outcomes, measure_cells');
    log(`${events.toLocaleString('en-US')} events with decisions and outcomes, counters rebuilt, in ${round((performance.now() - eventsStart) / 1000, 1)} s`);

    // A name prefix that matches about 1/400 of the base (first and last name), capped by the search.
    const { figures } = await measure(browser, api, adminKey, 'ann lee');
    log(`${customers.toLocaleString('en-US')} customers: ${Object.entries(figures).map(([k, v]) => `${k} ${v} ms`).join(', ')} (median of ${LOADS})`);
    return { customers, seedSeconds, publishSeconds, figures };
  } finally {
    await Promise.all(
      children.map(
        (p) =>
          new Promise<void>((done) => {
            if (p.exitCode !== null) return done();
            p.once('exit', () => done());
            p.kill('SIGTERM');
            setTimeout(() => p.kill('SIGKILL'), 10_000).unref();
          }),
      ),
    );
    if (process.env.BENCH_CONSOLE_KEEP) log(`kept database ${db.name}`);
    else await db.drop();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);
  if (!existsSync(resolve(ROOT, 'dist/console/index.html'))) throw new Error('No dist/console: run npm run build first');
  const loadBefore = loadavg();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  try {
    const peer = await runSize(browser, PEER_CUSTOMERS);
    const big = await runSize(browser, CUSTOMERS);
    const loadAfter = loadavg();
    const screens = Object.keys(big.figures) as Screen[];
    const ratio = (s: Screen) => round(big.figures[s] / peer.figures[s], 2);
    const worst = Math.max(...(['personas', 'customers', 'strategy', 'operations'] as const).map((s) => big.figures[s]));
    process.stderr.write(`\nfirst screen, median of ${LOADS} loads (ms), navigation start → data rendered:\n`);
    process.stderr.write(`  ${'screen'.padEnd(18)}${`${CUSTOMERS.toLocaleString('en-US')}`.padStart(12)}${`${PEER_CUSTOMERS.toLocaleString('en-US')}`.padStart(12)}   ratio\n`);
    for (const s of screens) process.stderr.write(`  ${s.padEnd(18)}${String(big.figures[s]).padStart(12)}${String(peer.figures[s]).padStart(12)}   ${ratio(s)}×\n`);
    process.stderr.write(`  slowest first screen ${worst} ms (goal < 1000); load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after\n`);
    const result = {
      customers: CUSTOMERS,
      peer_customers: PEER_CUSTOMERS,
      events: Math.min(EVENTS, CUSTOMERS * 20),
      loads: LOADS,
      ...Object.fromEntries(screens.map((s) => [`${s}_ms`, big.figures[s]])),
      ...Object.fromEntries(screens.map((s) => [`peer_${s}_ms`, peer.figures[s]])),
      ...Object.fromEntries(screens.map((s) => [`ratio_${s}`, ratio(s)])),
      slowest_first_screen_ms: worst,
      under_one_second: worst < 1000,
      seed_customers_s: round(big.seedSeconds, 1),
      publish_s: round(big.publishSeconds, 1),
      load_average_before: loadBefore.map((x) => round(x, 2)),
      load_average_after: loadAfter.map((x) => round(x, 2)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
