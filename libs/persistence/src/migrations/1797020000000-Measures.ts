import { MigrationInterface, QueryRunner } from 'typeorm';

/** Counter columns shared by the delta and the daily table (deltas carry suppression reasons as jsonb, days as rows of measure_cell_reasons). */
const COUNTERS = [
  'decisions', 'treated', 'held', 'suppressed', 'held_out', 'no_treatment',
  'deliveries', 'sent', 'dead',
  'outcome_delivered', 'outcome_opened', 'outcome_clicked', 'outcome_converted', 'outcome_dismissed', 'outcome_ignored', 'outcome_feedback',
  'treated_converted', 'holdout_converted',
  'csat_sum', 'csat_count', 'nps_sum', 'nps_count', 'nps_promoters', 'nps_detractors', 'effort_sum', 'effort_count',
];
const counterColumns = COUNTERS.map((c) => `"${c}" bigint NOT NULL DEFAULT '0'`).join(', ');

/**
 * Appends one delta row per (cell, day) from `contrib`, a query of rows
 * (persona_key, touchpoint_key, day, <some counters>, reason, n_reason); zero rows are dropped.
 */
function appendDeltas(contrib: string, columns: string[], withClause = ''): string {
  const sums = columns.map((c) => `sum(${c}) AS ${c}`).join(', ');
  return `
    ${withClause} INSERT INTO measure_deltas (persona_key, touchpoint_key, day, ${columns.join(', ')}, suppressed_by)
    SELECT * FROM (
      SELECT persona_key, touchpoint_key, day, ${sums},
             coalesce(jsonb_object_agg(reason, n_reason) FILTER (WHERE reason IS NOT NULL AND n_reason <> 0), '{}'::jsonb) AS suppressed_by
        FROM (SELECT persona_key, touchpoint_key, day, reason, ${sums}, sum(n_reason) AS n_reason FROM (${contrib}) c GROUP BY 1, 2, 3, 4) r
       GROUP BY 1, 2, 3) x
     WHERE ${[...columns.map((c) => `x.${c} <> 0`), `x.suppressed_by <> '{}'::jsonb`].join(' OR ')}`;
}

const CELL = `coalesce(d.persona_key, '') AS persona_key, d.touchpoint_key, (d.decided_at AT TIME ZONE 'UTC')::date AS day`;

/** Decision rows' own counts and, for decisions already converted, the lift numerators. */
const decisionContrib = (changes: string) => `
  SELECT ${CELL},
         d.s AS decisions,
         d.s * (d.outcome = 'treated')::int AS treated,
         d.s * (d.outcome = 'held')::int AS held,
         d.s * (d.outcome = 'suppressed')::int AS suppressed,
         d.s * (d.outcome = 'held_out')::int AS held_out,
         d.s * (d.outcome = 'no_treatment')::int AS no_treatment,
         d.s * (d.outcome IN ('treated', 'held') AND coalesce(mc.n, 0) > 0)::int AS treated_converted,
         d.s * (d.outcome = 'held_out' AND coalesce(mc.n, 0) > 0)::int AS holdout_converted,
         CASE WHEN d.outcome = 'suppressed' THEN coalesce(d.reasons -> -1 ->> 'code', 'UNKNOWN') END AS reason,
         d.s * (d.outcome = 'suppressed')::int AS n_reason
    FROM (${changes}) d
    LEFT JOIN measure_conversions mc ON mc.decision_id = d.id`;
const DECISION_COLUMNS = ['decisions', 'treated', 'held', 'suppressed', 'held_out', 'no_treatment', 'treated_converted', 'holdout_converted'];
const decisionRows = (table: string, sign: number) => `SELECT ${sign} AS s, id, persona_key, touchpoint_key, decided_at, outcome, reasons FROM ${table}`;

const deliveryContrib = (changes: string) => `
  SELECT ${CELL}, ch.s AS deliveries, ch.s * (ch.status = 'delivered')::int AS sent, ch.s * (ch.status = 'dead')::int AS dead,
         NULL::text AS reason, 0 AS n_reason
    FROM (${changes}) ch JOIN decisions d ON d.id = ch.decision_id`;
const DELIVERY_COLUMNS = ['deliveries', 'sent', 'dead'];
const deliveryRows = (table: string, sign: number) => `SELECT ${sign} AS s, decision_id, status FROM ${table}`;

