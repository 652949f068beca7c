import { Injectable } from '@nestjs/common';
import {
  CrmPropertyTouchpoint,
  crmPropertyChanges,
  EVENT_SOURCE,
  ChangeSet,
  ConflictError,
  CrmMerge,
  CrmWebhookEvent,
  IncomingCustomer,
  NotFoundError,
  PendingEvaluation,
  percentOf,
  SyncCounts,
  SyncMode,
  SyncRun,
  SyncRunStatus,
  SyncTrigger,
} from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { upsertCustomers } from './customer.repository';
import { insertTouchpointEvents } from './touchpoint-event.store';
import { LIVE_VERSIONS } from './persona-changes';

interface SyncRunRow {
  id: string;
  connection_id: string;
  mode: string;
  trigger: string;
  status: string;
  position: Record<string, unknown> | null;
  pages: number;
  records: number;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  merged: number;
  requests: number;
  rate_limited: number;
  retries: number;
  total_hint: number | null;
  pending_evaluation: PendingEvaluation | null;
  error: string | null;
  window_from: Date | null;
  window_to: Date | null;
  cancel_requested_at: Date | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** Changes to apply to a connection's customers in one transaction. */
export interface CustomerChanges {
  customers: readonly IncomingCustomer[];
  deletedExternalIds: readonly string[];
  merges: readonly CrmMerge[];
}

export interface PendingWebhookEvent extends CrmWebhookEvent {
  id: string;
}

/** TypeORM answers UPDATE/DELETE ... RETURNING with [rows, count], SELECT/INSERT with rows. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

export class LeaseLostError extends Error {
  constructor(runId: string) {
    super(`Sync run ${runId} is now held by another worker`);
    this.name = 'LeaseLostError';
  }
}

const RUN_COLUMNS = `id, connection_id, mode, trigger, status, position, pages, records, created, updated, unchanged, deleted,
  merged, requests, rate_limited, retries, total_hint, pending_evaluation, error, window_from, window_to, cancel_requested_at, started_at, updated_at, finished_at`;

/**
 * Persistence for CRM sync: runs with their checkpoints, the per-connection watermark, webhook
 * events, and the customer changes a page brings, which commit together with the checkpoint.
 */
@Injectable()
export class CrmSyncStore {
  constructor(private readonly db: DataSource) {}

  /** A new queued run, or ConflictError SYNC_ALREADY_RUNNING naming the active one. */
  async createRun(connectionId: string, mode: SyncMode, trigger: SyncTrigger): Promise<SyncRun> {
    const rows: SyncRunRow[] = await this.db.query(
      `INSERT INTO sync_runs (connection_id, mode, trigger, status) VALUES ($1, $2, $3, 'queued')
       ON CONFLICT (connection_id) WHERE status IN ('queued', 'running') DO NOTHING
       RETURNING ${RUN_COLUMNS}`,
      [connectionId, mode, trigger],
    );
    if (rows[0]) return toRun(rows[0]);
    const active = await this.findActive(connectionId);
    throw new ConflictError('A sync of this connection is already queued or running', [
      { field: 'connectionId', message: `active sync run ${active?.id ?? 'unknown'}`, code: 'SYNC_ALREADY_RUNNING' },
    ], 'SYNC_ALREADY_RUNNING');
  }

