import { Injectable } from '@nestjs/common';
import type { BehaviouralAttribute, BehaviourDefinition, EventWindowFacts, EventWindowQuery, ExperienceFacts } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { STALE_BEHAVIOUR } from './evaluated-attributes';

/** Two-key advisory lock space for "one customer's behaviour recompute". */
const BEHAVIOUR_LOCK_CLASS = `hashtext('corridor.behaviour')`;

export interface CustomerFacts {
  /** Per customer: the facts of each window asked for (same order; undefined: no events in it). */
  windows: Map<string, Array<EventWindowFacts | undefined>>;
  experience: Map<string, ExperienceFacts>;
}

export interface ComputedBehaviour {
  customerId: string;
  values: Record<string, number>;
  nextChangeAt: Date | null;
}

/**
 * Behavioural attributes' reads and writes: the definitions, the facts their values come from
 * (touchpoint events by window, customer_experience), and the customer_behaviour rows. Which
 * windows to read and what the values are is the domain's (planBehaviour, computeBehaviour).
 */
@Injectable()
export class BehaviourStore {
  constructor(private readonly db: DataSource) {}

  async definitions(): Promise<BehaviouralAttribute[]> {
    const rows: Array<{ name: string; behaviour: BehaviourDefinition }> = await this.db.query(
      `SELECT name, behaviour FROM attributes WHERE source = 'behaviour' AND behaviour IS NOT NULL ORDER BY name`,
    );
    return rows.map((r) => ({ name: r.name, behaviour: r.behaviour }));
  }

  /**
   * One recompute of these customers, serialised per customer: under their advisory locks (taken in
   * key order), `compute` gets the facts of `windows` read after the locks, and what it returns is
   * saved before they are released. Two jobs recomputing one customer at once (two relay batches)
   * thus cannot save an older reading over a newer one. Returns the customers whose values changed.
   */
  async recompute(
    customerIds: readonly string[],
    windows: readonly EventWindowQuery[],
    compute: (facts: CustomerFacts) => ComputedBehaviour[],
  ): Promise<string[]> {
    if (customerIds.length === 0) return [];
    // Sorted by lock key (ids past 2^31 fold onto it), so every transaction locks in one order.
    const key = (id: string) => BigInt(id) % 2147483647n;
    const ids = [...new Set(customerIds)].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    return this.db.transaction(async (m) => {
      // unnest yields the ids in the order given: locks are taken in key order, so no deadlock.
      await m.query(`SELECT pg_advisory_xact_lock(${BEHAVIOUR_LOCK_CLASS}, (x % 2147483647)::int) FROM unnest($1::bigint[]) AS u(x)`, [ids]);
      // Taken before the facts are read: every later statement's snapshot sees at least what this one does.
      const [{ s }]: Array<{ s: string }> = await m.query(`SELECT pg_current_snapshot()::text AS s`);
      return save(m, compute(await readFacts(m, ids, windows)), s);
    });
  }

