import { Injectable } from '@nestjs/common';
import {
  ENGAGEMENT_TYPES,
  inferredIgnoredKey,
  OUTCOME_SOURCE_INFERRED,
  OutcomeIngestResult,
  OutcomeInput,
  OutcomeType,
  TREATMENT_RESPONSE_DEFAULTS,
} from '@corridor/domain';
import { DataSource } from 'typeorm';
import { webhookIdBounds } from './event-arrival';
import { FEEDBACK_RECORDED_TOPIC } from './outbox.store';
import { FatigueFact, TreatmentFatigueStore } from './treatment-fatigue.store';

/** `[wf, wt)` around the event arrival a webhook id carries (arrivalBounds' margin); unbounded when it carries none. */
function webhookMonths(webhookId: string | null): { wf: string; wt: string } {
  const bounds = webhookId === null ? null : webhookIdBounds(webhookId);
  return bounds ? { wf: bounds[0].toISOString(), wt: bounds[1].toISOString() } : { wf: '-infinity', wt: 'infinity' };
}

/** Outcomes that move a customer's streak of ignored deliveries (the others leave it as it is). */
const STREAK_TYPES: readonly OutcomeType[] = ['ignored', ...ENGAGEMENT_TYPES];

type ResolvedRow = { i: number; event_id: string | null; customer_id: string | null; treatment_key: string | null; inserted_id: string | null };

/**
 * Outcomes in. A batch is one transaction: one statement resolves every reference (webhook id →
 * delivery, event id or producer key → event, the event's decision and delivery) and inserts the
 * outcomes, with an outbox row for each new feedback; then the streaks of ignored deliveries. The
 * unique (source, idempotency_key) makes a repeat a no-op, even when two requests race.
 */
@Injectable()
export class OutcomeStore {
  constructor(
    private readonly db: DataSource,
    private readonly fatigue: TreatmentFatigueStore,
  ) {}