  async findActive(connectionId: string): Promise<SyncRun | null> {
    const rows: SyncRunRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connection_id = $1 AND status IN ('queued', 'running')`,
      [connectionId],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /**
   * Takes (or renews) the run's lease for `owner`. Null when another worker holds a live lease, or
   * the run is finished. A lease left by a killed worker expires and the next claim resumes the run.
   */
  async claim(runId: string, owner: string, leaseMs: number): Promise<SyncRun | null> {
    const rows = rowsOf<SyncRunRow>(await this.db.query(
      `UPDATE sync_runs SET status = 'running', lease_owner = $2, lease_until = now() + ($3 || ' milliseconds')::interval, updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')
          AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until < now())
        RETURNING ${RUN_COLUMNS}`,
      [runId, owner, String(leaseMs)],
    ));
    return rows[0] ? toRun(rows[0]) : null;
  }

  async getRun(id: string): Promise<SyncRun> {
    const rows: SyncRunRow[] = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.db.query(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE id = $1`, [id])
      : [];
    if (!rows[0]) throw new NotFoundError('Sync run', id, 'SYNC_RUN_NOT_FOUND');
    return toRun(rows[0]);
  }

  async listRuns(connectionId: string, limit = 50): Promise<SyncRun[]> {
    const rows: SyncRunRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connection_id = $1 ORDER BY started_at DESC LIMIT $2`,
      [connectionId, limit],
    );
    return rows.map(toRun);
  }

  /** The latest run that finished (completed, failed or cancelled). */
  async lastFinished(connectionId: string): Promise<SyncRun | null> {
    const rows: SyncRunRow[] = await this.db.query(
      `SELECT ${RUN_COLUMNS} FROM sync_runs WHERE connection_id = $1 AND status NOT IN ('queued', 'running') ORDER BY finished_at DESC NULLS LAST LIMIT 1`,
      [connectionId],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Records the window a run reads (once, when it starts reading). */
  async setWindow(runId: string, from: Date | null, to: Date): Promise<void> {
    await this.db.query(`UPDATE sync_runs SET window_from = $2, window_to = $3 WHERE id = $1 AND window_to IS NULL`, [runId, from, to]);
  }

  /**
   * Asks a queued or running run to stop. A run no worker holds (queued, or between retries) ends
   * `cancelled` at once; a held one ends at its worker's next page. Null: no such active run.
   */
  async requestCancel(connectionId: string, runId: string): Promise<SyncRun | null> {
    if (!/^[0-9a-f-]{36}$/i.test(runId)) return null;
    const rows = rowsOf<SyncRunRow>(await this.db.query(
      `UPDATE sync_runs SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now(),
          status = CASE WHEN lease_owner IS NULL OR lease_until < now() THEN 'cancelled' ELSE status END,
          finished_at = CASE WHEN lease_owner IS NULL OR lease_until < now() THEN now() ELSE finished_at END
        WHERE id = $1 AND connection_id = $2 AND status IN ('queued', 'running')
        RETURNING ${RUN_COLUMNS}`,
      [runId, connectionId],
    ));
    return rows[0] ? toRun(rows[0]) : null;
  }

  async cancelRequested(runId: string): Promise<boolean> {
    const rows: Array<{ c: boolean }> = await this.db.query(`SELECT cancel_requested_at IS NOT NULL AS c FROM sync_runs WHERE id = $1`, [runId]);
    return rows[0]?.c ?? false;
  }

  /** Ends a cancelled run held by `owner`: its checkpoint (position) and counts stay as committed. */
  async cancelRun(runId: string, owner: string, stats: Pick<SyncCounts, 'requests' | 'rateLimited' | 'retries'>): Promise<SyncRun> {
    const rows = rowsOf<SyncRunRow>(await this.db.query(
      `UPDATE sync_runs SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL,
          requests = requests + $3, rate_limited = rate_limited + $4, retries = retries + $5
        WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING ${RUN_COLUMNS}`,
      [runId, owner, stats.requests, stats.rateLimited, stats.retries],
    ));
    if (!rows[0]) throw new LeaseLostError(runId);
    // A cancelled run sweeps nothing: its seen ids go.
    await this.db.query(`DELETE FROM sync_run_seen WHERE run_id = $1`, [runId]);
    return toRun(rows[0]);
  }

  async getWatermark(connectionId: string): Promise<string | null> {
    const rows: Array<{ watermark: string }> = await this.db.query(`SELECT watermark FROM sync_cursors WHERE connection_id = $1`, [connectionId]);
    return rows[0]?.watermark ?? null;
  }

  /**
   * Applies pages' customer changes and moves the run's checkpoint in ONE transaction: a crash
   * before commit re-reads the pages (nothing lost), after it resumes past them (nothing twice).
   * Fails with LeaseLostError if another worker took the run over.
   */
  async commitPages(input: {
    runId: string;
    owner: string;
    leaseMs: number;
    connectionId: string;
    changes: CustomerChanges;
    position: Record<string, unknown> | null;
    pages: number;
    stats: Pick<SyncCounts, 'requests' | 'rateLimited' | 'retries'>;
    totalHint?: number | null;
    /** Full runs: the CRM ids these pages read, for the sweep at the end of the run. */
    seenExternalIds?: readonly string[];
  }): Promise<ChangeSet> {
    return this.db.transaction(async (em) => {
      // Lock the run row first: a worker that lost its lease stops here, before writing customers.
      const held: Array<{ id: string }> = await em.query(
        `SELECT id FROM sync_runs WHERE id = $1 AND lease_owner = $2 AND status = 'running' FOR UPDATE`,
        [input.runId, input.owner],
      );
      if (!held[0]) throw new LeaseLostError(input.runId);
      const change = await applyCustomerChanges(em, input.connectionId, input.changes);
      // The seen ids ride on the checkpoint's statement (one round trip less per commit).
      await em.query(
        `WITH seen AS (INSERT INTO sync_run_seen (run_id, external_ids) SELECT $1::uuid, $17::text[] WHERE cardinality($17::text[]) > 0)
         UPDATE sync_runs SET position = $3, pages = pages + $4, records = records + $5, created = created + $6,
            updated = updated + $7, unchanged = unchanged + $8, deleted = deleted + $9, merged = merged + $10,
            requests = requests + $11, rate_limited = rate_limited + $12, retries = retries + $13,
            total_hint = COALESCE($14, total_hint), pending_evaluation = $15,
            lease_until = now() + ($16 || ' milliseconds')::interval, updated_at = now()
          WHERE id = $1 AND lease_owner = $2`,
        [
          input.runId,
          input.owner,
          input.position === null ? null : JSON.stringify(input.position),
          input.pages,
          input.changes.customers.length,
          change.created,
          change.updated,
          change.unchanged,
          change.deleted,
          change.merged,
          input.stats.requests,
          input.stats.rateLimited,
          input.stats.retries,
          input.totalHint ?? null,
          JSON.stringify({ newCustomer: change.newCustomerIds, dataChange: change.dataChangeIds }),
          String(input.leaseMs),
          input.seenExternalIds ?? [],
        ],
      );
      return change;
    });
  }

  /**
   * End of a full run that read every page: the connection's customers it did not see vanished
   * from the CRM without a delete record (purged from the recycle bin, GDPR-deleted) and are
   * marked deleted. Customers written since the run started (webhooks) are left alone; so is
   * everything when the run saw no record at all (an empty answer is likelier a lost permission
   * than an emptied CRM). Idempotent: a resumed run sweeps again harmlessly. The swept customers
   * are the run's pending evaluation until the caller has enqueued them.
   */
  async sweepUnseen(runId: string, owner: string, connectionId: string): Promise<string[]> {
    return this.db.transaction(async (em) => {
      const held: Array<{ started_at: Date; mode: string }> = await em.query(
        `SELECT started_at, mode FROM sync_runs WHERE id = $1 AND lease_owner = $2 AND status = 'running' FOR UPDATE`,
        [runId, owner],
      );
      if (!held[0]) throw new LeaseLostError(runId);
      if (held[0].mode !== 'full') return [];
      const seenAny: unknown[] = await em.query(`SELECT 1 FROM sync_run_seen WHERE run_id = $1 LIMIT 1`, [runId]);
      if (seenAny.length === 0) return [];
      const swept = rowsOf<{ id: string }>(await em.query(
        // The unseen ids by EXCEPT (hashed or sorted, never a nested loop), then looked up by the
        // unique index. A NOT EXISTS against the seen ids was planned as a nested-loop anti-join
        // over the materialised CTE when customers' statistics lagged (a freshly loaded
        // connection): quadratic, 70-90 s at 30,000 customers.
        `UPDATE customers c SET deleted_at = now(), updated_at = now(), data_changed_at = now(), data_xact_id = DEFAULT
          WHERE c.connection_id = $1 AND c.deleted_at IS NULL AND c.merged_into_id IS NULL AND c.updated_at < $3
            AND c.external_id = ANY (ARRAY(
              SELECT external_id FROM customers
               WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL AND updated_at < $3
              EXCEPT
              SELECT unnest(external_ids) FROM sync_run_seen WHERE run_id = $2))
          RETURNING c.id::text AS id`,
        [connectionId, runId, held[0].started_at],
      ));
      const ids = swept.map((r) => String(r.id));
      if (ids.length) {
        await em.query(
          `UPDATE sync_runs SET deleted = deleted + $2, pending_evaluation = $3, updated_at = now() WHERE id = $1`,
          [runId, ids.length, JSON.stringify({ newCustomer: [], dataChange: ids })],
        );
      }
      return ids;
    });
  }

  async completeRun(runId: string, owner: string, connectionId: string, watermark: string, mode: SyncMode, stats: Pick<SyncCounts, 'requests' | 'rateLimited' | 'retries'>): Promise<SyncRun> {
    return this.db.transaction(async (em) => {
      const rows = rowsOf<SyncRunRow>(await em.query(
        `UPDATE sync_runs SET status = 'completed', watermark = $3, finished_at = now(), updated_at = now(), lease_owner = NULL,
            lease_until = NULL, requests = requests + $4, rate_limited = rate_limited + $5, retries = retries + $6
          WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING ${RUN_COLUMNS}`,
        [runId, owner, watermark, stats.requests, stats.rateLimited, stats.retries],
      ));
      if (!rows[0]) throw new LeaseLostError(runId);
      // The seen ids of this run, and of any other finished (failed, cancelled) run of the connection.
      await em.query(
        `DELETE FROM sync_run_seen s USING sync_runs r
          WHERE s.run_id = r.id AND r.connection_id = $1 AND (r.id = $2 OR r.status NOT IN ('queued', 'running'))`,
        [connectionId, runId],
      );
      await em.query(
        `INSERT INTO sync_cursors (connection_id, watermark, last_run_id, last_full_sync_at, updated_at)
         VALUES ($1, $2, $3, CASE WHEN $4 = 'full' THEN now() END, now())
         ON CONFLICT (connection_id) DO UPDATE SET watermark = EXCLUDED.watermark, last_run_id = EXCLUDED.last_run_id,
           last_full_sync_at = COALESCE(EXCLUDED.last_full_sync_at, sync_cursors.last_full_sync_at), updated_at = now()`,
        [connectionId, watermark, runId, mode],
      );
      return toRun(rows[0]);
    });
  }

  /** A transient failure: keep the run and its checkpoint, free the lease so the retry (any worker) resumes at once. */
  async failRunAttempt(runId: string, owner: string, code: string, stats: Pick<SyncCounts, 'requests' | 'rateLimited' | 'retries'>): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs SET lease_owner = NULL, lease_until = NULL, error = $3, updated_at = now(),
          requests = requests + $4, rate_limited = rate_limited + $5, retries = retries + $6
        WHERE id = $1 AND lease_owner = $2`,
      [runId, owner, `interrupted: ${code}`, stats.requests, stats.rateLimited, stats.retries],
    );
  }

  /** A permanent failure: the run stops; its checkpoint stays for inspection; the next sync starts afresh from the watermark. */
  async failRun(runId: string, error: string, stats?: Pick<SyncCounts, 'requests' | 'rateLimited' | 'retries'>): Promise<void> {
    await this.db.query(
      `UPDATE sync_runs SET status = 'failed', error = $2, finished_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL,
          requests = requests + $3, rate_limited = rate_limited + $4, retries = retries + $5
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [runId, error.slice(0, 2000), stats?.requests ?? 0, stats?.rateLimited ?? 0, stats?.retries ?? 0],
    );
    // A failed run sweeps nothing: its seen ids go.
    await this.db.query(`DELETE FROM sync_run_seen WHERE run_id = $1`, [runId]);
  }

  /** Records webhook events; returns only the ones not seen before (unique connection + event id). */
  async recordWebhookEvents(connectionId: string, events: readonly CrmWebhookEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO webhook_events (connection_id, event_id, kind, object_ids, occurred_at)
       SELECT $1, x.event_id, x.kind, x.object_ids, x.occurred_at
         FROM jsonb_to_recordset($2::jsonb) AS x(event_id text, kind text, object_ids jsonb, occurred_at timestamptz)
       ON CONFLICT (connection_id, event_id) DO NOTHING
       RETURNING id`,
      [
        connectionId,
        JSON.stringify(events.map((e) => ({ event_id: e.eventId, kind: e.kind, object_ids: e.objectIds, occurred_at: e.occurredAt?.toISOString() ?? null }))),
      ],
    );
    return rows.length;
  }

  async pendingWebhookEvents(connectionId: string, limit: number): Promise<PendingWebhookEvent[]> {
    const rows: Array<{ id: string; event_id: string; kind: string; object_ids: string[]; occurred_at: Date | null }> = await this.db.query(
      `SELECT id, event_id, kind, object_ids, occurred_at FROM webhook_events
        WHERE connection_id = $1 AND processed_at IS NULL ORDER BY id LIMIT $2`,
      [connectionId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      eventId: r.event_id,
      kind: r.kind as PendingWebhookEvent['kind'],
      objectIds: r.object_ids,
      occurredAt: r.occurred_at,
    }));
  }

  /** Applies what webhook events brought and marks them processed, together. */
  async applyWebhookChanges(connectionId: string, eventRowIds: readonly string[], changes: CustomerChanges): Promise<ChangeSet> {
    return this.db.transaction(async (em) => {
      const claimed = rowsOf<{ id: string }>(await em.query(
        `UPDATE webhook_events SET processed_at = now() WHERE id = ANY($1::bigint[]) AND processed_at IS NULL RETURNING id`,
        [eventRowIds],
      ));
      if (claimed.length === 0) return emptyChangeSet();
      return applyCustomerChanges(em, connectionId, changes);
    });
  }
}