const outcomeContrib = (changes: string) => `
  SELECT ${CELL},
         ch.s * (ch.type = 'delivered')::int AS outcome_delivered,
         ch.s * (ch.type = 'opened')::int AS outcome_opened,
         ch.s * (ch.type = 'clicked')::int AS outcome_clicked,
         ch.s * (ch.type = 'converted')::int AS outcome_converted,
         ch.s * (ch.type = 'dismissed')::int AS outcome_dismissed,
         ch.s * (ch.type = 'ignored')::int AS outcome_ignored,
         ch.s * (ch.type = 'feedback')::int AS outcome_feedback,
         CASE WHEN ch.type = 'converted' THEN ch.s * coalesce(ch.value, 0) ELSE 0 END AS conversion_value,
         ch.s * coalesce(ch.csat, 0) AS csat_sum, ch.s * (ch.csat IS NOT NULL)::int AS csat_count,
         ch.s * coalesce(ch.nps, 0) AS nps_sum, ch.s * (ch.nps IS NOT NULL)::int AS nps_count,
         ch.s * coalesce(ch.nps >= 9, false)::int AS nps_promoters, ch.s * coalesce(ch.nps <= 6, false)::int AS nps_detractors,
         ch.s * coalesce(ch.effort, 0) AS effort_sum, ch.s * (ch.effort IS NOT NULL)::int AS effort_count,
         NULL::text AS reason, 0 AS n_reason
    FROM (${changes}) ch JOIN decisions d ON d.id = ch.decision_id`;
const OUTCOME_COLUMNS = [
  'outcome_delivered', 'outcome_opened', 'outcome_clicked', 'outcome_converted', 'outcome_dismissed', 'outcome_ignored', 'outcome_feedback',
  'conversion_value', 'csat_sum', 'csat_count', 'nps_sum', 'nps_count', 'nps_promoters', 'nps_detractors', 'effort_sum', 'effort_count',
];
const outcomeRows = (table: string, sign: number) =>
  `SELECT ${sign} AS s, id, decision_id, type, value, csat, nps, effort FROM ${table} WHERE decision_id IS NOT NULL`;

/**
 * Distinct converted decisions (lift numerators). The decisions are share-locked first, in id
 * order, so a concurrent change of their outcome (held displaced → suppressed) is serialized with
 * this: whichever commits second sees the other's row. The per-decision count row makes two
 * conversions of one decision at once count it once.
 */
const conversions = (changes: string) => `
    SELECT coalesce(array_agg(decision_id ORDER BY decision_id), '{}'), coalesce(array_agg(k ORDER BY decision_id), '{}')
      INTO conv_ids, conv_ks
      FROM (SELECT decision_id, sum(s)::int AS k FROM (${changes}) ch WHERE type = 'converted' GROUP BY decision_id HAVING sum(s) <> 0) x;
    IF cardinality(conv_ids) > 0 THEN
      PERFORM 1 FROM decisions WHERE id = ANY(conv_ids) ORDER BY id FOR SHARE;
      ${appendDeltas(
        `SELECT ${CELL},
               (d.outcome IN ('treated', 'held'))::int * ((up.n > 0)::int - (up.n - k.k > 0)::int) AS treated_converted,
               (d.outcome = 'held_out')::int * ((up.n > 0)::int - (up.n - k.k > 0)::int) AS holdout_converted,
               NULL::text AS reason, 0 AS n_reason
          FROM up JOIN unnest(conv_ids, conv_ks) AS k(id, k) ON k.id = up.decision_id JOIN decisions d ON d.id = up.decision_id`,
        ['treated_converted', 'holdout_converted'],
        `WITH up AS (
          INSERT INTO measure_conversions (decision_id, n) SELECT * FROM unnest(conv_ids, conv_ks)
          ON CONFLICT (decision_id) DO UPDATE SET n = measure_conversions.n + EXCLUDED.n
          RETURNING decision_id, n)`,
      )};
    END IF;`;

/**
 * Linking an outcome that arrived before its decision is serialized per bucket of events: decide
 * takes its events' buckets shared (decide batches never wait for each other), an undecided
 * outcome's insert takes its bucket exclusive; whichever commits second sees the other's row. At
 * most LINK_BUCKETS locks per transaction, however large the batch.
 */
const EVENT_LOCK = `hashtext('corridor.measure-event')`;
const LINK_BUCKETS = 64;

