import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  PersonaSetReason,
  FullRunResult,
  PersonaSetDraft,
  PersonaSet,
  PreviewResult,
  progressOf,
  SegmentCounts,
  SegmentationRun,
  SegmentationRunKind,
  SegmentationRunStatus,
} from '@corridor/domain';
import { PoolClient } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource, EntityManager } from 'typeorm';
import { copyLinesInto, forEachCopyLine, unescapeCopyField } from './copy-text';
import { PersonaSetEntity } from '../entities/persona-set.entity';
import { BEHAVIOUR_JOIN, EVALUATED_ATTRIBUTES, STALE_BEHAVIOUR, STALE_DATA } from './evaluated-attributes';
import { toPersonaSet } from './persona-set.repository';
import { personaChangesWhere } from './persona-changes';

/** Incremental evaluation holds this lock shared; a run going live holds it exclusively. */
const SEGMENTATION_LOCK = `hashtext('corridor.segmentation')`;
/** Serialises publishes (and the superseding they do). */
const PUBLISH_LOCK = `hashtext('corridor.segmentation.publish')`;
const MAX_ID = '9223372036854775807';

export interface CustomerForEvaluation {
  id: string;
  attributes: Record<string, unknown>;
  /** Persona in the baseline (live) set, if any. */
  currentPersonaId: string | null;
}

export interface ChunkAssignments {
  customerIds: string[];
  personaIds: string[];
}

export interface ChunkOutcome {
  customers: number;
  assignments?: ChunkAssignments;
  counts?: SegmentCounts;
}

export interface RunPlan {
  run: SegmentationRun;
  chunks: number[];
}

export type ChunkWork = (customers: (visit: (c: CustomerForEvaluation) => void) => Promise<number>, run: SegmentationRun) => Promise<ChunkOutcome>;

function assertInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer`);
  return n;
}

function partitionOf(version: number): string {
  return `assignments_v${assertInt(version, 'set version')}`;
}

interface RunRow {
  id: string;
  kind: string;
  status: string;
  set_version: number | null;
  baseline_version: number | null;
  draft: unknown;
  evaluated_at: Date;
  total: number;
  chunks_total: number;
  result: unknown;
  error: string | null;
  started_at: Date;
  finished_at: Date | null;
  chunks_done?: number;
  customers_done?: number;
  chunks_retrying?: number;
  stalls?: number;
  failures?: number;
}

/**
 * Persona sets, runs and assignments: the bulk paths of segmentation. Writes of a run's chunk, a
 * run going live and an incremental evaluation each happen in one transaction, so a worker killed
 * at any point leaves either all of its work or none.
 */
@Injectable()
export class SegmentationStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Freezes a new persona set and plans its full run: supersedes any set still being published
   * (its run stops at its next chunk and never goes live), creates the set's partition, splits the
   * live customers into id ranges.
   */
  async publish(
    draft: PersonaSetDraft,
    options: { timeZone: string; publishedBy: string | null; chunkSize: number; now: Date; reason?: PersonaSetReason; em?: EntityManager },
  ): Promise<{ set: PersonaSet; plan: RunPlan } | null> {
    // Within the caller's transaction when given one (config as code publishes with its other changes).
    const inTransaction = <T>(fn: (em: EntityManager) => Promise<T>) => (options.em ? fn(options.em) : this.db.transaction(fn));
    return inTransaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(${PUBLISH_LOCK})`);
      const reason = options.reason ?? 'publish';
      // A refresh never interrupts a publish: the publish applies the same clock anyway.
      if (reason === 'refresh') {
        const [busy] = await em.query(`SELECT 1 FROM segmentation_runs WHERE kind = 'full' AND status = 'running' LIMIT 1`);
        if (busy) return null;
      }
      await em.query(`UPDATE segmentation_runs SET status = 'superseded', finished_at = now() WHERE kind = 'full' AND status = 'running'`);
      await em.query(`UPDATE persona_sets SET status = 'superseded' WHERE status = 'publishing'`);
      const [{ version }] = await em.query(`SELECT coalesce(max(version), 0) + 1 AS version FROM persona_sets`);
      const [live] = await em.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
      await em.query(
        `INSERT INTO persona_sets (version, members, catalog, time_zone, status, reason, published_by) VALUES ($1, $2, $3, $4, 'publishing', $5, $6)`,
        [version, JSON.stringify(draft.members), JSON.stringify(draft.catalog), options.timeZone, reason, options.publishedBy],
      );
      await em.query(`CREATE TABLE ${partitionOf(version)} PARTITION OF assignments FOR VALUES IN (${version})`);
      const plan = await this.planRun(em, 'full', { setVersion: version, baselineVersion: live?.version ?? null, draft: null }, options);
      return { set: toPersonaSet(await em.getRepository(PersonaSetEntity).findOneByOrFail({ version })), plan };
    });
  }

  /** Plans a preview run of a draft set against today's live assignments; nothing is published. */
  async planPreview(draft: PersonaSetDraft & { timeZone: string }, options: { chunkSize: number; now: Date }): Promise<RunPlan> {
    return this.db.transaction(async (em) => {
      const [live] = await em.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
      return this.planRun(em, 'preview', { setVersion: null, baselineVersion: live.version, draft }, options);
    });
  }

  private async planRun(
    em: EntityManager,
    kind: SegmentationRunKind,
    what: { setVersion: number | null; baselineVersion: number | null; draft: unknown },
    options: { chunkSize: number; now: Date },
  ): Promise<RunPlan> {
    const chunkSize = assertInt(options.chunkSize, 'chunk size');
    const [{ total, low, high }] = await em.query(
      `SELECT count(*)::int AS total, min(id)::text AS low, max(id)::text AS high
         FROM customers WHERE deleted_at IS NULL AND merged_into_id IS NULL`,
    );
    // Even id ranges: ids come from one identity sequence, so ranges hold about the same number of
    // customers (deletions only thin them), and planning costs an index look-up, not a scan.
    const chunks = total === 0 ? 0 : Math.ceil(total / chunkSize);
    const span = total === 0 ? 0n : BigInt(high) - BigInt(low) + 1n;
    const froms: string[] = [];
    const tos: string[] = [];
    for (let i = 0; i < chunks; i++) {
      // The first range starts at 1 and the last is open-ended, so the ranges cover every id.
      froms.push(i === 0 ? '1' : (BigInt(low) + (span * BigInt(i)) / BigInt(chunks)).toString());
      tos.push(i === chunks - 1 ? MAX_ID : (BigInt(low) + (span * BigInt(i + 1)) / BigInt(chunks) - 1n).toString());
    }
    const [{ id }] = await em.query(
      `INSERT INTO segmentation_runs (kind, status, set_version, baseline_version, draft, evaluated_at, total, chunks_total)
       VALUES ($1, 'running', $2, $3, $4, $5, $6, $7) RETURNING id`,
      [kind, what.setVersion, what.baselineVersion, what.draft === null ? null : JSON.stringify(what.draft), options.now, total, chunks],
    );
    if (chunks) {
      await em.query(
        `INSERT INTO segmentation_chunks (run_id, chunk, from_id, to_id)
         SELECT $1, n - 1, f, t FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS x(f, t, n)`,
        [id, froms, tos],
      );
    }
    const run = (await this.getRun(id, em))!;
    return { run, chunks: Array.from({ length: chunks }, (_, i) => i) };
  }

  async getRun(id: string, em: EntityManager = this.db.manager): Promise<SegmentationRun | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    const rows: RunRow[] = await em.query(
      `SELECT r.*, coalesce(c.chunks_done, 0)::int AS chunks_done, coalesce(c.customers_done, 0)::int AS customers_done,
              coalesce(c.chunks_retrying, 0)::int AS chunks_retrying, coalesce(c.stalls, 0)::int AS stalls, coalesce(c.failures, 0)::int AS failures
         FROM segmentation_runs r
         LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE done) AS chunks_done, sum(customers) FILTER (WHERE done) AS customers_done,
                                   count(*) FILTER (WHERE NOT done AND (stalls > 0 OR failures > 0)) AS chunks_retrying,
                                   sum(stalls) AS stalls, sum(failures) AS failures
                              FROM segmentation_chunks WHERE run_id = r.id) c ON true
        WHERE r.id = $1`,
      [id],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async listRuns(limit = 20): Promise<SegmentationRun[]> {
    const rows: Array<{ id: string }> = await this.db.query(`SELECT id FROM segmentation_runs ORDER BY started_at DESC LIMIT $1`, [limit]);
    return (await Promise.all(rows.map((r) => this.getRun(r.id)))).filter((r): r is SegmentationRun => r !== null);
  }

  /** The draft a preview run evaluates. */
  async runDraft(id: string): Promise<(PersonaSetDraft & { timeZone: string }) | null> {
    const [row] = await this.db.query(`SELECT draft FROM segmentation_runs WHERE id = $1`, [id]);
    return row?.draft ?? null;
  }

  /**
   * Runs one chunk exactly once: the chunk's customers are streamed (COPY) to `work` (with their
   * baseline persona, for previews), and its assignments (COPY) or counts are written in the same
   * transaction that marks the chunk done. A superseded run's chunks do nothing.
   */
  async runChunk(runId: string, chunk: number, work: ChunkWork): Promise<{ status: 'done' | 'skipped'; customers: number }> {
    const qr = this.db.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    try {
      await client.query('BEGIN');
      // FOR SHARE: a publish superseding this run waits for the chunk to commit, then the next chunk sees it.
      const { rows: runs } = await client.query<RunRow>(`SELECT * FROM segmentation_runs WHERE id = $1 FOR SHARE`, [runId]);
      const { rows: chunks } = await client.query<{ from_id: string; to_id: string; done: boolean }>(
        `SELECT from_id::text, to_id::text, done FROM segmentation_chunks WHERE run_id = $1 AND chunk = $2 FOR UPDATE`,
        [runId, chunk],
      );
      if (!runs[0] || !chunks[0] || runs[0].status !== 'running' || chunks[0].done) {
        await client.query('ROLLBACK');
        return { status: 'skipped', customers: 0 };
      }
      const run = toRun(runs[0]);
      const { from_id, to_id } = chunks[0];
      // Before the customers are streamed (that statement's snapshot sees at least as much): stored
      // with the assignments, for the reconciler to ask whether a later change was visible to it.
      const { rows: [{ snapshot }] } = await client.query<{ snapshot: string }>(`SELECT pg_current_snapshot()::text AS snapshot`);
      // Full runs find their changes when going live, so only previews need the baseline here.
      const baseline = run.kind === 'preview' ? run.baselineVersion : null;
      const stream = (visit: (c: CustomerForEvaluation) => void) =>
        streamCustomers(client, { from: BigInt(from_id), to: BigInt(to_id) }, baseline, visit);
      const outcome = await work(stream, run);

      if (outcome.assignments && run.setVersion !== null) {
        await writeAssignments(client, run.setVersion, outcome.assignments, run.evaluatedAt, snapshot);
      }
      await client.query(
        `UPDATE segmentation_chunks SET done = true, customers = $3, counts = $4, processed_by = $5, finished_at = clock_timestamp()
          WHERE run_id = $1 AND chunk = $2`,
        [
          runId,
          chunk,
          outcome.customers,
          outcome.counts ? JSON.stringify(outcome.counts) : null,
          `${hostname()}:${process.pid}`,
        ],
      );
      await client.query('COMMIT');
      return { status: 'done', customers: outcome.customers };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      await qr.release();
    }
  }

  /** Chunk counts of a preview, for the finalize step to add up. */
  async chunkCounts(runId: string): Promise<{ done: number; total: number; counts: SegmentCounts[] }> {
    const rows: Array<{ done: boolean; counts: SegmentCounts | null }> = await this.db.query(
      `SELECT done, counts FROM segmentation_chunks WHERE run_id = $1`,
      [runId],
    );
    return { done: rows.filter((r) => r.done).length, total: rows.length, counts: rows.filter((r) => r.counts).map((r) => r.counts!) };
  }

  async completePreview(runId: string, result: PreviewResult): Promise<void> {
    await this.db.query(
      `UPDATE segmentation_runs SET status = 'completed', result = $2, finished_at = now() WHERE id = $1 AND status = 'running'`,
      [runId, JSON.stringify(result)],
    );
  }

  async failRun(runId: string, error: string): Promise<void> {
    await this.db.query(`UPDATE segmentation_runs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'`, [
      runId,
      error,
    ]);
  }

  /**
   * Makes a full run's set live, atomically: applies the evaluations of customers that changed
   * during the run, writes persona_run_changes for customers whose persona changes, and switches the live set.
   * Incremental evaluations wait meanwhile (they hold the segmentation lock shared). Returns null
   * when the run was superseded.
   */
  async goLive(runId: string): Promise<FullRunResult | null> {
    const result = await this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(${SEGMENTATION_LOCK})`);
      const [row]: RunRow[] = await em.query(`SELECT * FROM segmentation_runs WHERE id = $1 FOR UPDATE`, [runId]);
      if (!row || row.status !== 'running' || row.kind !== 'full' || row.set_version === null) return null;
      const [{ pending }] = await em.query(`SELECT count(*)::int AS pending FROM segmentation_chunks WHERE run_id = $1 AND NOT done`, [runId]);
      if (pending > 0) throw new ConflictError(`Run ${runId} still has ${pending} chunks to do`, [], 'RUN_NOT_FINISHED');
      const version = row.set_version;
      const [live] = await em.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
      const liveVersion: number | null = live?.version ?? null;

      // Changes that landed while the chunks ran were evaluated under this set too (see
      // evaluateIncrementally); they win over what a chunk read earlier. What they replace and add
      // is counted, to correct the chunks' per-persona totals.
      const replaced: Array<{ persona_id: string; n: number }> = await em.query(
        `WITH gone AS (DELETE FROM ${partitionOf(version)} a USING segmentation_run_overrides o
                        WHERE o.run_id = $1 AND a.customer_id = o.customer_id RETURNING a.persona_id)
         SELECT persona_id, count(*)::int AS n FROM gone GROUP BY persona_id`,
        [runId],
      );
      const added: Array<{ persona_id: string; n: number }> = await em.query(
        `WITH put AS (INSERT INTO ${partitionOf(version)} (set_version, customer_id, persona_id, evaluated_at, read_snapshot)
                      SELECT $2, customer_id, persona_id, clock_timestamp(), read_snapshot FROM segmentation_run_overrides WHERE run_id = $1 AND persona_id IS NOT NULL
                      RETURNING persona_id)
         SELECT persona_id, count(*)::int AS n FROM put GROUP BY persona_id`,
        [runId, version],
      );
      await em.query(`DELETE FROM segmentation_run_overrides WHERE run_id = $1 OR run_id NOT IN (SELECT id FROM segmentation_runs WHERE status = 'running')`, [runId]);

      // History: compare the new set's assignments with the live ones as they are now (incremental
      // evaluations included). Both partitions are ordered by customer id, so this is one merge, and
      // one INSERT … SELECT. The moment and the transaction id are taken once for the statement
      // (InitPlans) rather than per row: every row of a run shares them anyway. The rows go to
      // persona_run_changes, whose B-trees take them at their right edge (this version is the newest
      // to go live; the merge yields customer order), with ids from persona_history's sequence:
      // one id order across both tables (persona-changes.ts).
      const liveSide = liveVersion === null ? `(SELECT NULL::bigint AS customer_id, NULL::uuid AS persona_id) o ON false` : `${partitionOf(liveVersion)} o ON o.customer_id = n.customer_id`;
      const [{ reason }] = await em.query(`SELECT reason FROM persona_sets WHERE version = $1`, [version]);
      const history: Array<{ n: number; last: string | null }> = await em.query(
        `WITH moved AS (
           INSERT INTO persona_run_changes (customer_id, id, from_persona_id, to_persona_id, set_version, cause, changed_at, xact_id)
           SELECT n.customer_id, nextval('persona_history_id_seq'), o.persona_id, n.persona_id, $1,
                  CASE WHEN o.persona_id IS NULL THEN 'new_customer' WHEN $2 = 'refresh' THEN 'time_passed' ELSE 'rule_change' END,
                  (SELECT clock_timestamp()), (SELECT pg_current_xact_id()::text::bigint)
             FROM ${partitionOf(version)} n LEFT JOIN ${liveSide}
            WHERE o.persona_id IS DISTINCT FROM n.persona_id
           RETURNING id)
         SELECT count(*)::int AS n, max(id)::text AS last FROM moved`,
        [version, reason],
      );
      await em.query(`UPDATE persona_sets SET status = 'retired' WHERE status = 'live'`);
      await em.query(`UPDATE persona_sets SET status = 'live', live_at = now() WHERE version = $1`, [version]);
      const perPersona = await this.perPersonaTotals(em, runId, version, replaced, added);
      const result: FullRunResult = {
        customers: Object.values(perPersona).reduce((s, n) => s + n, 0),
        changed: history[0].n,
        perPersona,
        lastHistoryId: history[0].last,
      };
      await em.query(`UPDATE segmentation_runs SET status = 'completed', result = $2, finished_at = clock_timestamp() WHERE id = $1`, [
        runId,
        JSON.stringify(result),
      ]);
      return result;
    });
    if (result) await this.dropRetiredPartitions();
    return result;
  }

  /**
   * Customers per persona key in the new set (every member named, 0 included): the chunks' own
   * counts corrected by the overrides applied at go-live. A chunk written without counts (by a worker
   * from before chunks counted) makes it fall back to counting the partition.
   */
  private async perPersonaTotals(
    em: EntityManager,
    runId: string,
    version: number,
    replaced: Array<{ persona_id: string; n: number }>,
    added: Array<{ persona_id: string; n: number }>,
  ): Promise<Record<string, number>> {
    const members: Array<{ key: string; persona_id: string }> = await em.query(
      `SELECT m->>'key' AS key, m->>'personaId' AS persona_id FROM persona_sets s CROSS JOIN LATERAL jsonb_array_elements(s.members) m WHERE s.version = $1`,
      [version],
    );
    const chunks: Array<{ counts: SegmentCounts | null }> = await em.query(`SELECT counts FROM segmentation_chunks WHERE run_id = $1`, [runId]);
    const perPersona: Record<string, number> = Object.create(null);
    if (chunks.some((c) => c.counts === null)) {
      const rows: Array<{ key: string; n: number }> = await em.query(
        `SELECT m->>'key' AS key, count(a.customer_id)::int AS n
           FROM persona_sets s CROSS JOIN LATERAL jsonb_array_elements(s.members) m
           LEFT JOIN ${partitionOf(version)} a ON a.persona_id = (m->>'personaId')::uuid
          WHERE s.version = $1 GROUP BY m->>'key'`,
        [version],
      );
      for (const r of rows) perPersona[r.key] = r.n;
      return { ...perPersona };
    }
    const keyOf = new Map(members.map((m) => [m.persona_id, m.key]));
    for (const m of members) perPersona[m.key] = 0;
    for (const { counts } of chunks) for (const [k, n] of Object.entries(counts!.perPersona)) perPersona[k] = (perPersona[k] ?? 0) + n;
    for (const r of replaced) perPersona[keyOf.get(r.persona_id)!] -= r.n;
    for (const r of added) perPersona[keyOf.get(r.persona_id)!] += r.n;
    return { ...perPersona };
  }

  /** Old sets' assignments go whole: a partition drop, not a million-row delete. */
  async dropRetiredPartitions(): Promise<void> {
    const rows: Array<{ name: string }> = await this.db.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = 'assignments'
          AND substring(c.relname FROM '^assignments_v([0-9]+)$')::int IN (SELECT version FROM persona_sets WHERE status IN ('retired', 'superseded'))`,
    );
    for (const { name } of rows) {
      if (/^assignments_v[0-9]+$/.test(name)) await this.db.query(`DROP TABLE IF EXISTS ${name}`);
    }
  }

  /**
   * Incremental evaluation of a few customers under the live set, in one transaction: assignments
   * upserted (or removed for deleted customers), a history row for each customer whose persona
   * changed. `evaluate` gets the live set's version and the customers.
   */
  async evaluateIncrementally(
    customerIds: readonly string[],
    cause: 'data_change' | 'new_customer',
    evaluate: (setVersion: number, customers: CustomerForEvaluation[]) => Promise<string[]> | string[],
  ): Promise<{ setVersion: number; evaluated: number; changed: number; removed: number; lastHistoryId: string | null }> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock_shared(${SEGMENTATION_LOCK})`);
      const [{ version }] = await em.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
      // Taken before the customers are read (the read's own snapshot sees at least as much), and
      // stored with the assignments: the reconciler asks whether a change was visible to it.
      const [{ snapshot }]: Array<{ snapshot: string }> = await em.query(`SELECT pg_current_snapshot()::text AS snapshot`);
      const rows: Array<{ id: string; attributes: Record<string, unknown>; live: boolean; current: string | null }> = await em.query(
        `SELECT c.id::text AS id, ${EVALUATED_ATTRIBUTES} AS attributes, (c.deleted_at IS NULL AND c.merged_into_id IS NULL) AS live, a.persona_id AS current
           FROM customers c ${BEHAVIOUR_JOIN} LEFT JOIN assignments a ON a.set_version = $2 AND a.customer_id = c.id
          WHERE c.id = ANY($1::bigint[])`,
        [customerIds, version],
      );
      const gone = rows.filter((r) => !r.live && r.current !== null).map((r) => r.id);
      if (gone.length) await em.query(`DELETE FROM assignments WHERE set_version = $1 AND customer_id = ANY($2::bigint[])`, [version, gone]);
      const liveRows = rows.filter((r) => r.live);
      const forEvaluation = liveRows.map((r) => ({ id: r.id, attributes: r.attributes, currentPersonaId: r.current }));
      const personaIds = await evaluate(version, forEvaluation);
      if (liveRows.length) {
        await em.query(
          `INSERT INTO assignments (set_version, customer_id, persona_id, evaluated_at, read_snapshot)
           SELECT $1, c, p, now(), $4 FROM unnest($2::bigint[], $3::uuid[]) AS x(c, p)
           ON CONFLICT (set_version, customer_id) DO UPDATE SET persona_id = EXCLUDED.persona_id, evaluated_at = EXCLUDED.evaluated_at,
             read_snapshot = EXCLUDED.read_snapshot`,
          [version, liveRows.map((r) => r.id), personaIds, snapshot],
        );
      }
      // A full run in progress may have read these customers before they changed: record their
      // persona under its set too, for it to apply when it goes live (goLive holds this lock exclusively).
      const [running] = await em.query(`SELECT id, set_version FROM segmentation_runs WHERE kind = 'full' AND status = 'running' LIMIT 1`);
      if (running && rows.length) {
        const next = liveRows.length ? await evaluate(running.set_version, forEvaluation) : [];
        const byId = new Map(liveRows.map((r, i) => [r.id, next[i]]));
        await em.query(
          `INSERT INTO segmentation_run_overrides (run_id, customer_id, persona_id, read_snapshot)
           SELECT $1, c, p, $4 FROM unnest($2::bigint[], $3::uuid[]) AS x(c, p)
           ON CONFLICT (run_id, customer_id) DO UPDATE SET persona_id = EXCLUDED.persona_id, read_snapshot = EXCLUDED.read_snapshot`,
          [running.id, rows.map((r) => r.id), rows.map((r) => byId.get(r.id) ?? null), snapshot],
        );
      }
      const moved = liveRows.map((r, i) => ({ r, to: personaIds[i] })).filter(({ r, to }) => r.current !== to);
      let lastHistoryId: string | null = null;
      if (moved.length) {
        const inserted: Array<{ id: string }> = await em.query(
          `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
           SELECT c, f, t, $4, CASE WHEN f IS NULL THEN 'new_customer' ELSE $5 END, now()
             FROM unnest($1::bigint[], $2::uuid[], $3::uuid[]) AS x(c, f, t)
           RETURNING id::text AS id`,
          [moved.map((m) => m.r.id), moved.map((m) => m.r.current), moved.map((m) => m.to), version, cause],
        );
        lastHistoryId = inserted[inserted.length - 1].id;
      }
      return { setVersion: version, evaluated: liveRows.length, changed: moved.length, removed: gone.length, lastHistoryId };
    });
  }

  /**
   * Customers whose live assignment disagrees with their data: live but unassigned or assigned
   * without seeing their last change (STALE_DATA, STALE_BEHAVIOUR: commit order, not timestamps),
   * or deleted/merged but still assigned.
   */
  async staleCustomers(limit: number): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT c.id::text AS id
         FROM customers c
         JOIN persona_sets s ON s.status = 'live'
         LEFT JOIN assignments a ON a.set_version = s.version AND a.customer_id = c.id
         ${BEHAVIOUR_JOIN}
        WHERE CASE WHEN c.deleted_at IS NULL AND c.merged_into_id IS NULL
                   -- behavioural values changing count as data changing (their evaluation job may be lost too)
                   THEN a.customer_id IS NULL OR ${STALE_DATA} OR ${STALE_BEHAVIOUR}
                   ELSE a.customer_id IS NOT NULL END
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Persona id → key for every persona there ever was (history and baselines may name archived ones). */
  async personaKeysById(): Promise<Map<string, string>> {
    const rows: Array<{ id: string; key: string }> = await this.db.query(`SELECT id, key FROM personas`);
    return new Map(rows.map((r) => [r.id, r.key]));
  }

  /** Customers the live set puts in a persona, by id (keyset paging), optionally from one connection. */
  async customersInPersona(personaId: string, options: { limit: number; afterId?: string; connectionId?: string }): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT a.customer_id::text AS id FROM assignments a
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live'
         JOIN customers c ON c.id = a.customer_id
        WHERE a.persona_id = $1 AND a.customer_id > $2 AND ($3::uuid IS NULL OR c.connection_id = $3)
        ORDER BY a.customer_id LIMIT $4`,
      [personaId, options.afterId ?? '0', options.connectionId ?? null, options.limit],
    );
    return rows.map((r) => r.id);
  }

  /** A customer's live assignment with the set that made it. */
  async liveAssignment(customerId: string): Promise<{ setVersion: number; personaId: string; evaluatedAt: Date } | null> {
    const rows: Array<{ set_version: number; persona_id: string; evaluated_at: Date }> = await this.db.query(
      `SELECT a.set_version, a.persona_id, a.evaluated_at FROM assignments a
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live' WHERE a.customer_id = $1`,
      [customerId],
    );
    return rows[0] ? { setVersion: rows[0].set_version, personaId: rows[0].persona_id, evaluatedAt: rows[0].evaluated_at } : null;
  }

  async history(customerId: string, limit = 100): Promise<Array<{ id: string; fromPersonaId: string | null; toPersonaId: string; setVersion: number; cause: string; changedAt: Date }>> {
    const rows: Array<{ id: string; from_persona_id: string | null; to_persona_id: string; set_version: number; cause: string; changed_at: Date }> =
      await this.db.query(
        // Ordered by the bigint column: `ORDER BY id` would sort the text alias ("9" after "10").
        `SELECT h.id::text AS id, h.from_persona_id, h.to_persona_id, h.set_version, h.cause, h.changed_at FROM ${personaChangesWhere('= $1')} h
          ORDER BY h.id DESC LIMIT $2`,
        [customerId, limit],
      );
    return rows.map((r) => ({
      id: r.id,
      fromPersonaId: r.from_persona_id,
      toPersonaId: r.to_persona_id,
      setVersion: r.set_version,
      cause: r.cause,
      changedAt: r.changed_at,
    }));
  }
}

