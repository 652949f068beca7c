import { Injectable } from '@nestjs/common';
import type { CellCounters, Period } from '@corridor/domain';
import { DataSource } from 'typeorm';

/** The counter columns of measure_deltas and measure_cells (suppressed_by is summed apart). */
const COUNTERS = [
  'decisions', 'treated', 'held', 'suppressed', 'held_out', 'no_treatment', 'deliveries', 'sent', 'dead',
  'outcome_delivered', 'outcome_opened', 'outcome_clicked', 'outcome_converted', 'outcome_dismissed', 'outcome_ignored', 'outcome_feedback',
  'conversion_value', 'treated_converted', 'holdout_converted',
  'csat_sum', 'csat_count', 'nps_sum', 'nps_count', 'nps_promoters', 'nps_detractors', 'effort_sum', 'effort_count',
] as const;
type Counter = (typeof COUNTERS)[number];
type CounterRow = Record<Counter, string | number> & { persona_key: string; touchpoint_key: string; day?: string; suppressed_by: Record<string, string | number> | null };

export interface CellFilter {
  personaKey?: string;
  touchpointKey?: string;
}

/** The counters of one cell on one day (recount and tests compare at this grain). */
export type DailyCounters = CellCounters & { day: string };

/** Serializes rollups (and the rebuild) across worker processes. */
const ROLLUP_LOCK = `hashtext('corridor.measure-rollup')`;

/**
 * Per-cell counters: the read (folded days plus unfolded deltas, in one snapshot, so exact at any
 * moment), the rollup that folds deltas into days, and the recount over the raw tables that the
 * tests and the benchmark compare them with. The counting itself is done by the triggers of
 * migration 1797020000000.
 */
@Injectable()
export class MeasureStore {
  constructor(private readonly db: DataSource) {}

  /** Each cell's counters summed over the period's days (cells with nothing are absent). */
  async cells(period: Period, filter: CellFilter = {}): Promise<CellCounters[]> {
    const params: unknown[] = [period.from, period.to];
    let where = `day BETWEEN $1::date AND $2::date`;
    if (filter.personaKey !== undefined) where += ` AND persona_key = $${params.push(filter.personaKey)}`;
    if (filter.touchpointKey !== undefined) where += ` AND touchpoint_key = $${params.push(filter.touchpointKey)}`;
    const cols = ['persona_key', 'touchpoint_key', ...COUNTERS].join(', ');
    // JIT would compile this small query for >100 ms: jsonb_each's row estimate (100) inflates its cost.
    const rows: CounterRow[] = await this.db.transaction((em) => em.query(`SET LOCAL jit = off`).then(() => em.query(
      `WITH reasons AS (SELECT persona_key, touchpoint_key, jsonb_object_agg(reason, n) AS suppressed_by
                          FROM (SELECT persona_key, touchpoint_key, reason, sum(n) AS n FROM (
                                  SELECT persona_key, touchpoint_key, reason, n FROM measure_cell_reasons WHERE ${where}
                                  UNION ALL
                                  SELECT persona_key, touchpoint_key, r.key, r.value::bigint FROM measure_deltas CROSS JOIN LATERAL jsonb_each_text(suppressed_by) r
                                   WHERE ${where} AND suppressed_by <> '{}'::jsonb) u GROUP BY 1, 2, 3) s
                         WHERE n <> 0 GROUP BY 1, 2)
       SELECT t.*, reasons.suppressed_by
         FROM (SELECT persona_key, touchpoint_key, ${COUNTERS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
                 FROM (SELECT ${cols} FROM measure_cells WHERE ${where} UNION ALL SELECT ${cols} FROM measure_deltas WHERE ${where}) x GROUP BY 1, 2) t
         LEFT JOIN reasons USING (persona_key, touchpoint_key)
        ORDER BY persona_key, touchpoint_key`,
      params,
    )));
    return rows.map(toCounters).filter((c) => !isEmpty(c));
  }

  /**
   * Folds up to `limit` deltas, oldest first, into the daily rows, atomically: a reader sees them
   * either as deltas or folded, never both or neither. Returns how many deltas were folded.
   */
  async rollup(limit = 100_000): Promise<number> {
    return this.db.transaction(async (em) => {
      const [{ locked }] = await em.query(`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK}) AS locked`);
      if (!locked) return 0;
      const set = COUNTERS.map((c) => `${c} = measure_cells.${c} + EXCLUDED.${c}`).join(', ');
      const rows: Array<{ n: string }> = await em.query(
        `WITH moved AS (DELETE FROM measure_deltas WHERE id IN (SELECT id FROM measure_deltas ORDER BY id LIMIT $1) RETURNING *),
              reasons AS (
                INSERT INTO measure_cell_reasons (day, persona_key, touchpoint_key, reason, n)
                SELECT day, persona_key, touchpoint_key, r.key, sum(r.value::bigint)
                  FROM moved CROSS JOIN LATERAL jsonb_each_text(moved.suppressed_by) r GROUP BY 1, 2, 3, 4
                ON CONFLICT (day, persona_key, touchpoint_key, reason) DO UPDATE SET n = measure_cell_reasons.n + EXCLUDED.n
                RETURNING 1),
              folded AS (
                INSERT INTO measure_cells (day, persona_key, touchpoint_key, ${COUNTERS.join(', ')})
                SELECT day, persona_key, touchpoint_key, ${COUNTERS.map((c) => `sum(${c})`).join(', ')} FROM moved GROUP BY 1, 2, 3
                ON CONFLICT (day, persona_key, touchpoint_key) DO UPDATE SET ${set}
                RETURNING 1)
         SELECT count(*)::text AS n FROM moved`,
        [limit],
      );
      return Number(rows[0].n);
    });
  }

