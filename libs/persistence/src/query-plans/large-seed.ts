import type { DataSource } from 'typeorm';
import { IMPORT_CONNECTION_ID } from '../import-connection';

/**
 * A database of realistic shape for plan checks and size measurements: `customers` customers, each
 * with an assignment, a history row, behaviour, experience and fatigue rows; `events` touchpoint
 * events, each with a decision, a delivery, an outcome and an outbox row relayed within the last day
 * in a batch job (what the reconciler's purge leaves); webhook events and aliases. Events spread over `months`
 * months (12 unless told), each with its monthly partition of events, decisions and deliveries, as a
 * deployment that has run that long keeps them: the reconciler's windows (a day, a week) are the
 * small share of the tables they are there, and a lookup that prunes no partition probes every
 * month. Generated in SQL (generate_series), then ANALYZEd so the planner knows the sizes.
 * Expects a migrated database with its live persona set (version 1, the fallback persona).
 */
export async function seedLargeDatabase(db: DataSource, size: { customers: number; events: number; months?: number }): Promise<void> {
  const months = size.months ?? 12;
  if (!Number.isInteger(size.customers) || !Number.isInteger(size.events) || size.customers < 100 || size.events < 100) {
    throw new Error('seedLargeDatabase: customers and events must be whole numbers of at least 100');
  }
  if (!Number.isInteger(months) || months < 1 || months > 120) throw new Error('seedLargeDatabase: months must be a whole number from 1 to 120');
  await createPastPartitions(db, months);
  // A throwaway database: no WAL for the bulk rows (the planner sees the same tables either way).
  const tables: Array<{ name: string }> = await db.query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname = ANY($1::text[])`,
    [UNLOGGED],
  );
  for (const t of tables) await db.query(`ALTER TABLE "${t.name}" SET UNLOGGED`);
  // Sizes are spelled into the SQL (integers checked above): generate_series bounds as parameters
  // would need a cast in every statement.
  for (const statement of SEED) {
    const sql = statement.replaceAll(':customers', String(size.customers)).replaceAll(':events', String(size.events))
      // Events reach back `months` months less a day (never before the oldest partition made).
      .replaceAll(':spacing', String(Math.floor(((months * 30 - 1) * 86_400) / size.events)));
    await db.query(sql, sql.includes('$1') ? [IMPORT_CONNECTION_ID] : []);
  }
  await db.query('ANALYZE');
}

/**
 * The monthly partitions of the `months` months back from the current one (UTC), named and bounded
 * as the partition job makes them (PartitionStore); months that exist are left as they are.
 */
async function createPastPartitions(db: DataSource, months: number): Promise<void> {
  const starts: Array<{ name: string; start: string; end: string }> = await db.query(
    `SELECT to_char(m, 'YYYY_MM') AS name, to_char(m, 'YYYY-MM-DD') AS start, to_char(m + interval '1 month', 'YYYY-MM-DD') AS end
       FROM generate_series(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1), date_trunc('month', now() AT TIME ZONE 'UTC'), interval '1 month') m`,
    [months],
  );
  for (const table of ['touchpoint_events', 'decisions', 'deliveries']) {
    for (const m of starts) {
      await db.query(
        `CREATE TABLE IF NOT EXISTS "${table}_p${m.name}" PARTITION OF "${table}" FOR VALUES FROM ('${m.start} 00:00:00+00') TO ('${m.end} 00:00:00+00')`,
      );
    }
  }
}

const UNLOGGED = ['customers', 'customer_aliases', 'persona_history', 'persona_run_changes', 'customer_behaviour', 'customer_experience', 'treatment_fatigue',
  'touchpoint_events', 'decisions', 'deliveries', 'outcomes', 'outbox', 'webhook_events', 'measure_conversions'];

/**
 * A webhook id as the decide step mints it (mintWebhookId: a UUIDv7 under `msg_` whose timestamp is
 * the event's arrival, in ms) for nine deliveries in ten; the tenth as before it (a random UUIDv4).
 */
const WEBHOOK_ID = `CASE WHEN d.id % 10 = 0 THEN 'msg_' || substr(md5(d.id::text), 1, 12) || '4' || substr(md5(d.id::text), 14, 3) || '8' || substr(md5(d.id::text), 18, 15)
  ELSE 'msg_' || lpad(to_hex(floor(extract(epoch FROM d.event_received_at) * 1000)::bigint), 12, '0') || '7' || substr(md5(d.id::text), 1, 3) || '8' || substr(md5(d.id::text), 4, 15) END`;

const SEED: readonly string[] = [
  `INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('renewal', 'Renewal', 'loyalty', 'email', 1) ON CONFLICT DO NOTHING`,
  `INSERT INTO customers (connection_id, external_id, email, attributes, content_hash, crm_modified_at, data_changed_at)
     SELECT $1::uuid, 'c' || g, 'u' || g || '@example.com',
            jsonb_build_object('first_name', 'Ann' || (g % 997), 'last_name', 'Lee' || g, 'plan', CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'free' END),
            md5(g::text), now() - make_interval(secs => g), now() - make_interval(secs => g)
       FROM generate_series(1, :customers) g`,
  `INSERT INTO assignments (set_version, customer_id, persona_id, evaluated_at)
     SELECT 1, id, (SELECT (members->0->>'personaId')::uuid FROM persona_sets WHERE version = 1), now() FROM customers`,
  // A full run going live writes every customer's first persona to persona_run_changes; one customer
  // in ten changed since by incremental evaluation (persona_history).
  `INSERT INTO persona_run_changes (set_version, customer_id, id, from_persona_id, to_persona_id, cause, changed_at, xact_id)
     SELECT 1, id, nextval('persona_history_id_seq'), NULL, (SELECT (members->0->>'personaId')::uuid FROM persona_sets WHERE version = 1), 'new_customer', now(),
            pg_current_xact_id()::text::bigint
       FROM customers ORDER BY id`,
  `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
     SELECT id, NULL, (SELECT (members->0->>'personaId')::uuid FROM persona_sets WHERE version = 1), 1, 'data_change', now() FROM customers WHERE id % 10 = 0`,
  `INSERT INTO customer_aliases (connection_id, external_id, customer_id)
     SELECT $1::uuid, 'old-' || g, g FROM generate_series(1, :customers / 4) g`,
  `INSERT INTO customer_behaviour (customer_id, "values", next_change_at)
     SELECT id, '{}', CASE WHEN id % 100 = 0 THEN now() + interval '1 day' END FROM customers`,
  `INSERT INTO customer_experience (customer_id, score, feedback_count) SELECT id, 3.5, CASE WHEN id % 10 = 0 THEN 1 ELSE 0 END FROM customers`,
  `INSERT INTO treatment_fatigue (customer_id, treatment_key, ignored_streak) SELECT id, 'promo', 1 FROM customers`,
  `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at)
     SELECT 'api', 'e-' || g, 'renewal', (g % :customers) + 1, now() - make_interval(secs => g * :spacing), now() - make_interval(secs => g * :spacing)
       FROM generate_series(1, :events) g`,
  `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, treatment_key, outcome, decided_at, event_received_at)
     SELECT id, touchpoint_key, customer_id, 'everyone_else', 1, 1, 'promo', 'treated', received_at, received_at FROM touchpoint_events`,
  `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, status, attempts, delivered_at, response_settled_at, created_at, event_received_at)
     SELECT d.id, d.event_id, d.customer_id, 'promo', 'webhook', 'email', ${WEBHOOK_ID},
            CASE WHEN d.id % 1000 = 0 THEN 'retrying' WHEN d.id % 997 = 0 THEN 'dead' ELSE 'delivered' END, 1,
            d.decided_at, d.decided_at, d.decided_at, d.event_received_at
       FROM decisions d`,
  `INSERT INTO outcomes (source, idempotency_key, type, customer_id, event_id, decision_id, delivery_id, touchpoint_key, occurred_at, received_at, csat)
     SELECT 'api', 'o-' || v.id, CASE WHEN v.id % 5 = 0 THEN 'feedback' ELSE 'opened' END, v.customer_id, v.event_id, v.decision_id, v.id, 'renewal',
            v.created_at, v.created_at, CASE WHEN v.id % 5 = 0 THEN 4 END
       FROM deliveries v`,
  `INSERT INTO outbox (topic, ref, created_at, relayed_at, job_id)
     SELECT 'decide-event', id::text, now() - make_interval(secs => id % 86000), now() - make_interval(secs => id % 86000),
            'decide-batch.' || (id - id % 50) || '.' || (id - id % 50 + 49) || '.50'
       FROM touchpoint_events`,
  `INSERT INTO webhook_events (connection_id, event_id, kind, object_ids, received_at, processed_at)
     SELECT $1::uuid, 'we-' || g, 'contact.propertyChange', jsonb_build_array('c' || g), now(), now() FROM generate_series(1, :customers) g`,
  `INSERT INTO measure_conversions (decision_id, n) SELECT id, 1 FROM decisions WHERE id % 10 = 0`
];