async function streamCustomers(
  client: PoolClient,
  range: { from: bigint; to: bigint },
  baselineVersion: number | null,
  visit: (c: CustomerForEvaluation) => void,
): Promise<number> {
  // COPY takes no bind parameters: everything spliced in below is a validated integer.
  const ids = `BETWEEN ${range.from} AND ${range.to}`;
  // The range is repeated on the baseline side so Postgres reads only that slice of its index
  // instead of joining against the whole partition for every chunk.
  const join =
    baselineVersion === null
      ? `(SELECT NULL::uuid AS persona_id) a ON false`
      : `${partitionOf(baselineVersion)} a ON a.customer_id = c.id AND a.customer_id ${ids}`;
  const sql = `COPY (SELECT c.id, a.persona_id, ${EVALUATED_ATTRIBUTES} FROM customers c ${BEHAVIOUR_JOIN} LEFT JOIN ${join}
                     WHERE c.id ${ids} AND c.deleted_at IS NULL AND c.merged_into_id IS NULL) TO STDOUT`;
  let n = 0;
  await forEachCopyLine(client.query(copyTo(sql)), (line) => {
    const t1 = line.indexOf('\t');
    const t2 = line.indexOf('\t', t1 + 1);
    const persona = line.slice(t1 + 1, t2);
    visit({
      id: line.slice(0, t1),
      currentPersonaId: persona === '\\N' ? null : persona,
      attributes: JSON.parse(unescapeCopyField(line.slice(t2 + 1))),
    });
    n++;
  });
  return n;
}

