import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { PERSONA_CHANGES } from './persona-changes';

/**
 * A position in persona_history read in (xact_id, id) order: history ids are taken before commit,
 * so reading by id alone could pass a row that commits late and never see it.
 */
export interface FeedPosition {
  xactId: string;
  historyId: string;
}

export interface PersonaChange {
  historyId: string;
  xactId: string;
  customerId: string;
  fromKey: string | null;
  toKey: string | null;
  cause: string;
  setVersion: number;
  changedAt: Date;
}

/**
 * The persona-change feed (STYLE.md §20): persona_history in commit-safe order, with one cursor
 * per consumer in feed_cursors (`treatments`, ...). A consumer reads a batch and advances its
 * cursor in one transaction with whatever it writes, so each change is handled exactly once.
 */
@Injectable()
export class PersonaFeedStore {
  constructor(private readonly db: DataSource) {}

  async position(consumer: string): Promise<FeedPosition> {
    const rows: Array<{ x: string; h: string }> = await this.db.query(
      `SELECT last_xact_id::text AS x, last_history_id::text AS h FROM feed_cursors WHERE consumer = $1`,
      [consumer],
    );
    return rows[0] ? { xactId: rows[0].x, historyId: rows[0].h } : { xactId: '0', historyId: '0' };
  }

  /**
   * Runs `handle` on the next changes after the consumer's cursor, then advances it, in one
   * transaction holding the consumer's advisory lock (a second process of the same consumer skips: `busy`).
   * Returns how many changes were handled, 0 when none are visible yet.
   */
  async consume(
    consumer: string,
    limit: number,
    handle: (changes: PersonaChange[], manager: EntityManager) => Promise<void>,
  ): Promise<{ busy: true } | { busy: false; handled: number }> {
    return this.db.transaction(async (m) => {
      // An advisory lock, not a row lock: a transaction that only looks takes no transaction id,
      // so an idle consumer polling the feed never holds back the snapshot horizon other readers of
      // the feed (write-back) wait on.
      const [{ locked }] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtext('corridor.feed'), hashtext($1)) AS locked`, [consumer]);
      if (!locked) return { busy: true as const };
      const cursor: Array<{ x: string; h: string }> = await m.query(
        `SELECT last_xact_id::text AS x, last_history_id::text AS h FROM feed_cursors WHERE consumer = $1`,
        [consumer],
      );
      if (cursor.length === 0) cursor.push({ x: '0', h: '0' });
      const changes = await this.read(m, { xactId: cursor[0].x, historyId: cursor[0].h }, limit);
      if (changes.length === 0) return { busy: false as const, handled: 0 };
      await handle(changes, m);
      const last = changes[changes.length - 1];
      await m.query(
        `INSERT INTO feed_cursors (consumer, last_xact_id, last_history_id, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (consumer) DO UPDATE SET last_xact_id = EXCLUDED.last_xact_id, last_history_id = EXCLUDED.last_history_id, updated_at = now()`,
        [consumer, last.xactId, last.historyId],
      );
      return { busy: false as const, handled: changes.length };
    });
  }

  /**
   * The changes after `after`, only from transactions older than every one still running, so a row
   * that commits later can only sort after what was read.
   */
  async read(manager: EntityManager, after: FeedPosition, limit: number): Promise<PersonaChange[]> {
    const rows: Array<{
      id: string;
      xact_id: string;
      customer_id: string;
      from_key: string | null;
      to_key: string | null;
      cause: string;
      set_version: number;
      changed_at: Date;
    }> = await manager.query(
      `SELECT h.id::text AS id, h.xact_id::text AS xact_id, h.customer_id::text AS customer_id, pf.key AS from_key, pt.key AS to_key,
              h.cause, h.set_version, h.changed_at
         FROM ${PERSONA_CHANGES} h
         LEFT JOIN personas pf ON pf.id = h.from_persona_id
         LEFT JOIN personas pt ON pt.id = h.to_persona_id
        WHERE (h.xact_id, h.id) > ($1::bigint, $2::bigint)
          AND h.xact_id < (SELECT corridor_feed_horizon())
        ORDER BY h.xact_id, h.id
        LIMIT $3`,
      [after.xactId, after.historyId, limit],
    );
    return rows.map((r) => ({
      historyId: r.id,
      xactId: r.xact_id,
      customerId: r.customer_id,
      fromKey: r.from_key,
      toKey: r.to_key,
      cause: r.cause,
      setVersion: r.set_version,
      changedAt: r.changed_at,
    }));
  }
}