  /** `field(index, name)` says how the caller's body names a field of outcome `index` (`outcomes[3].webhookId`). */
  async ingest(
    source: string,
    items: ReadonlyArray<{ index: number; outcome: OutcomeInput }>,
    field: (index: number, name: string) => string,
    correlationId?: string,
  ): Promise<OutcomeIngestResult[]> {
    if (items.length === 0) return [];
    const rows = items.map(({ index, outcome: o }) => ({
      i: index,
      k: o.idempotencyKey,
      t: o.type,
      w: o.ref.kind === 'delivery' ? o.ref.webhookId : null,
      // The months a webhook id names (its event's arrival, when it carries one): open bounds otherwise.
      ...webhookMonths(o.ref.kind === 'delivery' ? o.ref.webhookId : null),
      ev: o.ref.kind === 'event' ? o.ref.eventId : null,
      es: o.ref.kind === 'event_key' ? o.ref.source : null,
      ek: o.ref.kind === 'event_key' ? o.ref.idempotencyKey : null,
      v: o.value,
      cs: o.csat,
      np: o.nps,
      ef: o.effort,
      cm: o.comment,
      o: o.occurredAt.toISOString(),
    }));
    return this.db.transaction(async (em) => {
      // `res` is read twice, so Postgres materialises it once: the insert and the answer see the same resolution.
      // One lookup per outcome (LATERAL … LIMIT 1: the planner, guessing 100 input rows, would
      // otherwise hash whole partitions), each naming its month (the partition key) where known: a
      // webhook id minted since it carries its event's arrival (`wf`/`wt`, pruned per row as the
      // query runs; a delivery not there is looked for in every month by the second branch, which
      // runs only then), an event key's row in touchpoint_event_keys has it; an older webhook id or
      // a bare event id probes every month. The event, its decision and their delivery are then
      // read in that month alone.
      const resolved: ResolvedRow[] = await em.query(
        `WITH input AS (SELECT * FROM jsonb_to_recordset($2::jsonb)
                          AS x(i int, k text, t text, w text, wf timestamptz, wt timestamptz, ev bigint, es text, ek text, v numeric, cs smallint, np smallint, ef smallint, cm text, o timestamptz)),
              res AS (SELECT x.*, e.id AS event_id, e.customer_id, e.touchpoint_key, dec.id AS decision_id,
                             coalesce(dw.id, dd.id) AS delivery_id, coalesce(dw.treatment_key, dd.treatment_key) AS treatment_key
                        FROM input x
                        LEFT JOIN LATERAL ((SELECT id, event_id, event_received_at, treatment_key FROM deliveries
                                             WHERE x.w IS NOT NULL AND webhook_id = x.w AND event_received_at >= x.wf AND event_received_at < x.wt LIMIT 1)
                                           UNION ALL
                                           (SELECT id, event_id, event_received_at, treatment_key FROM deliveries
                                             WHERE x.w IS NOT NULL AND x.wf > '-infinity' AND webhook_id = x.w LIMIT 1)
                                           LIMIT 1) dw ON true
                        LEFT JOIN touchpoint_event_keys ek ON ek.source = x.es AND ek.idempotency_key = x.ek
                        LEFT JOIN LATERAL (SELECT received_at FROM touchpoint_events WHERE x.ev IS NOT NULL AND id = x.ev LIMIT 1) ev ON true
                        LEFT JOIN LATERAL (SELECT id, customer_id, touchpoint_key, received_at FROM touchpoint_events
                                            WHERE id = coalesce(dw.event_id, x.ev, ek.event_id) AND received_at = coalesce(dw.event_received_at, ek.received_at, ev.received_at) LIMIT 1) e ON true
                        LEFT JOIN LATERAL (SELECT id, event_received_at FROM decisions WHERE event_id = e.id AND touchpoint_key = e.touchpoint_key AND event_received_at = e.received_at LIMIT 1) dec ON true
                        LEFT JOIN LATERAL (SELECT id, treatment_key FROM deliveries
                                            WHERE dw.id IS NULL AND decision_id = dec.id AND event_received_at = dec.event_received_at ORDER BY id LIMIT 1) dd ON true),
              ins AS (INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, value, csat, nps, effort, comment, occurred_at, correlation_id)
                      SELECT $1, k, t, customer_id, event_id, decision_id, delivery_id, touchpoint_key, v, cs, np, ef, cm, o, $3 FROM res WHERE event_id IS NOT NULL ORDER BY i
                      ON CONFLICT (source, idempotency_key) DO NOTHING
                      RETURNING id, idempotency_key, type),
              ob AS (INSERT INTO outbox (topic, ref) SELECT $4, id::text FROM ins WHERE type = 'feedback' ORDER BY id)
         SELECT r.i, r.event_id::text AS event_id, r.customer_id::text AS customer_id, r.treatment_key, ins.id::text AS inserted_id
           FROM res r LEFT JOIN ins ON ins.idempotency_key = r.k`,
        [source, JSON.stringify(rows), correlationId ?? null, FEEDBACK_RECORDED_TOPIC],
      );
      const byIndex = new Map(resolved.map((r) => [r.i, r]));
      const keyOf = new Map(rows.map((x) => [x.i, x.k]));
      const missing = [...new Set(resolved.filter((r) => r.event_id !== null && r.inserted_id === null).map((r) => keyOf.get(r.i)!))];
      const existing = new Map<string, string>();
      if (missing.length) {
        const found: Array<{ id: string; idempotency_key: string }> = await em.query(
          `SELECT id::text AS id, idempotency_key FROM outcomes WHERE source = $1 AND idempotency_key = ANY($2::text[])`,
          [source, missing],
        );
        for (const r of found) existing.set(r.idempotency_key, r.id);
      }
      const claimed = new Set<string>();
      const facts: FatigueFact[] = [];
      const results = items.map(({ index, outcome }): OutcomeIngestResult => {
        const r = byIndex.get(index)!;
        if (r.event_id === null) {
          const name = outcome.ref.kind === 'delivery' ? 'webhookId' : outcome.ref.kind === 'event' ? 'eventId' : 'eventKey';
          return outcome.ref.kind === 'delivery'
            ? { index, status: 'rejected', code: 'DELIVERY_NOT_FOUND', field: field(index, name), message: `no delivery has the webhook id ${JSON.stringify(outcome.ref.webhookId)}` }
            : { index, status: 'rejected', code: 'EVENT_NOT_FOUND', field: field(index, name), message: 'no touchpoint event matches this reference' };
        }
        const key = outcome.idempotencyKey;
        // The first of a batch's repeats is the accepted one; the rest are duplicates of it.
        if (r.inserted_id && !claimed.has(key)) {
          claimed.add(key);
          if (r.treatment_key && STREAK_TYPES.includes(outcome.type)) facts.push({ customerId: r.customer_id!, treatmentKey: r.treatment_key, type: outcome.type, at: outcome.occurredAt });
          return { index, status: 'accepted', outcomeId: r.inserted_id };
        }
        return { index, status: 'duplicate', outcomeId: r.inserted_id ?? existing.get(key) ?? '' };
      });
      await this.fatigue.apply(em, facts);
      return results;
    });
  }

