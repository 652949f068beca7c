import { Injectable } from '@nestjs/common';
import { CrmObject } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { FeedPosition } from './persona-feed.store';
import { PERSONA_CHANGES } from './persona-changes';

/** The latest persona change of one customer within a batch of persona_history rows. */
export interface PendingWriteback {
  customerId: string;
  externalId: string;
  crmObject: CrmObject;
  /** False for deleted or merged-away customers: nothing to write. */
  live: boolean;
  personaId: string;
  personaKey: string;
  personaName: string;
  personaDescription: string;
  /** The CRM's current values of the write-back fields (role → value), as last read or written; null when unknown. */
  crmValues: Record<string, string | null> | null;
}

export interface WritebackBatch {
  /** The last row read: the cursor once this batch is written. */
  last: FeedPosition;
  items: PendingWriteback[];
}

export interface WritebackCursor {
  connectionId: string;
  position: FeedPosition;
  written: number;
  skipped: number;
  failed: number;
  updatedAt: Date | null;
  /** The last permanent error, in plain words. */
  lastError: { code: string; message: string; at: Date } | null;
  /** Set while write-back cannot work (its fields are missing): changes wait, no CRM request is made until `recheckAt` or the settings change. */
  blocked: { code: string; reason: string; since: Date; settings: string; recheckAt: Date | null } | null;
}

interface CursorRow {
  /** From feed_cursors (consumer `writeback:<connectionId>`). */
  last_history_id: string | null;
  last_xact_id: string | null;
  written: number;
  skipped: number;
  failed: number;
  updated_at: Date;
  last_error_code: string | null;
  last_error: string | null;
  last_error_at: Date | null;
  blocked_code: string | null;
  blocked_reason: string | null;
  blocked_at: Date | null;
  blocked_settings: string | null;
  recheck_at: Date | null;
}

const CURSOR_COLUMNS = `connection_id, written, skipped, failed, updated_at, last_error_code, last_error, last_error_at,
  blocked_code, blocked_reason, blocked_at, blocked_settings, recheck_at`;

function toCursor(connectionId: string, r: CursorRow | undefined): WritebackCursor {
  return {
    connectionId,
    position: { xactId: r?.last_xact_id != null ? String(r.last_xact_id) : '0', historyId: r?.last_history_id != null ? String(r.last_history_id) : '0' },
    written: r?.written ?? 0,
    skipped: r?.skipped ?? 0,
    failed: r?.failed ?? 0,
    updatedAt: r?.updated_at ?? null,
    lastError: r?.last_error_code && r.last_error_at ? { code: r.last_error_code, message: r.last_error ?? '', at: r.last_error_at } : null,
    blocked:
      r?.blocked_code && r.blocked_at
        ? { code: r.blocked_code, reason: r.blocked_reason ?? '', since: r.blocked_at, settings: r.blocked_settings ?? '', recheckAt: r.recheck_at }
        : null,
  };
}

/** Write-back's cursor in the persona-change feed, one consumer per connection. */
export function writebackFeedConsumer(connectionId: string): string {
  return `writeback:${connectionId}`;
}

/**
 * Write-back reads persona_history (the event log of persona changes) from a per-connection
 * cursor (feed_cursors, consumer `writeback:<connectionId>`); a change is written at least once, and writing the same persona again is harmless.
 */
