import 'reflect-metadata';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@corridor/persistence';

const ADMIN_URL = process.env.BENCH_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function urlFor(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated database for one benchmark run; dropped by `drop()`. */
export async function createBenchDatabase(prefix: string): Promise<{ name: string; url: string; ds: DataSource; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = urlFor(name);
  const ds = new DataSource(dataSourceOptions({ url, applicationName: 'corridor-bench', poolSize: 4 }));
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  return {
    name,
    url,
    ds,
    async drop() {
      await ds.destroy().catch(() => undefined);
      const c = new Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]?.replace(/_/g, ''));
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}

/** Peak resident memory of a process (Linux VmHWM), in MB. */
export async function peakRssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc; 0 when unreadable). */
export async function cpuMs(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command (which may contain spaces) start at state; utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? ticks * 10 : 0; // USER_HZ is 100 on Linux
}

/**
 * CPU time used so far by each Postgres backend serving the bench's database, by pid: the
 * difference of two readings is what Postgres spent on it (a backend that connected in between
 * counts from zero; one that closed is missed, and pools keep theirs while busy).
 */
export async function postgresBackendsCpuMs(ds: DataSource): Promise<Map<number, number>> {
  const pids: number[] = (await ds.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)).map((r: { pid: number }) => r.pid);
  return new Map(await Promise.all(pids.map(async (pid) => [pid, await cpuMs(pid)] as const)));
}

export function cpuSpentMs(before: Map<number, number>, after: Map<number, number>): number {
  return [...after].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);
}

/** What Postgres did for the bench's database so far: statements (pg_stat_statements, when loaded), commits, rollbacks. */
export interface PostgresWork {
  /** Per query text: calls and execution ms; null when the server does not load pg_stat_statements. */
  statements: Map<string, { calls: number; ms: number }> | null;
  commits: number;
  rollbacks: number;
}

/**
 * Reads the counters `postgresWorkSpent` subtracts. Statements come from pg_stat_statements when
 * the server preloads it (`shared_preload_libraries`; a server of your own, as docs/benchmarks.md
 * says), commits from pg_stat_database after asking every backend to flush its pending counts
 * (backends report them at most once a second, so the reading can lag by that much).
 */
export async function postgresWork(ds: DataSource): Promise<PostgresWork> {
  let statements: PostgresWork['statements'] = null;
  try {
    await ds.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const rows: Array<{ query: string; calls: string; ms: number }> = await ds.query(
      `SELECT query, sum(calls)::text AS calls, sum(total_exec_time)::float8 AS ms FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY query`,
    );
    statements = new Map(rows.map((r) => [r.query, { calls: Number(r.calls), ms: r.ms }]));
  } catch {
    // Not preloaded on this server: statements stay unknown.
  }
  await new Promise((r) => setTimeout(r, 1100)); // idle backends flush their pending counts within a second
  const [db] = await ds.query(`SELECT xact_commit::text AS commits, xact_rollback::text AS rollbacks FROM pg_stat_database WHERE datname = current_database()`);
  return { statements, commits: Number(db.commits), rollbacks: Number(db.rollbacks) };
}

/** The work between two readings: per-event totals and the statements costing most. */
export function postgresWorkSpent(before: PostgresWork, after: PostgresWork, events: number, top = 12) {
  const per = (n: number) => round(n / Math.max(1, events), 3);
  const out: {
    transactions_per_event: number;
    statements_per_event?: number;
    exec_ms_per_event?: number;
    top_statements?: Array<{ query: string; calls_per_event: number; ms_per_event: number }>;
  } = { transactions_per_event: per(after.commits - before.commits + after.rollbacks - before.rollbacks) };
  if (before.statements && after.statements) {
    const spent = [...after.statements].map(([query, a]) => {
      const b = before.statements!.get(query) ?? { calls: 0, ms: 0 };
      return { query, calls: a.calls - b.calls, ms: a.ms - b.ms };
    });
    out.statements_per_event = per(spent.reduce((s, x) => s + x.calls, 0));
    out.exec_ms_per_event = per(spent.reduce((s, x) => s + x.ms, 0));
    out.top_statements = spent
      .sort((x, y) => y.ms - x.ms)
      .slice(0, top)
      .map((x) => ({ query: x.query.replace(/\s+/g, ' ').slice(0, 160), calls_per_event: per(x.calls), ms_per_event: per(x.ms) }));
  }
  return out;
}