async function writeAssignments(client: PoolClient, version: number, a: ChunkAssignments, evaluatedAt: Date, readSnapshot: string): Promise<void> {
  const at = evaluatedAt.toISOString();
  // A snapshot's text (xmin:xmax:xip,…) holds nothing COPY would escape.
  const sink = client.query(copyFrom(`COPY ${partitionOf(version)} (set_version, customer_id, persona_id, evaluated_at, read_snapshot) FROM STDIN`));
  await copyLinesInto(sink, a.customerIds.length, (i) => `${version}\t${a.customerIds[i]}\t${a.personaIds[i]}\t${at}\t${readSnapshot}\n`);
}

function toRun(r: RunRow): SegmentationRun {
  return {
    id: r.id,
    kind: r.kind as SegmentationRunKind,
    status: r.status as SegmentationRunStatus,
    setVersion: r.set_version,
    baselineVersion: r.baseline_version,
    evaluatedAt: r.evaluated_at,
    progress: progressOf(r.total, r.customers_done ?? 0, r.chunks_total, r.chunks_done ?? 0, {
      chunksRetrying: r.chunks_retrying ?? 0,
      stalls: r.stalls ?? 0,
      failedAttempts: r.failures ?? 0,
    }),
    result: (r.result ?? null) as SegmentationRun['result'],
    error: r.error,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
}
