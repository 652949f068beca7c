import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Touchpoint events, decisions and deliveries partitioned by month of the EVENT's arrival, so a
 * retention job can drop a whole month at once (no DELETE: no bloat, and the measure triggers,
 * which subtract on DELETE, do not fire, so the counters keep their figures).
 *
 * Postgres wants every unique index of a partitioned table to include the partition key:
 * - decisions and deliveries carry `event_received_at`, a copy of their event's `received_at`, so a
 *   function of `event_id`: UNIQUE (event_id, touchpoint_key, event_received_at) is exactly as strong
 *   as UNIQUE (event_id, touchpoint_key), and likewise for (decision_id, treatment_key). An event and
 *   everything decided for it land in the same month, and age out together.
 * - event idempotency stays global in a small unpartitioned table, touchpoint_event_keys, claimed by
 *   a BEFORE INSERT trigger that skips the event when its key is taken (what ON CONFLICT DO NOTHING
 *   on the old unique index did, with the same blocking on a concurrent uncommitted claim).
 *
 * Converts in place: new partitioned tables, rows copied (identity values kept, sequences carried
 * on), old tables dropped, names swapped, indexes and triggers recreated under their old names. It
 * rewrites the three tables under an exclusive lock: on a large live database plan a maintenance
 * window (docs/capacity.md#partitions-and-retention). Literal SQL only: migrations are frozen.
 */

/** Partitions made ahead of the current month; the retention job keeps the same horizon. */
const MONTHS_AHEAD = 2;

const TABLES = ['touchpoint_events', 'decisions', 'deliveries'] as const;
type Table = (typeof TABLES)[number];

const PARTITION_KEY: Record<Table, string> = { touchpoint_events: 'received_at', decisions: 'event_received_at', deliveries: 'event_received_at' };

const PARTITIONED_PK: Record<Table, { name: string; columns: string }> = {
  touchpoint_events: { name: 'PK_172b81516fcaf8e36a3dd416503', columns: '"id", "received_at"' },
  decisions: { name: 'PK_8a107552bf8247ea7f0f4349639', columns: '"id", "event_received_at"' },
  deliveries: { name: 'PK_48ce6c2492abb428936ce53e5a3', columns: '"id", "event_received_at"' },
};
const PLAIN_PK: Record<Table, string> = {
  touchpoint_events: 'PK_00bb0776500e58485f0c6871e61',
  decisions: 'PK_48eee6fa229cd5e43648f6a2ec3',
  deliveries: 'PK_a6ef225c5c5f0974e503bfb731f',
};

/** Indexes both shapes share (recreated on the parent, which creates them on every partition). */
const COMMON_INDEXES: Record<Table, string[]> = {
  touchpoint_events: [
    `CREATE INDEX "touchpoint_events_customer_idx" ON "touchpoint_events" ("customer_id", "occurred_at")`,
    `CREATE INDEX "touchpoint_events_received_idx" ON "touchpoint_events" ("received_at")`,
  ],
  decisions: [`CREATE INDEX "decisions_customer_idx" ON "decisions" ("customer_id", "decided_at")`],
  deliveries: [
    `CREATE INDEX "deliveries_due_idx" ON "deliveries" ("status", "next_attempt_at") WHERE status IN ('held', 'pending', 'retrying')`,
    `CREATE INDEX "deliveries_customer_channel_idx" ON "deliveries" ("customer_id", "channel", "created_at")`,
    `CREATE INDEX "deliveries_dead_idx" ON "deliveries" ("id") WHERE status = 'dead'`,
    `CREATE INDEX "deliveries_awaiting_response_idx" ON "deliveries" ("delivered_at", "id") WHERE status = 'delivered' AND response_settled_at IS NULL`,
  ],
};
const PARTITIONED_INDEXES: Record<Table, string[]> = {
  // Lookup only: uniqueness lives in touchpoint_event_keys.
  touchpoint_events: [`CREATE INDEX "touchpoint_events_idempotency_idx" ON "touchpoint_events" ("source", "idempotency_key")`],
  decisions: [`CREATE UNIQUE INDEX "decisions_event_touchpoint_key" ON "decisions" ("event_id", "touchpoint_key", "event_received_at")`],
  deliveries: [
    `CREATE UNIQUE INDEX "deliveries_webhook_id_key" ON "deliveries" ("webhook_id", "event_received_at")`,
    `CREATE UNIQUE INDEX "deliveries_decision_treatment_key" ON "deliveries" ("decision_id", "treatment_key", "event_received_at")`,
  ],
};
const PLAIN_INDEXES: Record<Table, string[]> = {
  touchpoint_events: [`CREATE UNIQUE INDEX "touchpoint_events_idempotency_key" ON "touchpoint_events" ("source", "idempotency_key")`],
  decisions: [`CREATE UNIQUE INDEX "decisions_event_touchpoint_key" ON "decisions" ("event_id", "touchpoint_key")`],
  deliveries: [
    `CREATE UNIQUE INDEX "deliveries_webhook_id_key" ON "deliveries" ("webhook_id")`,
    `CREATE UNIQUE INDEX "deliveries_decision_treatment_key" ON "deliveries" ("decision_id", "treatment_key")`,
  ],
};

/** The measure counters' statement triggers (1797020000000-Measures); dropped with the old tables. */
function measureTriggers(table: 'decisions' | 'deliveries'): string[] {
  return [
    `CREATE TRIGGER "measure_${table}_insert" AFTER INSERT ON "${table}" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`,
    `CREATE TRIGGER "measure_${table}_update" AFTER UPDATE ON "${table}" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`,
    `CREATE TRIGGER "measure_${table}_delete" AFTER DELETE ON "${table}" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "measure_${table}_changed"()`,
  ];
}

/** `YYYY-MM` months from `first` to `last`, inclusive. */
function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number);
  const [ly, lm] = last.split('-').map(Number);
  while (y < ly || (y === ly && m <= lm)) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

function nextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

/** Partition names: `<table>_pYYYY_MM`, and `<table>_default` for rows outside every month made. */
function partitionSql(table: Table, parent: string, month: string): string {
  return `CREATE TABLE "${table}_p${month.replace('-', '_')}" PARTITION OF "${parent}" FOR VALUES FROM ('${month}-01 00:00:00+00') TO ('${nextMonth(month)}-01 00:00:00+00')`;
}

async function carrySequence(queryRunner: QueryRunner, from: string, to: string): Promise<void> {
  const [seq] = await queryRunner.query(`SELECT pg_get_serial_sequence($1, 'id') AS name`, [from]);
  const [state] = await queryRunner.query(`SELECT last_value::text AS last, is_called FROM ${seq.name}`);
  await queryRunner.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), $2::bigint, $3)`, [to, state.last, state.is_called]);
}

async function renameSequence(queryRunner: QueryRunner, table: string): Promise<void> {
  const [seq] = await queryRunner.query(`SELECT pg_get_serial_sequence($1, 'id') AS name`, [table]);
  await queryRunner.query(`ALTER SEQUENCE ${seq.name} RENAME TO "${table}_id_seq"`);
}

export class PartitionEvents1797200000000 implements MigrationInterface {
  name = 'PartitionEvents1797200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const t of TABLES) await queryRunner.query(`LOCK TABLE "${t}" IN ACCESS EXCLUSIVE MODE`);

    await queryRunner.query(
      `CREATE TABLE "touchpoint_event_keys" ("source" text NOT NULL, "idempotency_key" text NOT NULL, "event_id" bigint NOT NULL, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_a2aabceb0a2bb6d79818184bf28" PRIMARY KEY ("source", "idempotency_key"))`,
    );
    await queryRunner.query(`INSERT INTO "touchpoint_event_keys" (source, idempotency_key, event_id, received_at) SELECT source, idempotency_key, id, received_at FROM "touchpoint_events"`);
    await queryRunner.query(`CREATE INDEX "touchpoint_event_keys_received_idx" ON "touchpoint_event_keys" ("received_at")`);

    // Every month the existing events span, through MONTHS_AHEAD ahead (UTC months).
    const [span] = await queryRunner.query(
      `SELECT to_char(date_trunc('month', least(min(received_at), now()) AT TIME ZONE 'UTC'), 'YYYY-MM') AS first,
              to_char(date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => ${MONTHS_AHEAD}), 'YYYY-MM') AS last
         FROM "touchpoint_events"`,
    );
    const months = monthsBetween(span.first, span.last);

    for (const t of TABLES) {
      const extra = t === 'touchpoint_events' ? '' : `, "event_received_at" TIMESTAMP WITH TIME ZONE NOT NULL`;
      const pk = PARTITIONED_PK[t];
      await queryRunner.query(
        `CREATE TABLE "${t}__partitioned" (LIKE "${t}" INCLUDING DEFAULTS INCLUDING IDENTITY${extra}, CONSTRAINT "${pk.name}" PRIMARY KEY (${pk.columns})) PARTITION BY RANGE ("${PARTITION_KEY[t]}")`,
      );
      for (const month of months) await queryRunner.query(partitionSql(t, `${t}__partitioned`, month));
      await queryRunner.query(`CREATE TABLE "${t}_default" PARTITION OF "${t}__partitioned" DEFAULT`);
    }

    // Rows keep their ids. A decision or delivery whose event is gone (no foreign keys) files under its own time.
    await queryRunner.query(`INSERT INTO "touchpoint_events__partitioned" OVERRIDING SYSTEM VALUE SELECT * FROM "touchpoint_events"`);
    await queryRunner.query(
      `INSERT INTO "decisions__partitioned" OVERRIDING SYSTEM VALUE
       SELECT d.*, coalesce(e.received_at, d.decided_at) FROM "decisions" d LEFT JOIN "touchpoint_events" e ON e.id = d.event_id`,
    );
    await queryRunner.query(
      `INSERT INTO "deliveries__partitioned" OVERRIDING SYSTEM VALUE
       SELECT v.*, coalesce(e.received_at, (SELECT d.event_received_at FROM "decisions__partitioned" d WHERE d.id = v.decision_id LIMIT 1), v.created_at)
         FROM "deliveries" v LEFT JOIN "touchpoint_events" e ON e.id = v.event_id`,
    );
    for (const t of TABLES) await carrySequence(queryRunner, t, `${t}__partitioned`);

    // Dropping the old tables takes their indexes and the measure triggers (which do not fire on DROP).
    for (const t of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${t}"`);
    for (const t of TABLES) {
      await queryRunner.query(`ALTER TABLE "${t}__partitioned" RENAME TO "${t}"`);
      await renameSequence(queryRunner, t);
      for (const sql of [...COMMON_INDEXES[t], ...PARTITIONED_INDEXES[t]]) await queryRunner.query(sql);
    }
    for (const sql of [...measureTriggers('decisions'), ...measureTriggers('deliveries')]) await queryRunner.query(sql);

    // The global idempotency: claim the key, or skip the event (a BEFORE trigger's NULL) when it is taken.
    await queryRunner.query(`CREATE FUNCTION "touchpoint_events_claim_key"() RETURNS trigger LANGUAGE plpgsql AS $fn$
      BEGIN
        INSERT INTO touchpoint_event_keys (source, idempotency_key, event_id, received_at)
        VALUES (NEW.source, NEW.idempotency_key, NEW.id, NEW.received_at)
        ON CONFLICT (source, idempotency_key) DO NOTHING;
        IF FOUND THEN
          RETURN NEW;
        END IF;
        -- The same event again (moved out of the default partition by the retention job): keep it.
        IF EXISTS (SELECT 1 FROM touchpoint_event_keys WHERE source = NEW.source AND idempotency_key = NEW.idempotency_key AND event_id = NEW.id) THEN
          RETURN NEW;
        END IF;
        RETURN NULL;
      END $fn$`);
    await queryRunner.query(`CREATE TRIGGER "touchpoint_events_claim_key" BEFORE INSERT ON "touchpoint_events" FOR EACH ROW EXECUTE FUNCTION "touchpoint_events_claim_key"()`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const t of TABLES) await queryRunner.query(`LOCK TABLE "${t}" IN ACCESS EXCLUSIVE MODE`);
    await queryRunner.query(`DROP TRIGGER "touchpoint_events_claim_key" ON "touchpoint_events"`);
    await queryRunner.query(`DROP FUNCTION "touchpoint_events_claim_key"()`);

    for (const t of TABLES) {
      await queryRunner.query(`CREATE TABLE "${t}__plain" (LIKE "${t}" INCLUDING DEFAULTS INCLUDING IDENTITY)`);
      if (t !== 'touchpoint_events') await queryRunner.query(`ALTER TABLE "${t}__plain" DROP COLUMN "event_received_at"`);
      const cols: Array<{ name: string }> = await queryRunner.query(
        `SELECT quote_ident(attname) AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
        [`"${t}__plain"`],
      );
      const list = cols.map((c) => c.name).join(', ');
      await queryRunner.query(`INSERT INTO "${t}__plain" (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM "${t}"`);
      await carrySequence(queryRunner, t, `${t}__plain`);
    }
    for (const t of [...TABLES].reverse()) await queryRunner.query(`DROP TABLE "${t}"`);
    for (const t of TABLES) {
      await queryRunner.query(`ALTER TABLE "${t}__plain" RENAME TO "${t}"`);
      await renameSequence(queryRunner, t);
      await queryRunner.query(`ALTER TABLE "${t}" ADD CONSTRAINT "${PLAIN_PK[t]}" PRIMARY KEY ("id")`);
      for (const sql of [...COMMON_INDEXES[t], ...PLAIN_INDEXES[t]]) await queryRunner.query(sql);
    }
    for (const sql of [...measureTriggers('decisions'), ...measureTriggers('deliveries')]) await queryRunner.query(sql);
    await queryRunner.query(`DROP TABLE "touchpoint_event_keys"`);
  }
}