  /** Deltas not folded yet. */
  async pendingDeltas(): Promise<number> {
    const [{ n }] = await this.db.query(`SELECT count(*)::int AS n FROM measure_deltas`);
    return n;
  }

  /**
   * The same counters computed from the raw tables by one GROUP BY (the truth the counters must
   * equal; the benchmark's peer). Per cell, or per cell and day.
   */
  async recount(period: Period, options: { byDay?: boolean } = {}): Promise<Array<CellCounters & { day?: string }>> {
    const rows: CounterRow[] = await this.db.query(recountSql(options.byDay ?? false), [period.from, period.to]);
    return rows.map((r) => ({ ...toCounters(r), ...(r.day ? { day: String(r.day) } : {}) }));
  }

  /**
   * Recomputes the counters from the raw tables (repair, or a database filled without the
   * triggers, like the benchmark's). Locks the three tables against writes while it runs. Days
   * before the oldest decision left are kept as they are: retention dropped their raw rows
   * (docs/capacity.md#partitions-and-retention), and only the counters still hold their figures.
   */
  async rebuild(): Promise<void> {
    await this.db.transaction(async (em) => {
      await em.query(`LOCK TABLE decisions, deliveries, outcomes IN SHARE MODE`);
      await em.query(`SELECT pg_advisory_xact_lock(${ROLLUP_LOCK})`);
      const [{ from }] = await em.query(`SELECT (min(decided_at) AT TIME ZONE 'UTC')::date::text AS from FROM decisions`);
      await em.query(`TRUNCATE measure_conversions`);
      await em.query(`INSERT INTO measure_conversions (decision_id, n) SELECT decision_id, count(*) FROM outcomes WHERE type = 'converted' AND decision_id IS NOT NULL GROUP BY 1`);
      if (from === null) return; // no raw decision left: the counters are all there is
      // Older days' unfolded deltas stay for the rollup to fold.
      for (const table of ['measure_deltas', 'measure_cells', 'measure_cell_reasons']) await em.query(`DELETE FROM ${table} WHERE day >= $1::date`, [from]);
      await em.query(
        `WITH r AS MATERIALIZED (${recountSql(true)}),
              reasons AS (INSERT INTO measure_cell_reasons (day, persona_key, touchpoint_key, reason, n)
                          SELECT r.day::date, r.persona_key, r.touchpoint_key, x.key, x.value::bigint FROM r CROSS JOIN LATERAL jsonb_each_text(r.suppressed_by) x WHERE r.suppressed_by IS NOT NULL)
         INSERT INTO measure_cells (persona_key, touchpoint_key, day, ${COUNTERS.join(', ')})
         SELECT persona_key, touchpoint_key, day::date, ${COUNTERS.join(', ')} FROM r`,
        [from, '2999-12-31'],
      );
    });
  }
}