export class Measures1797020000000 implements MigrationInterface {
  name = 'Measures1797020000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "measure_deltas" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "persona_key" text NOT NULL, "touchpoint_key" text NOT NULL, "day" date NOT NULL, ${counterColumns}, "conversion_value" numeric NOT NULL DEFAULT '0', "suppressed_by" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "PK_measure_deltas_id" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "measure_cells" ("persona_key" text NOT NULL, "touchpoint_key" text NOT NULL, "day" date NOT NULL, ${counterColumns}, "conversion_value" numeric NOT NULL DEFAULT '0', CONSTRAINT "PK_measure_cells" PRIMARY KEY ("day", "persona_key", "touchpoint_key"))`,
    );
    // Folded suppression reasons are rows, not jsonb: reading a period sums plain columns.
    await queryRunner.query(
      `CREATE TABLE "measure_cell_reasons" ("day" date NOT NULL, "persona_key" text NOT NULL, "touchpoint_key" text NOT NULL, "reason" text NOT NULL, "n" bigint NOT NULL, CONSTRAINT "PK_measure_cell_reasons" PRIMARY KEY ("day", "persona_key", "touchpoint_key", "reason"))`,
    );
    await queryRunner.query(`CREATE TABLE "measure_conversions" ("decision_id" bigint NOT NULL, "n" integer NOT NULL, CONSTRAINT "PK_measure_conversions_decision_id" PRIMARY KEY ("decision_id"))`);
    await queryRunner.query(
      `CREATE TABLE "measure_targets" ("persona_key" text NOT NULL, "touchpoint_key" text NOT NULL, "measure" text NOT NULL DEFAULT 'csat', "target" numeric(6,3) NOT NULL, "note" text NOT NULL DEFAULT '', "updated_by" uuid, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_measure_targets" PRIMARY KEY ("persona_key", "touchpoint_key"))`,
    );

    await queryRunner.query(`CREATE FUNCTION "measure_decisions_changed"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${appendDeltas(decisionContrib(decisionRows('new_rows', 1)), DECISION_COLUMNS)};
          -- Outcomes that arrived before their event was decided count from now on.
          PERFORM pg_advisory_xact_lock_shared(${EVENT_LOCK}, b) FROM (SELECT DISTINCT (event_id % ${LINK_BUCKETS})::int AS b FROM new_rows ORDER BY 1) e;
          UPDATE outcomes o SET decision_id = n.id FROM new_rows n
           WHERE o.event_id = n.event_id AND o.touchpoint_key = n.touchpoint_key AND o.decision_id IS NULL;
        ELSIF TG_OP = 'UPDATE' THEN
          ${appendDeltas(decisionContrib(`${decisionRows('new_rows', 1)} UNION ALL ${decisionRows('old_rows', -1)}`), DECISION_COLUMNS)};
        ELSE
          ${appendDeltas(decisionContrib(decisionRows('old_rows', -1)), DECISION_COLUMNS)};
        END IF;
        RETURN NULL;
      END $fn$`);

    await queryRunner.query(`CREATE FUNCTION "measure_deliveries_changed"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${appendDeltas(deliveryContrib(deliveryRows('new_rows', 1)), DELIVERY_COLUMNS)};
        ELSIF TG_OP = 'UPDATE' THEN
          ${appendDeltas(deliveryContrib(`${deliveryRows('new_rows', 1)} UNION ALL ${deliveryRows('old_rows', -1)}`), DELIVERY_COLUMNS)};
        ELSE
          ${appendDeltas(deliveryContrib(deliveryRows('old_rows', -1)), DELIVERY_COLUMNS)};
        END IF;
        RETURN NULL;
      END $fn$`);

    await queryRunner.query(`CREATE FUNCTION "measure_outcomes_changed"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE conv_ids bigint[]; conv_ks int[];
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${appendDeltas(outcomeContrib(outcomeRows('new_rows', 1)), OUTCOME_COLUMNS)};
          ${conversions(outcomeRows('new_rows', 1))}
          -- Undecided at ingest: link to a decision made meanwhile, serialized with the decide's own link.
          IF EXISTS (SELECT 1 FROM new_rows WHERE decision_id IS NULL) THEN
            PERFORM pg_advisory_xact_lock(${EVENT_LOCK}, b) FROM (SELECT DISTINCT (event_id % ${LINK_BUCKETS})::int AS b FROM new_rows WHERE decision_id IS NULL ORDER BY 1) e;
            UPDATE outcomes o SET decision_id = d.id FROM new_rows n JOIN decisions d ON d.event_id = n.event_id AND d.touchpoint_key = n.touchpoint_key
             WHERE o.id = n.id AND n.decision_id IS NULL AND o.decision_id IS NULL;
          END IF;
        ELSIF TG_OP = 'UPDATE' THEN
          ${appendDeltas(outcomeContrib(`${outcomeRows('new_rows', 1)} UNION ALL ${outcomeRows('old_rows', -1)}`), OUTCOME_COLUMNS)};
          ${conversions(`${outcomeRows('new_rows', 1)} UNION ALL ${outcomeRows('old_rows', -1)}`)}
        ELSE
          ${appendDeltas(outcomeContrib(outcomeRows('old_rows', -1)), OUTCOME_COLUMNS)};
          ${conversions(outcomeRows('old_rows', -1))}
        END IF;
        RETURN NULL;
      END $fn$`);

    for (const table of ['decisions', 'deliveries', 'outcomes']) {
      await queryRunner.query(`CREATE TRIGGER "measure_${table}_insert" AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`);
      await queryRunner.query(`CREATE TRIGGER "measure_${table}_update" AFTER UPDATE ON "${table}" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`);
      await queryRunner.query(`CREATE TRIGGER "measure_${table}_delete" AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['decisions', 'deliveries', 'outcomes']) {
      for (const op of ['insert', 'update', 'delete']) await queryRunner.query(`DROP TRIGGER "measure_${table}_${op}" ON "${table}"`);
      await queryRunner.query(`DROP FUNCTION "measure_${table}_changed"()`);
    }
    await queryRunner.query(`DROP TABLE "measure_targets"`);
    await queryRunner.query(`DROP TABLE "measure_conversions"`);
    await queryRunner.query(`DROP TABLE "measure_cell_reasons"`);
    await queryRunner.query(`DROP TABLE "measure_cells"`);
    await queryRunner.query(`DROP TABLE "measure_deltas"`);
  }
}
