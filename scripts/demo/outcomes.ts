/**
 * The demo's last step: outcomes and feelings come back. A burst of abandoned carts gives every
 * persona's cart cell enough treated and held-out customers to measure; marketing automation
 * reports opens, clicks and conversions against the webhooks it received (holdout conversions
 * against the event, since no webhook went out); customers answer a CSAT survey after support
 * calls. Corridor counts it all per persona × touchpoint (lift over the holdout with its interval),
 * scores each customer's experience, and raises `recovery_needed` after a bad moment of truth,
 * which the strategy answers with a follow-up webhook. Everything goes through the HTTP API;
 * which webhook ids and event keys to answer is read from Postgres, as the receiving tool would
 * have them.
 */
import type { TreatmentsResult } from './treatments';

type Call = <T = any>(method: string, path: string, body?: unknown, key?: string) => Promise<T>;
interface Tools {
  call: Call;
  line: (s?: string) => void;
  heading: (s: string) => void;
  table: (rows: Array<Array<string | number>>, header: string[]) => void;
  until: <T>(what: string, f: () => Promise<T | null | undefined | false>, timeoutMs?: number) => Promise<T>;
  agentKey: string;
}

const CART_EVENTS = Number(process.env.DEMO_CART_EVENTS ?? 4000);
const BATCH = 500;
const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** How likely a customer converts after an abandoned cart, without and with the reminder (the demo's made-up truth). */
const BASE_CONVERSION = 0.08;
const REMINDER_UPLIFT = 0.07;

export interface OutcomesResult {
  outcomes: number;
  feedback: number;
  recoveries: number;
  measuredCells: number;
}

export async function runOutcomes(t: Tools, r: TreatmentsResult): Promise<OutcomesResult> {
  const { call, line, heading, table, until } = t;
  const { db, runId, pool } = r;
  const started = Date.now();

  heading('10. Outcomes and feelings come back');
  // More abandoned carts, so each persona's cell has enough held-out customers to measure.
  const carts = Array.from({ length: CART_EVENTS }, (_, i) => ({
    touchpoint: 'cart_abandoned',
    customer: `id:${pool[Math.floor(Math.random() * pool.length)]}`,
    properties: { cart_value: Math.round(10 + Math.random() * 300) },
    idempotencyKey: `demo-${runId}-cart-${i}`,
  }));
  for (let i = 0; i < carts.length; i += BATCH) await call('POST', '/v1/events', { events: carts.slice(i, i + BATCH) });
  const mine = `e.source = 'api' AND e.idempotency_key LIKE 'demo-${runId}-%'`;
  const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
  await until('the carts decided', async () => (await count(`SELECT count(*) AS n FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id WHERE ${mine}`)) >= carts.length, 300_000);
  await until('the reminders delivered', async () =>
    (await count(`SELECT count(*) AS n FROM deliveries v JOIN touchpoint_events e ON e.id = v.event_id WHERE ${mine} AND v.status IN ('pending', 'retrying') AND v.treatment_type = 'webhook'`)) === 0, 180_000);
  line(`  ${n(carts.length)} more abandoned carts decided and their reminders delivered`);

  // What marketing automation and the shop report back.
  const cartDecisions = (
    await db.query(
      `SELECT d.outcome, e.idempotency_key AS key, v.webhook_id
         FROM decisions d JOIN touchpoint_events e ON e.id = d.event_id
         LEFT JOIN deliveries v ON v.decision_id = d.id AND v.status = 'delivered'
        WHERE ${mine} AND d.touchpoint_key = 'cart_abandoned' AND (d.outcome IN ('held_out', 'held') OR v.webhook_id IS NOT NULL)`,
    )
  ).rows as Array<{ outcome: string; key: string; webhook_id: string | null }>;
  const outcomes: Array<Record<string, unknown>> = [];
  for (const d of cartDecisions) {
    // Held for quiet hours: counted as treated (intention to treat), but the reminder has not gone out yet.
    const treated = d.webhook_id !== null;
    const ref = treated ? { webhookId: d.webhook_id } : { eventKey: d.key };
    if (treated && Math.random() < 0.45) outcomes.push({ ...ref, type: 'opened', idempotencyKey: `open-${d.key}` });
    if (treated && Math.random() < 0.15) outcomes.push({ ...ref, type: 'clicked', idempotencyKey: `click-${d.key}` });
    if (Math.random() < BASE_CONVERSION + (treated ? REMINDER_UPLIFT : 0)) {
      outcomes.push({ ...ref, type: 'converted', value: Math.round(20 + Math.random() * 280), idempotencyKey: `order-${d.key}` });
    }
  }
  // A CSAT survey after support calls (a moment of truth): most are content, some are not.
  const calls = (
    await db.query(`SELECT e.idempotency_key AS key FROM touchpoint_events e WHERE ${mine} AND e.touchpoint_key = 'support_call'`)
  ).rows as Array<{ key: string }>;
  let feedback = 0;
  for (const c of calls) {
    if (Math.random() > 0.6) continue;
    const csat = Math.random() < 0.15 ? 1 + Math.floor(Math.random() * 2) : 3 + Math.floor(Math.random() * 3);
    outcomes.push({ eventKey: c.key, type: 'feedback', csat, nps: Math.min(10, csat * 2 + Math.floor(Math.random() * 2)), idempotencyKey: `survey-${c.key}` });
    feedback++;
  }
  const totals = { accepted: 0, duplicate: 0, rejected: 0 };
  for (let i = 0; i < outcomes.length; i += 1000) {
    const answer = await call('POST', '/v1/outcomes', { outcomes: outcomes.slice(i, i + 1000) });
    for (const x of answer.results as Array<{ status: keyof typeof totals }>) totals[x.status]++;
  }
  line(`  ${n(outcomes.length)} outcomes sent (opens, clicks and conversions for ${n(cartDecisions.length)} cart decisions; ${n(feedback)} CSAT answers after support calls): ${n(totals.accepted)} accepted, ${totals.rejected} rejected`);
  const again = await call('POST', '/v1/outcomes', { outcomes: outcomes.slice(0, 100) });
  line(`  the first 100 sent again: ${(again.results as Array<{ status: string }>).filter((x) => x.status === 'duplicate').length} duplicates, nothing counted twice`);

  // Service recovery: bad answers at a moment of truth raise recovery_needed, which the strategy answers.
  const bad = outcomes.filter((o) => o.type === 'feedback' && (o.csat as number) <= 2).length;
  const recoveries = await until('the recoveries raised', async () => {
    const raised = await count(
      `SELECT count(*) AS n FROM touchpoint_events r JOIN outcomes o ON r.idempotency_key = 'recovery_needed:' || o.id
         JOIN touchpoint_events e ON e.id = o.event_id WHERE r.touchpoint_key = 'recovery_needed' AND ${mine}`,
    );
    return raised >= bad ? raised : null;
  }, 120_000).catch(() => null);
  await until('the follow-ups decided and sent', async () =>
    (await count(
      `SELECT count(*) AS n FROM touchpoint_events r LEFT JOIN decisions d ON d.event_id = r.id
         LEFT JOIN deliveries v ON v.decision_id = d.id
        WHERE r.touchpoint_key = 'recovery_needed' AND (d.id IS NULL OR v.status IN ('pending', 'retrying'))`,
    )) === 0, 120_000).catch(() => undefined);
  const recovery = (
    await db.query(
      `SELECT d.outcome, count(*)::int AS n FROM touchpoint_events r JOIN decisions d ON d.event_id = r.id
        WHERE r.touchpoint_key = 'recovery_needed' GROUP BY 1 ORDER BY 2 DESC`,
    )
  ).rows as Array<{ outcome: string; n: number }>;
  line(`  ${bad} answers of CSAT 1–2 at a moment of truth → ${recoveries ?? 'not all'} recovery_needed events, decided: ${recovery.map((x) => `${x.outcome} ${x.n}`).join(', ') || 'none yet'}`);

  heading('11. What worked, and how it felt');
  const today = new Date().toISOString().slice(0, 10);
  // The counters are kept as rows are written; reads are exact whether or not the rollup has run.
  const cells = (await call('GET', `/v1/measures/cells?from=${today}&to=${today}&touchpoint=cart_abandoned`, undefined, t.agentKey)).cells as any[];
  const liftRow = (c: any): Array<string | number> => {
    const l = c.lift;
    const group = (g: any) => `${g.converted}/${g.n}`;
    if (l.insufficient) return [c.personaKey ?? '(none)', group(l.treated), group(l.holdout), 'too few to say', ''];
    const [lo, hi] = [l.interval.lower, l.interval.upper];
    const verdict = lo > 0 ? 'works' : hi < 0 ? 'hurts' : 'not shown yet';
    return [c.personaKey ?? '(none)', `${group(l.treated)} ${pct(l.treated.rate)}`, `${group(l.holdout)} ${pct(l.holdout.rate)}`, `${l.difference >= 0 ? '+' : ''}${(l.difference * 100).toFixed(1)} pts [${(lo * 100).toFixed(1)}, ${(hi * 100).toFixed(1)}]`, verdict];
  };
  line('  the cart reminder, per persona: conversion of reminded customers against the 10 % holdout (95 % interval, Newcombe)');
  table(cells.map(liftRow), ['persona', 'treated converted', 'holdout converted', 'lift', 'verdict']);
  line(`  (the demo's made-up truth: ${pct(BASE_CONVERSION)} convert anyway, the reminder adds ${pct(REMINDER_UPLIFT)}; a cell with fewer than 30 in a group says so instead of a number)`);

  // Expectation versus experience: what the brand promises at support calls, against what customers said.
  const callCells = (await call('GET', `/v1/measures/cells?from=${today}&to=${today}&touchpoint=support_call`, undefined, t.agentKey)).cells as any[];
  for (const c of callCells.filter((x) => x.personaKey)) await call('PUT', `/v1/measures/targets/${c.personaKey}/support_call`, { target: c.personaKey === 'vip_recent_buyer' || c.personaKey === 'enterprise_champion' ? 4.5 : 4 });
  const report = await call('GET', `/v1/measures/targets/report?from=${today}&to=${today}`, undefined, t.agentKey);
  line();
  line('  support calls: CSAT promised (target) against measured, largest shortfall first');
  table(
    (report.items as any[]).slice(0, 8).map((g) => [g.personaKey, g.touchpointKey, g.target, g.measured === null ? '—' : Number(g.measured).toFixed(2), g.responses, g.gap === null ? '—' : Number(g.gap).toFixed(2)]),
    ['persona', 'touchpoint', 'target', 'measured', 'answers', 'gap'],
  );

  // One customer who needed a recovery, as the agent sees them.
  const needy = (
    await db.query(
      `SELECT r.customer_id::text AS id FROM touchpoint_events r WHERE r.touchpoint_key = 'recovery_needed' ORDER BY r.id LIMIT 1`,
    )
  ).rows[0] as { id: string } | undefined;
  if (needy) {
    const tl = await call('GET', `/v1/customers/${needy.id}/timeline?limit=5`, undefined, t.agentKey);
    const score = tl.experience?.score;
    line();
    line(`  customer ${needy.id} needed a recovery: experience score ${score === null || score === undefined ? '—' : Number(score).toFixed(1)} / 100 (peak-end, moments of truth weigh double); latest of their journey:`);
    table(
      (tl.events as any[]).slice(0, 5).map((e) => {
        const d = e.decisions?.[0];
        const came = (e.outcomes as any[]).map((o) => (o.type === 'feedback' ? `CSAT ${o.csat}` : o.type)).join(', ');
        return [e.touchpointKey, d?.treatmentKey ?? '—', d?.outcome ?? 'undecided', came || '—'];
      }),
      ['touchpoint', 'treatment', 'decision', 'came back'],
    );
  }
  const needing = await count(`SELECT count(DISTINCT customer_id) AS n FROM touchpoint_events WHERE touchpoint_key = 'recovery_needed'`);
  line();
  line(`  ${n(needing)} customers needed a recovery; outcomes and feedback took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { outcomes: totals.accepted, feedback, recoveries: needing, measuredCells: cells.filter((c) => !c.lift.insufficient).length };
}