function emptyChangeSet(): ChangeSet {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, merged: 0, newCustomerIds: [], dataChangeIds: [] };
}


/**
 * Upserts (by content hash: unchanged rows are not touched), then merges, then deletes, inside the
 * caller's transaction (the upsert is CustomerRepository's, run in this transaction).
 */
export async function applyCustomerChanges(em: EntityManager, connectionId: string, changes: CustomerChanges): Promise<ChangeSet> {
  const set = emptyChangeSet();
  const dataChange = new Set<string>();
  if (changes.customers.length) {
    const watch = await crmTouchpointWatch(em, connectionId, changes.customers.map((c) => c.externalId));
    const upserted = await upsertCustomers(em, connectionId, changes.customers);
    if (watch) await raiseCrmPropertyTouchpoints(em, connectionId, watch, upserted.changedIds);
    const created = new Set(upserted.createdIds);
    set.newCustomerIds.push(...upserted.createdIds);
    for (const id of upserted.changedIds) if (!created.has(id)) dataChange.add(id);
    set.created = upserted.created;
    set.updated = upserted.updated;
    set.unchanged = upserted.unchanged;
  }

  if (changes.merges.length) {
    const mergedIds = [...new Set(changes.merges.flatMap((m) => m.mergedExternalIds))];
    const live: Array<{ external_id: string }> = await em.query(
      `SELECT external_id FROM customers WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND merged_into_id IS NULL`,
      [connectionId, mergedIds],
    );
    const liveSet = new Set(live.map((r) => r.external_id));
    for (const merge of changes.merges) {
      const mergedExternal = merge.mergedExternalIds.filter((id) => id !== merge.survivorExternalId);
      if (!mergedExternal.some((id) => liveSet.has(id))) continue;
      const survivor: Array<{ id: string }> = await em.query(
        `SELECT id FROM customers WHERE connection_id = $1 AND external_id = $2 AND merged_into_id IS NULL
         UNION ALL SELECT customer_id FROM customer_aliases WHERE connection_id = $1 AND external_id = $2 LIMIT 1`,
        [connectionId, merge.survivorExternalId],
      );
      if (!survivor[0]) continue;
      const survivorId = String(survivor[0].id);
      const merged = rowsOf<{ id: string }>(await em.query(
        `UPDATE customers SET merged_into_id = $3, updated_at = now(), data_changed_at = now(), data_xact_id = DEFAULT
          WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND merged_into_id IS NULL AND id <> $3
          RETURNING id`,
        [connectionId, mergedExternal, survivorId],
      ));
      const ids = merged.map((r) => String(r.id));
      if (ids.length === 0) continue;
      // Earlier merges into a now-merged record follow it to the survivor.
      await em.query(`UPDATE customers SET merged_into_id = $2 WHERE merged_into_id = ANY($1::bigint[])`, [ids, survivorId]);
      await em.query(`UPDATE customer_aliases SET customer_id = $2 WHERE customer_id = ANY($1::bigint[])`, [ids, survivorId]);
      await em.query(
        `INSERT INTO customer_aliases (connection_id, external_id, customer_id)
         SELECT $1, unnest($2::text[]), $3
         ON CONFLICT (connection_id, external_id) DO UPDATE SET customer_id = EXCLUDED.customer_id`,
        [connectionId, mergedExternal, survivorId],
      );
      // History follows the survivor, in both tables that hold it (persona-changes.ts).
      await em.query(`UPDATE persona_history SET customer_id = $2 WHERE customer_id = ANY($1::bigint[])`, [ids, survivorId]);
      await em.query(`UPDATE persona_run_changes SET customer_id = $2 WHERE set_version = ANY(${LIVE_VERSIONS}) AND customer_id = ANY($1::bigint[])`, [
        ids,
        survivorId,
      ]);
      set.merged += ids.length;
      for (const id of ids) dataChange.add(id);
      dataChange.add(survivorId);
      for (const id of mergedExternal) liveSet.delete(id);
    }
  }

  if (changes.deletedExternalIds.length) {
    const deleted = rowsOf<{ id: string }>(await em.query(
      `UPDATE customers SET deleted_at = now(), updated_at = now(), data_changed_at = now(), data_xact_id = DEFAULT
        WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND deleted_at IS NULL AND merged_into_id IS NULL
        RETURNING id`,
      [connectionId, [...new Set(changes.deletedExternalIds)]],
    ));
    set.deleted = deleted.length;
    for (const r of deleted) dataChange.add(String(r.id));
  }
  const created = new Set(set.newCustomerIds);
  set.dataChangeIds = [...dataChange].filter((id) => !created.has(id));
  return set;
}