  /** Live customers among `customerIds` whose live assignment did not see their behaviour's last change (STALE_BEHAVIOUR). */
  async staleAmong(customerIds: readonly string[]): Promise<string[]> {
    if (customerIds.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT b.customer_id::text AS id FROM customer_behaviour b
         JOIN customers c ON c.id = b.customer_id AND c.deleted_at IS NULL AND c.merged_into_id IS NULL
         JOIN persona_sets s ON s.status = 'live'
         LEFT JOIN assignments a ON a.set_version = s.version AND a.customer_id = b.customer_id
        WHERE b.customer_id = ANY($1::bigint[]) AND (a.customer_id IS NULL OR ${STALE_BEHAVIOUR})`,
      [customerIds],
    );
    return rows.map((r) => r.id);
  }

  /** Customers whose values change by the calendar at or before `asOf` (next_change_at index), after `afterId`. */
  async due(asOf: Date, afterId: string, limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT customer_id::text AS id FROM customer_behaviour WHERE next_change_at <= $1 AND customer_id > $2::bigint ORDER BY customer_id LIMIT $3`,
      [asOf, afterId, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The distinct customers of these events whose touchpoint is one of `touchpoints`. */
  async customersOfEvents(eventIds: readonly string[], touchpoints: readonly string[]): Promise<string[]> {
    if (eventIds.length === 0 || touchpoints.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT DISTINCT customer_id::text AS id FROM touchpoint_events WHERE id = ANY($1::bigint[]) AND touchpoint_key = ANY($2::text[])`,
      [eventIds, touchpoints],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Customers who had an event of `touchpoints` received since `since` that their last recompute did
   * not read (or never computed): the safety net for a lost recompute job. "Read" is whether the
   * event's transaction was visible to the recompute's snapshot; comparing computed_at with
   * received_at (both transaction starts) would count a recompute that began after the event's
   * transaction but read before its commit as having read it. Rows from before the columns existed
   * keep that comparison.
   */
  async behindEvents(touchpoints: readonly string[], since: Date, limit: number): Promise<string[]> {
    if (touchpoints.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT DISTINCT e.customer_id::text AS id FROM touchpoint_events e
         LEFT JOIN customer_behaviour b ON b.customer_id = e.customer_id
        WHERE e.received_at > $2 AND e.touchpoint_key = ANY($1::text[])
          AND (b.customer_id IS NULL OR CASE WHEN e.xact_id IS NOT NULL AND b.read_snapshot IS NOT NULL
                                             THEN NOT pg_visible_in_snapshot(e.xact_id::text::xid8, b.read_snapshot::pg_snapshot)
                                             ELSE b.computed_at < e.received_at END)
        LIMIT $3`,
      [touchpoints, since, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Marks for computation (due now) every customer a new behavioural attribute may give a value
   * other than its default: those with an event of its touchpoint since `since`, or with an
   * experience. One statement; the daily refresh (or the backfill job) computes them.
   */
  async markCandidates(behaviour: BehaviourDefinition, since: Date | null): Promise<number> {
    const source =
      behaviour.touchpoint !== undefined
        ? `SELECT DISTINCT customer_id FROM touchpoint_events WHERE touchpoint_key = $1 AND ($2::timestamptz IS NULL OR occurred_at >= $2)`
        : `SELECT customer_id FROM customer_experience`;
    const rows: unknown[] = await this.db.query(
      // changed_at stays in the past: nothing changed yet, so no assignment looks stale.
      `INSERT INTO customer_behaviour (customer_id, next_change_at, changed_at) SELECT customer_id, now(), '-infinity' FROM (${source}) x
       ON CONFLICT (customer_id) DO UPDATE SET next_change_at = now()
       RETURNING customer_id`,
      behaviour.touchpoint !== undefined ? [behaviour.touchpoint, since] : [],
    );
    return rows.length;
  }
}

/** One grouped read of the customers' events per window (customer, occurred_at index), one of their experience. */
async function readFacts(m: EntityManager, customerIds: readonly string[], windows: readonly EventWindowQuery[]): Promise<CustomerFacts> {
  const out: CustomerFacts = { windows: new Map(), experience: new Map() };
  if (customerIds.length === 0) return out;
  // One after the other: inside recompute both run on the transaction's one connection.
  const events: Array<{ customer_id: string; i: number; count: number; first: Date; last: Date }> =
    windows.length === 0
      ? []
      : await m.query(
          `SELECT e.customer_id::text AS customer_id, (q.n - 1)::int AS i, count(*)::int AS count, min(e.occurred_at) AS first, max(e.occurred_at) AS last
             FROM unnest($2::text[], $3::timestamptz[]) WITH ORDINALITY AS q(touchpoint, since, n)
             JOIN touchpoint_events e ON e.customer_id = ANY($1::bigint[]) AND e.touchpoint_key = q.touchpoint AND e.occurred_at >= q.since
            GROUP BY e.customer_id, q.n`,
          [customerIds, windows.map((w) => w.touchpoint), windows.map((w) => (w.since === -Infinity ? '-infinity' : new Date(w.since).toISOString()))],
        );
  const experience: Array<{ customer_id: string; score: number | null; last_csat: number | null; last_nps: number | null }> = await m.query(
    `SELECT customer_id::text AS customer_id, score::float8 AS score, last_csat, last_nps FROM customer_experience WHERE customer_id = ANY($1::bigint[])`,
    [customerIds],
  );
  for (const r of events) {
    let list = out.windows.get(r.customer_id);
    if (!list) out.windows.set(r.customer_id, (list = []));
    list[r.i] = { count: r.count, first: r.first.getTime(), last: r.last.getTime() };
  }
  for (const r of experience) out.experience.set(r.customer_id, { score: r.score, lastCsat: r.last_csat, lastNps: r.last_nps });
  return out;
}

/**
 * Stores computed values and the snapshot their facts were read under; `changed_at` and
 * `changed_xact_id` move only where the values differ. Returns the customers whose values changed.
 */
async function save(m: EntityManager, computed: readonly ComputedBehaviour[], readSnapshot: string): Promise<string[]> {
  if (computed.length === 0) return [];
  const rows: Array<{ customer_id: string }> = await m.query(
    `WITH input AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(c bigint, v jsonb, n timestamptz)),
          old AS (SELECT b.customer_id, b.values FROM customer_behaviour b JOIN input ON input.c = b.customer_id),
          up AS (
            INSERT INTO customer_behaviour (customer_id, values, next_change_at, computed_at, changed_at, changed_xact_id, read_snapshot)
            SELECT c, v, n, now(), now(), pg_current_xact_id()::text::bigint, $2 FROM input
            ON CONFLICT (customer_id) DO UPDATE SET values = EXCLUDED.values, next_change_at = EXCLUDED.next_change_at, computed_at = now(),
              read_snapshot = EXCLUDED.read_snapshot,
              changed_at = CASE WHEN customer_behaviour.values IS DISTINCT FROM EXCLUDED.values THEN now() ELSE customer_behaviour.changed_at END,
              changed_xact_id = CASE WHEN customer_behaviour.values IS DISTINCT FROM EXCLUDED.values THEN EXCLUDED.changed_xact_id ELSE customer_behaviour.changed_xact_id END
            RETURNING customer_id, values)
     SELECT up.customer_id::text AS customer_id FROM up LEFT JOIN old ON old.customer_id = up.customer_id
      WHERE old.values IS DISTINCT FROM up.values`,
    [JSON.stringify(computed.map((c) => ({ c: c.customerId, v: c.values, n: c.nextChangeAt?.toISOString() ?? null }))), readSnapshot],
  );
  return rows.map((r) => r.customer_id);
}