@Injectable()
export class WritebackStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Runs `fn` holding a session advisory lock for the connection, so one write-back at a time reads
   * and advances its cursor (two would write the same records twice). Returns `busy` when another
   * process holds it. Postgres drops the lock with the session if the process dies.
   */
  async withConnectionLock<T>(connectionId: string, fn: () => Promise<T>): Promise<{ busy: true } | { busy: false; value: T }> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext('corridor.writeback'), hashtext($1)) AS locked`, [connectionId]);
      if (!locked) return { busy: true };
      try {
        return { busy: false, value: await fn() };
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(hashtext('corridor.writeback'), hashtext($1))`, [connectionId]);
      }
    } finally {
      await qr.release();
    }
  }

  async cursor(connectionId: string): Promise<WritebackCursor> {
    // The position is the connection's cursor in the persona-change feed; the rest is write-back's status.
    const [rows, feed]: [CursorRow[], Array<{ x: string; h: string }>] = await Promise.all([
      this.db.query(`SELECT ${CURSOR_COLUMNS} FROM crm_writeback_cursors WHERE connection_id = $1`, [connectionId]),
      this.db.query(`SELECT last_xact_id::text AS x, last_history_id::text AS h FROM feed_cursors WHERE consumer = $1`, [writebackFeedConsumer(connectionId)]),
    ]);
    const row = rows[0] ?? (feed[0] ? ({ written: 0, skipped: 0, failed: 0 } as CursorRow) : undefined);
    return toCursor(connectionId, row && { ...row, last_xact_id: feed[0]?.x ?? null, last_history_id: feed[0]?.h ?? null });
  }

  /** Records a permanent error (plain words) as the connection's last. */
  async recordError(connectionId: string, code: string, message: string): Promise<void> {
    await this.db.query(
      `INSERT INTO crm_writeback_cursors (connection_id, last_error_code, last_error, last_error_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (connection_id) DO UPDATE SET last_error_code = EXCLUDED.last_error_code, last_error = EXCLUDED.last_error, last_error_at = now()`,
      [connectionId, code, message.slice(0, 2000)],
    );
  }

  /** Write-back cannot work with these settings: stop until they change or `recheckAt`; also the last error. */
  async block(connectionId: string, code: string, reason: string, settings: string, recheckAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO crm_writeback_cursors (connection_id, blocked_code, blocked_reason, blocked_at, blocked_settings, recheck_at, last_error_code, last_error, last_error_at)
       VALUES ($1, $2, $3, now(), $4, $5, $2, $3, now())
       ON CONFLICT (connection_id) DO UPDATE SET blocked_code = EXCLUDED.blocked_code, blocked_reason = EXCLUDED.blocked_reason,
         blocked_at = COALESCE(crm_writeback_cursors.blocked_at, now()), blocked_settings = EXCLUDED.blocked_settings, recheck_at = EXCLUDED.recheck_at,
         last_error_code = EXCLUDED.last_error_code, last_error = EXCLUDED.last_error, last_error_at = now()`,
      [connectionId, code, reason.slice(0, 2000), settings, recheckAt],
    );
  }

  async unblock(connectionId: string): Promise<void> {
    await this.db.query(
      `UPDATE crm_writeback_cursors SET blocked_code = NULL, blocked_reason = NULL, blocked_at = NULL, blocked_settings = NULL, recheck_at = NULL
        WHERE connection_id = $1 AND blocked_code IS NOT NULL`,
      [connectionId],
    );
  }

  /** The CRM now carries these values (a write succeeded): merged over what was known. */
  async recordWritten(entries: ReadonlyArray<{ customerId: string; values: Record<string, string> }>): Promise<void> {
    if (entries.length === 0) return;
    await this.db.query(
      `UPDATE customers c SET crm_writeback_values = COALESCE(c.crm_writeback_values, '{}'::jsonb) || x.v
         FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, v jsonb)
        WHERE c.id = x.id`,
      [JSON.stringify(entries.map((e) => ({ id: e.customerId, v: e.values })))],
    );
  }

  /**
   * The next persona_history rows of this connection's customers after the cursor, latest per
   * customer; only rows of transactions older than every transaction still running, so a row
   * that commits later can only sort after the cursor.
   */
  async nextBatch(connectionId: string, after: FeedPosition, limit: number): Promise<WritebackBatch | null> {
    const rows: Array<{
      id: string;
      xact_id: string;
      customer_id: string;
      external_id: string;
      crm_object: string;
      live: boolean;
      persona_id: string;
      key: string | null;
      name: string | null;
      description: string | null;
      crm_writeback_values: Record<string, string | null> | null;
    }> = await this.db.query(
      `SELECT h.id::text AS id, h.xact_id::text AS xact_id, h.customer_id, c.external_id, c.crm_object, c.crm_writeback_values,
              (c.deleted_at IS NULL AND c.merged_into_id IS NULL) AS live, h.to_persona_id AS persona_id, p.key, p.name, p.description
         FROM ${PERSONA_CHANGES} h
         JOIN customers c ON c.id = h.customer_id
         LEFT JOIN personas p ON p.id = h.to_persona_id
        WHERE (h.xact_id, h.id) > ($2::bigint, $3::bigint)
          AND h.xact_id < (SELECT corridor_feed_horizon())
          AND c.connection_id = $1
        ORDER BY h.xact_id, h.id
        LIMIT $4`,
      [connectionId, after.xactId, after.historyId, limit],
    );
    if (rows.length === 0) return null;
    const latest = new Map<string, PendingWriteback>();
    for (const r of rows) {
      latest.set(String(r.customer_id), {
        customerId: String(r.customer_id),
        externalId: r.external_id,
        crmObject: r.crm_object as CrmObject,
        live: r.live && r.key !== null,
        personaId: r.persona_id,
        personaKey: r.key ?? '',
        personaName: r.name ?? '',
        personaDescription: r.description ?? '',
        crmValues: r.crm_writeback_values,
      });
    }
    const last = rows[rows.length - 1];
    return { last: { xactId: last.xact_id, historyId: last.id }, items: [...latest.values()] };
  }

  /** Whether rows past the position exist that nextBatch may not show yet (a transaction older than them still runs). */
  async hasRowsAfter(connectionId: string, after: FeedPosition): Promise<boolean> {
    const [row] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM ${PERSONA_CHANGES} h JOIN customers c ON c.id = h.customer_id
                       WHERE (h.xact_id, h.id) > ($2::bigint, $3::bigint) AND c.connection_id = $1) AS pending`,
      [connectionId, after.xactId, after.historyId],
    );
    return row.pending;
  }

  async advance(connectionId: string, last: FeedPosition, counts: { written: number; skipped: number; failed: number }): Promise<void> {
    await this.db.transaction(async (m) => {
      // The position only moves forward (the connection lock makes one writer, this keeps it so).
      await m.query(
        `INSERT INTO feed_cursors (consumer, last_xact_id, last_history_id, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (consumer) DO UPDATE SET
           last_xact_id = CASE WHEN (EXCLUDED.last_xact_id, EXCLUDED.last_history_id) > (feed_cursors.last_xact_id, feed_cursors.last_history_id)
                               THEN EXCLUDED.last_xact_id ELSE feed_cursors.last_xact_id END,
           last_history_id = CASE WHEN (EXCLUDED.last_xact_id, EXCLUDED.last_history_id) > (feed_cursors.last_xact_id, feed_cursors.last_history_id)
                                  THEN EXCLUDED.last_history_id ELSE feed_cursors.last_history_id END,
           updated_at = now()`,
        [writebackFeedConsumer(connectionId), last.xactId, last.historyId],
      );
      await m.query(
        `INSERT INTO crm_writeback_cursors (connection_id, written, skipped, failed, updated_at)
         VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (connection_id) DO UPDATE SET
           written = crm_writeback_cursors.written + EXCLUDED.written,
           skipped = crm_writeback_cursors.skipped + EXCLUDED.skipped,
           failed = crm_writeback_cursors.failed + EXCLUDED.failed,
           updated_at = now()`,
        [connectionId, counts.written, counts.skipped, counts.failed],
      );
    });
  }

}
