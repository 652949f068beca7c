/**
 * The demo scenario, driven only through Corridor's HTTP API (and the sandbox's admin API to play
 * the CRM user). Started by scripts/demo.sh, which boots the sandbox, the API and two workers.
 */
import { corridor } from './cli';
import { runOutcomes } from './outcomes';
import { runTreatments } from './treatments';

const API = must('API_URL');
const SANDBOX = must('SANDBOX_URL');
const ADMIN = must('ADMIN_KEY');
const AGENT = must('AGENT_KEY');
const started = Date.now();
/** The CLI reaches the API with the admin key, like a CI job applying a reviewed pull request. */
const cliEnv = { CORRIDOR_API_URL: API, CORRIDOR_API_KEY: ADMIN };

function must(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (run the demo with npm run demo)`);
  return v;
}

async function call<T = any>(method: string, path: string, body?: unknown, key = ADMIN, base = API): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return json as T;
}

const sandbox = <T = any>(method: string, path: string, body?: unknown) => call<T>(method, `/_sandbox${path}`, body, '', SANDBOX);

async function until<T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const line = (s = '') => process.stdout.write(`${s}\n`);
const heading = (s: string) => line(`\n── ${s} ${'─'.repeat(Math.max(0, 70 - s.length))}`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const n = (x: number) => x.toLocaleString('en-US');

function table(rows: Array<Array<string | number>>, header: string[]): void {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  all.forEach((r, k) => {
    line('  ' + r.map((c, i) => (typeof rows[0]?.[i] === 'number' && k > 0 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('   '));
    if (k === 0) line('  ' + widths.map((w) => '─'.repeat(w)).join('   '));
  });
}

/** Starts a sync (or, with no mode, follows the one a new connection starts by itself) and waits for it. */
async function syncAndWait(connectionId: string, mode: 'full' | 'incremental' | null, label: string) {
  const run = mode
    ? await call('POST', `/v1/connections/${connectionId}/sync`, { mode })
    : await until('the first sync', async () => (await call('GET', `/v1/connections/${connectionId}/sync-runs`)).items[0]);
  let last = -1;
  const done = await until(`${label} sync`, async () => {
    const r = await call('GET', `/v1/sync-runs/${run.id}`);
    if (r.percent !== null && Math.floor(r.percent / 25) !== last) {
      last = Math.floor(r.percent / 25);
      line(`  ${label}: ${n(r.records)} records, ${r.percent}%`);
    }
    if (r.status === 'failed') throw new Error(`${label} sync failed: ${r.error}`);
    return r.status === 'completed' ? r : null;
  });
  return done;
}

async function main(): Promise<void> {
  line('Corridor demo: CRM sandbox → sync → personas → publish → customer view → change → write-back');
  await until('the API', () => fetch(`${API}/health`).then((r) => r.ok));
  await until('the sandbox', () => fetch(`${SANDBOX}/_sandbox/health`).then((r) => r.ok));

  heading('1. Connect the CRMs');
  const hubspot = await call('POST', '/v1/connections', {
    kind: 'hubspot',
    name: 'HubSpot (sandbox portal)',
    accessToken: 'sandbox-hubspot-token',
    basePath: SANDBOX,
    webhookClientSecret: 'sandbox-hubspot-client-secret',
  });
  const salesforce = await call('POST', '/v1/connections', {
    kind: 'salesforce',
    name: 'Salesforce (sandbox org)',
    loginUrl: SANDBOX,
    clientId: 'sandbox-salesforce-client-id',
    clientSecret: 'sandbox-salesforce-client-secret',
    username: 'integration@corridor.sandbox',
    password: 'sandbox-password',
    webhookSecret: 'sandbox-salesforce-webhook-secret',
  });
  // Point the sandbox portal's webhooks at Corridor, as an admin would in HubSpot's app settings.
  await sandbox('PATCH', '/config', {
    hubspot: { webhooks: { targetUrl: `${API}/v1/webhooks/hubspot/${hubspot.id}`, clientSecret: 'sandbox-hubspot-client-secret', autoEmit: true } },
  });
  for (const c of [hubspot, salesforce]) {
    const test = await call('POST', `/v1/connections/${c.id}/test`);
    line(`  ${c.name}: ${test.ok ? 'connection OK' : `problem: ${JSON.stringify(test)}`}`);
  }

  heading('2. First full sync, started by each new connection (HubSpot at its real rate limit)');
  const syncs = await Promise.all([syncAndWait(hubspot.id, null, 'HubSpot'), syncAndWait(salesforce.id, null, 'Salesforce')]);
  table(
    syncs.map((r, i) => [i === 0 ? 'HubSpot' : 'Salesforce', r.records, r.created, r.deleted, r.requests, r.rateLimited, secs(Date.parse(r.finishedAt) - Date.parse(r.startedAt))]),
    ['CRM', 'records', 'created', 'deleted', 'requests', '429s', 'time'],
  );
  const attributes = (await call('GET', '/v1/attributes')).items ?? (await call('GET', '/v1/attributes'));
  const discovered = (Array.isArray(attributes) ? attributes : []).filter((a: { source: string }) => a.source === 'crm');
  line(`  attribute catalog: ${discovered.length} attributes discovered from the CRMs' properties (e.g. ${discovered.slice(0, 3).map((a: { name: string; type: string }) => `${a.name}:${a.type}`).join(', ')})`);

  heading('3. Load the personas from config/corridor/personas.yaml (corridor personas apply: validate, diff, preview, publish)');
  const bad = await fetch(`${API}/v1/personas/validate`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN}` },
    body: JSON.stringify({ rule: { all: [{ attribute: 'anual_revenue', operator: 'gte', value: '1M' }] } }),
  }).then((r) => r.json() as Promise<{ details: Array<{ field: string; message: string }> }>);
  line(`  a typo is caught before it is stored: ${bad.details.map((d: { field: string; message: string }) => `${d.field}: ${d.message}`).join('; ')}`);
  const t = Date.now();
  const applied = await corridor(['personas', 'apply', 'config/corridor/personas.yaml', '--json', '--wait', '300'], cliEnv, line);
  if (!applied?.applied || applied.runStatus !== 'completed') throw new Error(`the personas were not applied: ${JSON.stringify(applied)}`);

  heading('4. Published: everyone re-segmented, shared by two worker processes');
  const published = { setVersion: applied.setVersion as number };
  const result = applied.result as { customers: number; changed: number; perPersona: Record<string, number> };
  line(`  set v${published.setVersion} live in ${secs(Date.now() - t)} (preview included): ${n(result.customers)} customers, ${n(result.changed)} persona changes`);
  const personas = (await call('GET', '/v1/personas')).personas as Array<{ key: string; name: string }>;
  table(
    personas.map((p) => [p.name, result.perPersona[p.key] ?? 0]).filter((r) => (r[1] as number) > 0),
    ['persona', 'customers'],
  );

  heading("5. A support agent looks a customer up");
  const shown = personas.find((p) => ['hot_lead', 'churn_risk', 'emea_prospect'].includes(p.key) && (result.perPersona[p.key] ?? 0) > 0);
  printCustomer(await firstIn(shown?.key ?? 'everyone_else'));

  heading('6. The customer changes in HubSpot; a signed webhook tells Corridor, which re-segments and writes back');
  const hubspotCustomer = (await firstIn('everyone_else', hubspot.id)) ?? (await firstIn('apac_account', hubspot.id));
  const before = await call('GET', `/v1/customers/${hubspotCustomer.customer.id}`, undefined, AGENT);
  await sandbox('PATCH', `/hubspot/contacts/${hubspotCustomer.customer.externalId}`, {
    properties: { total_revenue: '250000', last_purchase_date: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10), hs_email_optout: 'false', lifecyclestage: 'customer', email: `vip-${hubspotCustomer.customer.externalId}@bigspender.io` },
  });
  const changedAt = Date.now();
  const after = await until('the persona to change', async () => {
    const v = await call('GET', `/v1/customers/${hubspotCustomer.customer.id}`, undefined, AGENT);
    return v.persona && v.persona.key !== before.persona?.key ? v : null;
  }, 60_000);
  line(`  ${before.persona?.name} → ${after.persona.name} (cause: ${after.history[0].cause}) ${secs(Date.now() - changedAt)} after the change in the CRM`);
  const written = await until('the write-back', async () => {
    const c = await sandbox('GET', `/hubspot/contacts/${hubspotCustomer.customer.externalId}`);
    const props = c.properties ?? c.record?.properties ?? c;
    return [after.persona.key, after.persona.name].includes(props.corridor_persona) ? props : null;
  }, 60_000).catch(() => null);
  line(written ? `  HubSpot record now shows corridor_persona = ${written.corridor_persona}` : '  (write-back not visible yet)');
  // The scheduled incremental sync stays the source of truth: it finds the same record, already up to date.
  const inc = await syncAndWait(hubspot.id, 'incremental', 'HubSpot incremental');
  line(`  incremental sync afterwards: ${n(inc.records)} record(s) read, ${n(inc.updated)} updated (our own write-back is not a change), ${n(inc.requests)} requests`);
  const still = await call('GET', `/v1/customers/${hubspotCustomer.customer.id}`, undefined, AGENT);
  line(`  the customer is still ${still.persona.name}: the sync's lagging search never takes a record back to an older version`);
  if (still.persona.key !== after.persona.key) throw new Error('the incremental sync reverted the customer');

  const treatments = await runTreatments({ call, line, heading, table, until, personas: personas.map((p) => p.key), agentKey: AGENT, cliEnv });
  let outcomes;
  try {
    outcomes = await runOutcomes({ call, line, heading, table, until, agentKey: AGENT }, treatments);
  } finally {
    await treatments.close();
  }

  heading('Summary');
  line(`  treatments: ${n(treatments.events)} touchpoint events decided, ${n(treatments.sent)} treatments sent, ${n(treatments.webhooksVerified)} signed webhooks verified by the receiver`);
  line(`  outcomes: ${n(outcomes.outcomes)} stored (${n(outcomes.feedback)} CSAT answers); lift measured in ${outcomes.measuredCells} persona cells of the cart reminder; ${n(outcomes.recoveries)} customers needed a recovery`);
  line(`  customers: ${n(result.customers)} from 2 CRMs; personas: ${personas.length} (fallback included); demo took ${secs(Date.now() - started)}`);
  line(`  open ${API}/docs for the API and ${API}/console for the console; logs are in .demo/`);
}

