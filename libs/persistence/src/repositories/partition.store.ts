import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { addMonths, Month, monthStart, planPartitions } from '@corridor/domain';

/** The partitioned event tables with their partition keys, children before parents (drop order). */
const TABLES = [
  { table: 'deliveries', key: 'event_received_at' },
  { table: 'decisions', key: 'event_received_at' },
  { table: 'touchpoint_events', key: 'received_at' },
] as const;

/** One maintenance at a time across worker processes. */
const MAINTENANCE_LOCK = `hashtext('corridor.partition-maintenance')`;

export interface PartitionMaintenance {
  created: Month[];
  dropped: Month[];
  /** Rows past retention deleted from the default partitions (rows no month partition took). */
  defaultRowsDeleted: number;
  keysPruned: number;
}

const partitionName = (table: string, month: Month) => `${table}_p${month.replace('-', '_')}`;
const bound = (month: Month) => `'${monthStart(month).toISOString()}'`;

/**
 * Creates the event tables' monthly partitions ahead and drops the ones past retention
 * (docs/capacity.md#partitions-and-retention). Dropping a partition, unlike DELETE, fires no
 * row or statement trigger: the measure counters keep what those rows counted.
 */
@Injectable()
export class PartitionStore {
  constructor(private readonly db: DataSource) {}

  /** Months with a partition, per table. */
  months(): Promise<Record<string, Month[]>> {
    return this.monthsIn(this.db.manager);
  }

  private async monthsIn(em: EntityManager): Promise<Record<string, Month[]>> {
    const rows: Array<{ parent: string; child: string }> = await em.query(
      `SELECT p.relname AS parent, c.relname AS child FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = ANY($1) AND p.relnamespace = current_schema()::regnamespace ORDER BY 2`,
      [TABLES.map((t) => t.table)],
    );
    const out: Record<string, Month[]> = Object.fromEntries(TABLES.map((t) => [t.table, [] as Month[]]));
    for (const r of rows) {
      const m = /_p(\d{4})_(\d{2})$/.exec(r.child);
      if (m && r.child === `${r.parent}_p${m[1]}_${m[2]}`) out[r.parent].push(`${m[1]}-${m[2]}`);
    }
    return out;
  }

  async maintain(now: Date, options: { retentionDays: number; monthsAhead: number }): Promise<PartitionMaintenance> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(${MAINTENANCE_LOCK})`);
      const existing = await this.monthsIn(em);
      const all = [...new Set(Object.values(existing).flat())];
      const plan = planPartitions(now, all, options);
      const result: PartitionMaintenance = { created: [], dropped: [], defaultRowsDeleted: 0, keysPruned: 0 };
      if (plan.create.length > 0 || (plan.horizon && plan.drop.length > 0)) {
        // Creating, detaching and dropping partitions lock the parents. Take all three at once, in the
        // order ingest and decide write them (events, decisions, deliveries), so they cannot deadlock;
        // and give up after 5 s rather than queue every insert behind a long read (the next run retries).
        await em.query(`SET LOCAL lock_timeout = '5s'`);
        await em.query(`LOCK TABLE touchpoint_events, decisions, deliveries IN ACCESS EXCLUSIVE MODE`);
      }
      for (const month of plan.create) {
        for (const t of [...TABLES].reverse()) {
          if (!existing[t.table].includes(month)) await this.createPartition(em, t.table, t.key, month);
        }
        result.created.push(month);
      }
      if (plan.horizon) {
        for (const month of plan.drop) {
          for (const t of TABLES) if (existing[t.table].includes(month)) await em.query(`DROP TABLE "${partitionName(t.table, month)}"`);
          result.dropped.push(month);
        }
        // Straight from the default partitions (not through the parents): no trigger takes counts off.
        for (const t of TABLES) {
          const [, n] = await em.query(`DELETE FROM "${t.table}_default" WHERE ${t.key} < $1`, [plan.horizon]);
          result.defaultRowsDeleted += Number(n) || 0;
        }
        const [, k] = await em.query(`DELETE FROM touchpoint_event_keys WHERE received_at < $1`, [plan.horizon]);
        result.keysPruned = Number(k) || 0;
      }
      return result;
    });
  }

  /**
   * A month's partition. Rows the default partition caught for that month (the job had not run) move
   * into it: the default is detached meanwhile, so Postgres does not refuse the new bounds.
   */
  private async createPartition(em: EntityManager, table: string, key: string, month: Month): Promise<void> {
    const name = partitionName(table, month);
    const range = `FOR VALUES FROM (${bound(month)}) TO (${bound(addMonths(month, 1))})`;
    const [{ stray }] = await em.query(`SELECT EXISTS (SELECT 1 FROM "${table}_default" WHERE ${key} >= $1 AND ${key} < $2) AS stray`, [
      monthStart(month),
      monthStart(addMonths(month, 1)),
    ]);
    if (!stray) {
      await em.query(`CREATE TABLE "${name}" PARTITION OF "${table}" ${range}`);
      return;
    }
    await em.query(`ALTER TABLE "${table}" DETACH PARTITION "${table}_default"`);
    await em.query(`CREATE TABLE "${name}" PARTITION OF "${table}" ${range}`);
    await em.query(
      `WITH moved AS (DELETE FROM "${table}_default" WHERE ${key} >= $1 AND ${key} < $2 RETURNING *) INSERT INTO "${name}" OVERRIDING SYSTEM VALUE SELECT * FROM moved`,
      [monthStart(month), monthStart(addMonths(month, 1))],
    );
    await em.query(`ALTER TABLE "${table}" ATTACH PARTITION "${table}_default" DEFAULT`);
  }
}