function toRun(r: SyncRunRow): SyncRun {
  const status = r.status as SyncRunStatus;
  return {
    id: r.id,
    connectionId: r.connection_id,
    mode: r.mode as SyncMode,
    trigger: r.trigger as SyncTrigger,
    status,
    position: r.position,
    pages: r.pages,
    records: r.records,
    created: r.created,
    updated: r.updated,
    unchanged: r.unchanged,
    deleted: r.deleted,
    merged: r.merged,
    requests: r.requests,
    rateLimited: r.rate_limited,
    retries: r.retries,
    totalHint: r.total_hint,
    percent: percentOf(r.records, r.total_hint, status),
    pendingEvaluation: r.pending_evaluation,
    windowFrom: r.window_from,
    windowTo: r.window_to,
    cancelRequestedAt: r.cancel_requested_at,
    error: r.error,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

interface TouchpointWatch {
  mappings: CrmPropertyTouchpoint[];
  /** Customer id → attributes before the upsert (existing live records only). */
  before: Map<string, Record<string, unknown>>;
}

/**
 * The connection's CRM property → touchpoint mappings (settings.touchpoints, those naming a
 * touchpoint that exists) and, when there are any, the incoming records' attributes before the
 * upsert, locked so a concurrent apply cannot slip between this read and the upsert.
 */
async function crmTouchpointWatch(em: EntityManager, connectionId: string, externalIds: readonly string[]): Promise<TouchpointWatch | null> {
  const [conn]: Array<{ touchpoints: unknown }> = await em.query(`SELECT settings->'touchpoints' AS touchpoints FROM connections WHERE id = $1`, [connectionId]);
  const configured = Array.isArray(conn?.touchpoints) ? (conn.touchpoints as CrmPropertyTouchpoint[]) : [];
  if (configured.length === 0) return null;
  const known: Array<{ key: string }> = await em.query(`SELECT key FROM touchpoints WHERE key = ANY($1::text[])`, [configured.map((m) => m.touchpoint)]);
  const keys = new Set(known.map((k) => k.key));
  const mappings = configured.filter((m) => keys.has(m.touchpoint));
  if (mappings.length === 0) return null;
  const rows: Array<{ id: string; attributes: Record<string, unknown> }> = await em.query(
    `SELECT id::text AS id, attributes FROM customers
      WHERE connection_id = $1 AND external_id = ANY($2::text[]) AND merged_into_id IS NULL AND deleted_at IS NULL
      ORDER BY id FOR UPDATE`,
    [connectionId, [...new Set(externalIds)]],
  );
  return { mappings, before: new Map(rows.map((r) => [r.id, r.attributes])) };
}

/** Raises a touchpoint event, in the upsert's transaction, for each mapped property that became its value. */
async function raiseCrmPropertyTouchpoints(em: EntityManager, connectionId: string, watch: TouchpointWatch, changedIds: readonly string[]): Promise<void> {
  const ids = changedIds.filter((id) => watch.before.has(id));
  if (ids.length === 0) return;
  const after: Array<{ id: string; attributes: Record<string, unknown> }> = await em.query(
    `SELECT id::text AS id, attributes FROM customers WHERE id = ANY($1::bigint[])`,
    [ids],
  );
  const changes = after.flatMap((r) => crmPropertyChanges(watch.mappings, r.id, watch.before.get(r.id)!, r.attributes));
  if (changes.length === 0) return;
  // One change of a record per transaction: the transaction id makes the key of this change.
  const [{ xid }]: Array<{ xid: string }> = await em.query(`SELECT pg_current_xact_id()::text AS xid`);
  const now = new Date();
  await insertTouchpointEvents(
    em,
    EVENT_SOURCE.crm(connectionId),
    changes.map((c, i) => ({
      index: i,
      event: {
        touchpoint: c.touchpoint,
        customerId: c.customerId,
        occurredAt: now,
        properties: { attribute: c.attribute, from: c.from, to: c.to },
        idempotencyKey: `${c.touchpoint}:${c.customerId}:${c.attribute}:${xid}`,
      },
    })),
  );
}