/** The first customer the live set puts in this persona (optionally from one connection). */
async function firstIn(personaKey: string, connectionId?: string) {
  const q = new URLSearchParams({ limit: '1', ...(connectionId ? { connectionId } : {}) });
  const { customerIds } = await call('GET', `/v1/personas/${personaKey}/customers?${q}`, undefined, AGENT);
  return customerIds[0] ? call('GET', `/v1/customers/${customerIds[0]}`, undefined, AGENT) : null;
}

function printCustomer(v: any): void {
  const a = v.customer.attributes;
  line(`  customer ${v.customer.id} (${v.customer.crmObject} ${v.customer.externalId}): ${a.first_name ?? ''} ${a.last_name ?? ''} <${a.email ?? '—'}>, ${a.company ?? '—'}, ${a.country ?? '—'}`);
  line(`  persona: ${v.persona.name} (set v${v.persona.setVersion})`);
  line('  why:');
  for (const c of v.persona.explanation.matched ?? []) line(`    ✓ ${describe(c)}`);
  for (const r of v.persona.explanation.rejected ?? []) line(`    ✗ not ${r.name}: ${r.firstFailed ? describe(r.firstFailed) : 'no condition decided'}`);
  line(`  history: ${v.history.map((h: any) => `${h.from?.key ?? '∅'} → ${h.to.key} (${h.cause})`).join(', ')}`);
}

function describe(c: any): string {
  const actual = c.actual?.state === 'present' ? JSON.stringify(c.actual.value) : `missing (${c.actual?.reason ?? '?'})`;
  const value = c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`;
  return `${c.negated ? 'not ' : ''}${c.attribute} ${c.operator}${value} — actual ${actual}`;
}

main().catch((e) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
