/**
 * The demo's second half: touchpoints, treatments and a persona strategy with contact policies,
 * then a burst of touchpoint events through POST /v1/events, decided and delivered by the two
 * workers to a signed-webhook receiver this script runs itself (every signature verified with the
 * off-the-shelf `standardwebhooks` library). Set up over the HTTP API only; the summary counts are
 * read from Postgres (the source of truth; there is no aggregate route for decisions yet).
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { Webhook } from 'standardwebhooks';
import { corridor } from './cli';

type Call = <T = any>(method: string, path: string, body?: unknown, key?: string) => Promise<T>;
interface Tools {
  call: Call;
  line: (s?: string) => void;
  heading: (s: string) => void;
  table: (rows: Array<Array<string | number>>, header: string[]) => void;
  until: <T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs?: number) => Promise<T>;
  /** The live persona set's keys (fallback included). */
  personas: string[];
  agentKey: string;
  /** CORRIDOR_API_URL and CORRIDOR_API_KEY for the CLI. */
  cliEnv: Record<string, string>;
}

const EVENTS = Number(process.env.DEMO_EVENTS ?? 3000);
const BATCH = 500;
const n = (x: number) => x.toLocaleString('en-US');

/** A receiver on 127.0.0.1 that verifies every Standard Webhooks signature and counts what it saw. */
async function startReceiver(secret: string) {
  const verifier = new Webhook(secret);
  const stats = { received: 0, verified: 0, failed: 0, ids: new Set<string>() };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.received++;
      try {
        verifier.verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>);
        stats.verified++;
        stats.ids.add(String(req.headers['webhook-id']));
        res.writeHead(204).end();
      } catch {
        stats.failed++;
        res.writeHead(401).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/corridor`, stats, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export interface TreatmentsResult {
  events: number;
  sent: number;
  webhooksVerified: number;
  /** This run's event keys are `demo-<runId>-<n>`. */
  runId: string;
  /** Customers the bursts pick from. */
  pool: string[];
  /** The receiver's counters (it keeps running for the outcomes step). */
  receiver: { stats: { received: number; verified: number; failed: number; ids: Set<string> } };
  db: Pool;
  /** Stops the receiver and the database pool. */
  close: () => Promise<void>;
}

export async function runTreatments(t: Tools): Promise<TreatmentsResult> {
  const { call, line, heading, table, until } = t;
  const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const receiver = await startReceiver(secret);
  try {
    heading('7. Touchpoints, treatments and a strategy for the personas');
    const destination = await call('POST', '/v1/destinations', { name: 'Marketing automation (local receiver)', url: receiver.url, secret, timeoutMs: 5000 });
    line(`  destination ${destination.name} → ${receiver.url} (secret sealed at rest, never returned: ${'secret' in destination ? 'LEAKED' : 'ok'})`);
    const webhook = (payload: Record<string, unknown>) => ({ destinationId: destination.id, payloadTemplate: payload });
    const treatments = [
      { key: 'cart_reminder', name: 'Cart reminder mail', type: 'webhook', channel: 'email', config: webhook({ template: 'cart_reminder', to: '{{customer.email}}', firstName: '{{customer.first_name}}', cartValue: '{{event.cart_value}}', persona: '{{persona.name}}' }) },
      { key: 'thank_you', name: 'Thank-you mail', type: 'webhook', channel: 'email', config: webhook({ template: 'thank_you', to: '{{customer.email}}', amount: '{{event.amount}}', persona: '{{persona.key}}' }) },
      { key: 'renewal_offer', name: 'Renewal offer', type: 'webhook', channel: 'email', config: webhook({ template: 'renewal_offer', to: '{{customer.email}}', company: '{{customer.company}}' }) },
      { key: 'push_nudge', name: 'Push nudge', type: 'webhook', channel: 'push', config: webhook({ template: 'push_nudge', customerId: '{{customer.id}}', text: 'Your cart is waiting' }) },
      { key: 'account_review', name: 'Account review task', type: 'crm_task', channel: 'crm', config: { subject: 'Review {{customer.email}} after a large order', body: 'Order of {{event.amount}} at {{touchpoint.name}}', dueInDays: 2, priority: 'high' } },
      { key: 'vip_script', name: 'VIP call script', type: 'agent_script', channel: 'phone', config: { script: 'Thank {{customer.first_name}} for being one of our best customers; offer the priority line.' } },
      { key: 'save_script', name: 'Retention call script', type: 'agent_script', channel: 'phone', config: { script: 'Ask {{customer.first_name}} what changed since their last order; offer the loyalty discount.' } },
      { key: 'nothing', name: 'No action', type: 'no_action', channel: 'other', config: {} },
      // Service recovery: Corridor raises recovery_needed after bad feedback at a moment of truth.
      { key: 'support_followup', name: 'Support tool follow-up', type: 'webhook', channel: 'crm', config: webhook({ template: 'recovery', customerId: '{{customer.id}}', email: '{{customer.email}}', where: '{{event.touchpoint}}', measure: '{{event.measure}}', score: '{{event.score}}' }) },
    ];
    for (const tr of treatments) await call('POST', '/v1/treatments', tr);
    line(`  ${treatments.length} treatments created over the API (they name the destination, whose URL and secret stay out of files)`);
    // The whole of config/corridor/ in one transaction: the personas (applied in step 3) are unchanged,
    // the journey and the strategy that names its touchpoints land together or not at all.
    line('  journey and strategy from config/corridor/ (corridor config apply: every kind, one transaction):');
    const applied = await corridor(['config', 'apply', 'config/corridor', '--json'], t.cliEnv, line);

    const touchpoints = (await call('GET', '/v1/touchpoints')).touchpoints as Array<{ key: string; momentOfTruth: boolean; builtIn: boolean }>;
    const { cells } = await call('GET', '/v1/strategy/draft');
    // Quiet hours for push around the current UTC hour, so the demo shows held treatments (the file's are 21:00–08:00).
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const quietHours = { start: hhmm(new Date(now.getTime() - 3_600_000)), end: hhmm(new Date(now.getTime() + 3_600_000)), channels: ['push'] };
    const draft = await call('PUT', '/v1/strategy/draft', { policies: { quietHours } });
    const published = await call('POST', '/v1/strategy/publish', { expectedRevision: draft.revision, expectedLiveVersion: applied?.strategy?.version ?? null });
    line(`  ${touchpoints.filter((x) => !x.builtIn).length} touchpoints (${touchpoints.filter((x) => x.momentOfTruth && !x.builtIn).length} moments of truth), ${treatments.length} treatments, ${cells.length} strategy cells`);
    line(`  policies: email consent from email_opt_out; at most 2 emails a day and 1 account review a week; a 10 % holdout`);
    line(`  for the demo, push quiet hours moved to ${quietHours.start}–${quietHours.end} UTC over the API: strategy v${published.version} published`);

    heading('8. A burst of touchpoint events: ingest → outbox → decide → dispatch → signed webhooks');
    const pool: string[] = [];
    for (const p of t.personas) {
      const { customerIds } = await call('GET', `/v1/personas/${p}/customers?limit=150`, undefined, t.agentKey);
      pool.push(...customerIds);
    }
    const weights: Array<[string, number]> = [['site_visit', 0.3], ['cart_abandoned', 0.25], ['order_placed', 0.25], ['support_call', 0.1], ['renewal_due', 0.1]];
    const pick = () => {
      let r = Math.random();
      for (const [k, w] of weights) if ((r -= w) < 0) return k;
      return weights[0][0];
    };
    const runId = randomBytes(4).toString('hex');
    const events = Array.from({ length: EVENTS }, (_, i) => {
      const touchpoint = pick();
      const properties = touchpoint === 'order_placed' ? { amount: Math.round(20 + Math.random() * 980) } : touchpoint === 'cart_abandoned' ? { cart_value: Math.round(10 + Math.random() * 300) } : {};
      return { touchpoint, customer: `id:${pool[Math.floor(Math.random() * pool.length)]}`, properties, idempotencyKey: `demo-${runId}-${i}` };
    });
    const ingestStart = Date.now();
    const totals = { accepted: 0, duplicate: 0, rejected: 0 };
    const batches = Array.from({ length: Math.ceil(events.length / BATCH) }, (_, i) => events.slice(i * BATCH, (i + 1) * BATCH));
    for (let i = 0; i < batches.length; i += 2) {
      const answers = await Promise.all(batches.slice(i, i + 2).map((b) => call('POST', '/v1/events', { events: b })));
      for (const a of answers) for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += a[k];
    }
    const ingestMs = Date.now() - ingestStart;
    line(`  ${n(events.length)} events over ${pool.length} customers in ${batches.length} batches: ${n(totals.accepted)} accepted in ${(ingestMs / 1000).toFixed(1)} s (${n(Math.round((totals.accepted * 1000) / ingestMs))}/s, committed with their outbox rows before each 202)`);
    const again = await call('POST', '/v1/events', { events: batches[0] });
    line(`  the first batch sent again: ${n(again.duplicate)} duplicates acknowledged, ${again.accepted} stored`);

    const mine = `e.source = 'api' AND e.idempotency_key LIKE 'demo-${runId}-%'`;
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    let last = -1;
    await until('every event decided', async () => {
      const decided = await count(`SELECT count(*) AS n FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id WHERE ${mine}`);
      if (Math.floor((decided / totals.accepted) * 4) !== last) {
        last = Math.floor((decided / totals.accepted) * 4);
        line(`  decided ${n(decided)} / ${n(totals.accepted)} (${((Date.now() - ingestStart) / 1000).toFixed(1)} s after the first batch)`);
      }
      return decided >= totals.accepted;
    }, 300_000);
    const inFlight = (types: string) =>
      count(`SELECT count(*) AS n FROM deliveries v JOIN touchpoint_events e ON e.id = v.event_id WHERE ${mine} AND v.status IN ('pending', 'retrying') AND v.treatment_type IN (${types})`);
    await until('every webhook delivered', async () => (await inFlight(`'webhook'`)) === 0, 180_000);
    // CRM tasks go at the CRM's own rate budget: give them a while, then report what is still queued.
    await until('the CRM tasks', async () => (await inFlight(`'crm_task'`)) === 0, 90_000).catch(() => undefined);
    line(`  all decided and delivered ${((Date.now() - ingestStart) / 1000).toFixed(1)} s after the first batch`);

    heading('9. What happened, and why');
    const outcomes = (await db.query(`SELECT d.outcome, count(*)::int AS n FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id WHERE ${mine} GROUP BY 1`)).rows;
    const byOutcome = Object.fromEntries(outcomes.map((r) => [r.outcome, r.n])) as Record<string, number>;
    table(
      ['treated', 'held', 'suppressed', 'held_out', 'no_treatment'].map((o) => [o, byOutcome[o] ?? 0]),
      ['decision', 'events'],
    );
    const reasons = (
      await db.query(
        `SELECT d.reasons -> (jsonb_array_length(d.reasons) - 1) ->> 'code' AS code, count(*)::int AS n
           FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id WHERE ${mine} AND d.outcome IN ('suppressed', 'no_treatment') GROUP BY 1 ORDER BY 2 DESC`,
      )
    ).rows;
    line();
    table(reasons.map((r) => [r.code, r.n]), ['not sent because', 'events']);
    const perTreatment = (
      await db.query(
        `SELECT d.treatment_key AS key,
                count(*) FILTER (WHERE d.outcome = 'treated')::int AS treated,
                count(*) FILTER (WHERE d.outcome = 'held')::int AS held,
                count(*) FILTER (WHERE d.outcome = 'suppressed')::int AS suppressed,
                count(*) FILTER (WHERE d.outcome = 'held_out')::int AS held_out,
                (SELECT count(*) FROM deliveries v JOIN touchpoint_events e2 ON e2.id = v.event_id
                  WHERE v.treatment_key = d.treatment_key AND v.status = 'delivered' AND e2.source = 'api' AND e2.idempotency_key LIKE 'demo-${runId}-%')::int AS delivered
           FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id
          WHERE ${mine} AND d.treatment_key IS NOT NULL GROUP BY 1 ORDER BY 2 DESC`,
      )
    ).rows;
    line();
    const typeOf = Object.fromEntries(treatments.map((x) => [x.key, x.type]));
    table(
      perTreatment.map((r) => [r.key, typeOf[r.key] ?? '', r.treated, r.delivered, r.held, r.suppressed, r.held_out]),
      ['treatment', 'type', 'treated', 'sent', 'held', 'suppressed', 'held out'],
    );
    const webhooksDelivered = await count(`SELECT count(*) AS n FROM deliveries v JOIN touchpoint_events e ON e.id = v.event_id WHERE ${mine} AND v.treatment_type = 'webhook' AND v.status = 'delivered'`);
    const s = receiver.stats;
    line();
    line(`  webhooks: ${n(s.received)} received, ${n(s.verified)} signatures verified with standardwebhooks, ${s.failed} refused; ${n(s.ids.size)} distinct webhook ids for ${n(webhooksDelivered)} delivered webhook deliveries`);
    if (s.failed > 0 || s.ids.size !== webhooksDelivered) throw new Error('the receiver and the deliveries disagree');

    const gaps = await call('GET', '/v1/strategy/gaps');
    line();
    line(`  gap report (strategy v${gaps.version}): moments of truth some persona has no treatment for`);
    const byTouchpoint = new Map<string, string[]>();
    for (const g of gaps.gaps) byTouchpoint.set(g.touchpointKey, [...(byTouchpoint.get(g.touchpointKey) ?? []), `${g.personaKey} (${g.reason})`]);
    table([...byTouchpoint].map(([k, v]) => [k, v.length, v.slice(0, 3).join(', ') + (v.length > 3 ? ', …' : '')]), ['moment of truth', 'gaps', 'personas']);

    const vip = cells.some((c: { personaKey: string }) => c.personaKey === 'vip_recent_buyer') ? (await call('GET', '/v1/personas/vip_recent_buyer/customers?limit=1', undefined, t.agentKey)).customerIds[0] : null;
    if (vip) {
      const view = await call('GET', `/v1/customers/${vip}/strategy`, undefined, t.agentKey);
      line();
      line(`  the agent's view of customer ${vip} (${view.persona?.name}): what each touchpoint does for them now`);
      table(
        view.touchpoints.map((tp: any) => [tp.key, tp.treatment?.key ?? '—', tp.outcome, tp.reasons.map((r: any) => r.code).filter((c: string) => c !== 'OPTION_MATCHED').join(', ') || '']),
        ['touchpoint', 'treatment', 'now', 'why'],
      );
    }
    const close = async () => {
      await receiver.close();
      await db.end();
    };
    return { events: totals.accepted, sent: perTreatment.reduce((a, r) => a + r.delivered, 0), webhooksVerified: s.verified, runId, pool, receiver, db, close };
  } catch (e) {
    await receiver.close();
    await db.end();
    throw e;
  }
}