  /**
   * Infers `ignored` for up to `limit` delivered deliveries whose response window closed before
   * `now` with no engagement (nor an `ignored` already reported): one outcome per delivery (key
   * `ignored:<delivery id>`, source `corridor`, at the window's close), with the streaks, in one
   * transaction. Each delivery looked at is marked settled, so the next batch starts after it.
   * Returns how many were looked at and how many were inferred ignored.
   */
  async inferIgnored(now: Date, limit: number): Promise<{ settled: number; ignored: number }> {
    return this.db.transaction(async (em) => {
      const due: Array<{ id: string; closes_at: Date; engaged: boolean }> = await em.query(
        `SELECT d.id::text AS id, d.delivered_at + make_interval(hours => coalesce(t.response_window_hours, $1)) AS closes_at,
                EXISTS (SELECT 1 FROM outcomes o WHERE o.delivery_id = d.id AND o.type = ANY($4::text[])) AS engaged
           FROM deliveries d LEFT JOIN treatments t ON t.key = d.treatment_key
          WHERE d.status = 'delivered' AND d.response_settled_at IS NULL
            AND d.delivered_at + make_interval(hours => coalesce(t.response_window_hours, $1)) <= $2
          ORDER BY d.delivered_at, d.id
          LIMIT $3
            FOR UPDATE OF d SKIP LOCKED`,
        [TREATMENT_RESPONSE_DEFAULTS.responseWindowHours, now, limit, [...ENGAGEMENT_TYPES, 'ignored']],
      );
      if (due.length === 0) return { settled: 0, ignored: 0 };
      const quiet = due.filter((d) => !d.engaged).map((d) => ({ d: d.id, k: inferredIgnoredKey(d.id), o: d.closes_at.toISOString() }));
      let inserted: Array<{ customer_id: string; treatment_key: string; occurred_at: Date }> = [];
      if (quiet.length) {
        inserted = await em.query(
          `WITH x AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(d bigint, k text, o timestamptz)),
                ins AS (INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, occurred_at)
                        SELECT $1, x.k, 'ignored', d.customer_id, d.event_id, d.decision_id, d.id, dec.touchpoint_key, x.o
                          FROM x JOIN deliveries d ON d.id = x.d JOIN decisions dec ON dec.id = d.decision_id
                         ORDER BY x.d
                        ON CONFLICT (source, idempotency_key) DO NOTHING
                        RETURNING customer_id, delivery_id, occurred_at)
           SELECT ins.customer_id::text AS customer_id, d.treatment_key, ins.occurred_at FROM ins JOIN deliveries d ON d.id = ins.delivery_id`,
          [OUTCOME_SOURCE_INFERRED, JSON.stringify(quiet)],
        );
      }
      await em.query(`UPDATE deliveries SET response_settled_at = $2 WHERE id = ANY($1::bigint[])`, [due.map((d) => d.id), now]);
      await this.fatigue.apply(
        em,
        inserted.map((r) => ({ customerId: r.customer_id, treatmentKey: r.treatment_key, type: 'ignored', at: r.occurred_at })),
      );
      return { settled: due.length, ignored: inserted.length };
    });
  }
}