/** Recount of the counters from decisions, deliveries and outcomes; `$1`/`$2` the period's days unless `bounded` is false. */
function recountSql(byDay: boolean, bounded = true): string {
  const day = `(d.decided_at AT TIME ZONE 'UTC')::date`;
  const inPeriod = bounded ? `WHERE decided_at >= $1::date AT TIME ZONE 'UTC' AND decided_at < ($2::date + 1) AT TIME ZONE 'UTC'` : '';
  return `
    WITH d AS MATERIALIZED (SELECT id, coalesce(persona_key, '') AS persona_key, touchpoint_key, decided_at, outcome, reasons FROM decisions ${inPeriod}),
         v AS (SELECT decision_id, count(*) AS deliveries, count(*) FILTER (WHERE status = 'delivered') AS sent, count(*) FILTER (WHERE status = 'dead') AS dead
                 FROM deliveries WHERE decision_id IN (SELECT id FROM d) GROUP BY 1),
         o AS (SELECT decision_id,
                      count(*) FILTER (WHERE type = 'delivered') AS outcome_delivered, count(*) FILTER (WHERE type = 'opened') AS outcome_opened,
                      count(*) FILTER (WHERE type = 'clicked') AS outcome_clicked, count(*) FILTER (WHERE type = 'converted') AS outcome_converted,
                      count(*) FILTER (WHERE type = 'dismissed') AS outcome_dismissed, count(*) FILTER (WHERE type = 'ignored') AS outcome_ignored,
                      count(*) FILTER (WHERE type = 'feedback') AS outcome_feedback,
                      coalesce(sum(value) FILTER (WHERE type = 'converted'), 0) AS conversion_value,
                      coalesce(sum(csat), 0) AS csat_sum, count(csat) AS csat_count, coalesce(sum(nps), 0) AS nps_sum, count(nps) AS nps_count,
                      count(*) FILTER (WHERE nps >= 9) AS nps_promoters, count(*) FILTER (WHERE nps <= 6) AS nps_detractors,
                      coalesce(sum(effort), 0) AS effort_sum, count(effort) AS effort_count
                 FROM outcomes WHERE decision_id IN (SELECT id FROM d) GROUP BY 1)
    SELECT d.persona_key, d.touchpoint_key${byDay ? `, ${day}::text AS day` : ''},
           count(*) AS decisions,
           count(*) FILTER (WHERE d.outcome = 'treated') AS treated, count(*) FILTER (WHERE d.outcome = 'held') AS held,
           count(*) FILTER (WHERE d.outcome = 'suppressed') AS suppressed, count(*) FILTER (WHERE d.outcome = 'held_out') AS held_out,
           count(*) FILTER (WHERE d.outcome = 'no_treatment') AS no_treatment,
           coalesce(sum(v.deliveries), 0) AS deliveries, coalesce(sum(v.sent), 0) AS sent, coalesce(sum(v.dead), 0) AS dead,
           ${['outcome_delivered', 'outcome_opened', 'outcome_clicked', 'outcome_converted', 'outcome_dismissed', 'outcome_ignored', 'outcome_feedback', 'conversion_value', 'csat_sum', 'csat_count', 'nps_sum', 'nps_count', 'nps_promoters', 'nps_detractors', 'effort_sum', 'effort_count']
             .map((c) => `coalesce(sum(o.${c}), 0) AS ${c}`)
             .join(', ')},
           count(*) FILTER (WHERE d.outcome IN ('treated', 'held') AND o.outcome_converted > 0) AS treated_converted,
           count(*) FILTER (WHERE d.outcome = 'held_out' AND o.outcome_converted > 0) AS holdout_converted,
           (SELECT jsonb_object_agg(code, n) FROM (SELECT code, count(*) AS n FROM unnest(array_agg(coalesce(d.reasons -> -1 ->> 'code', 'UNKNOWN')) FILTER (WHERE d.outcome = 'suppressed')) code GROUP BY 1) s) AS suppressed_by
      FROM d LEFT JOIN v ON v.decision_id = d.id LEFT JOIN o ON o.decision_id = d.id
     GROUP BY 1, 2${byDay ? ', 3' : ''}
     ORDER BY 1, 2${byDay ? ', 3' : ''}`;
}

const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

function toCounters(r: CounterRow): CellCounters {
  const suppressedBy: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.suppressed_by ?? {})) if (num(v) !== 0) suppressedBy[k] = num(v);
  return {
    personaKey: r.persona_key === '' ? null : r.persona_key,
    touchpointKey: r.touchpoint_key,
    decisions: num(r.decisions),
    treated: num(r.treated),
    held: num(r.held),
    suppressed: num(r.suppressed),
    heldOut: num(r.held_out),
    noTreatment: num(r.no_treatment),
    suppressedBy,
    deliveries: num(r.deliveries),
    sent: num(r.sent),
    dead: num(r.dead),
    outcomes: {
      delivered: num(r.outcome_delivered),
      opened: num(r.outcome_opened),
      clicked: num(r.outcome_clicked),
      converted: num(r.outcome_converted),
      dismissed: num(r.outcome_dismissed),
      ignored: num(r.outcome_ignored),
      feedback: num(r.outcome_feedback),
    },
    conversionValue: num(r.conversion_value),
    treatedConverted: num(r.treated_converted),
    holdoutConverted: num(r.holdout_converted),
    csatSum: num(r.csat_sum),
    csatCount: num(r.csat_count),
    npsSum: num(r.nps_sum),
    npsCount: num(r.nps_count),
    npsPromoters: num(r.nps_promoters),
    npsDetractors: num(r.nps_detractors),
    effortSum: num(r.effort_sum),
    effortCount: num(r.effort_count),
  };
}

/** A cell whose deltas cancelled out (a decision displaced and back) has nothing to show. */
function isEmpty(c: CellCounters): boolean {
  return c.decisions === 0 && c.deliveries === 0 && Object.values(c.outcomes).every((n) => n === 0) && Object.keys(c.suppressedBy).length === 0 && c.treatedConverted === 0 && c.holdoutConverted === 0;
}
