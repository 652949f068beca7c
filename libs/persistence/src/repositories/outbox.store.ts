import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/** The channel a trigger on outbox notifies at commit (migration EventsIn). */
const OUTBOX_CHANNEL = 'corridor_outbox';

/** The session advisory lock of the one exclusive outbox listener (see OutboxStore.listen). */
const LISTENER_LOCK = `hashtext('corridor.outbox'), hashtext('listener')`;

/** Written with each stored feedback outcome (in the same transaction); the experience reacts to it. */
export const FEEDBACK_RECORDED_TOPIC = 'feedback-recorded';

export interface OutboxListener {
  /** Resolves when the connection is lost (Postgres restarted): listen again. */
  readonly lost: Promise<void>;
  close(): Promise<void>;
}

export interface OutboxRow {
  id: string;
  topic: string;
  ref: string;
  /** W3C trace context of the writer (null when tracing was off). */
  traceparent?: string | null;
  /**
   * When the row was written. An event's row is written by the statement that inserts the event,
   * so this is the event's `received_at` (to the millisecond): the decide job's partition hint.
   */
  createdAt?: Date;
}

/**
 * The outbox's queries: the relay's claim-and-stamp, and what the reconciler finds in Postgres that
 * the queue may have lost (events without a decision, deliveries past due).
 */
@Injectable()
export class OutboxStore {
  constructor(private readonly db: DataSource) {}

  /**
   * Claims up to `limit` unrelayed rows in id order (SKIP LOCKED: several relays share the work
   * without waiting on each other), hands them to `publish`, and stamps them relayed in the same
   * transaction. If `publish` throws, nothing is stamped and the rows come back next time. Only
   * `topics` are claimed: a row of a topic no relay knows stays visible without blocking the rest.
   */
  async relay(topics: readonly string[], limit: number, publish: (rows: OutboxRow[]) => Promise<void>): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows: OutboxRow[] = await m.query(
        `SELECT id::text AS id, topic, ref, traceparent, created_at AS "createdAt" FROM outbox WHERE relayed_at IS NULL AND topic = ANY($2::text[]) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit, topics],
      );
      if (rows.length === 0) return 0;
      await publish(rows);
      await m.query(`UPDATE outbox SET relayed_at = now() WHERE id = ANY($1::bigint[])`, [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  /**
   * Runs `fn` holding a session advisory lock named `name`, so one process at a time does it;
   * returns false when another holds it. Postgres drops the lock with the session if the process dies.
   */
  async exclusively(name: string, fn: () => Promise<void>): Promise<boolean> {
    const qr = this.db.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(hashtext('corridor.outbox'), hashtext($1)) AS locked`, [name]);
      if (!locked) return false;
      try {
        await fn();
        return true;
      } finally {
        await qr.query(`SELECT pg_advisory_unlock(hashtext('corridor.outbox'), hashtext($1))`, [name]);
      }
    } finally {
      await qr.release();
    }
  }

  /**
   * Calls `onNotice` whenever outbox rows are committed (LISTEN on a pooled connection held for
   * it). A wake-up only: the relay still polls, so a missed notice only delays a row.
   *
   * With `exclusive`, only one connection in the whole deployment listens: the one holding a
   * session advisory lock, taken on the listening connection itself, so it passes to another
   * process as soon as this one's connection ends (the process died, Postgres restarted). Null
   * when another holds it. Every NOTIFY then wakes one relay, not one per worker process (the
   * others found nothing and had spent a claim transaction on finding it).
   */
  async listen(onNotice: () => void, options: { exclusive?: boolean } = {}): Promise<OutboxListener | null> {
    const [client, release] = await (this.db.driver as PostgresDriver).obtainMasterConnection();
    if (options.exclusive) {
      let locked = false;
      try {
        locked = (await client.query(`SELECT pg_try_advisory_lock(${LISTENER_LOCK}) AS locked`)).rows[0].locked === true;
      } catch (e) {
        release(e);
        throw e;
      }
      if (!locked) {
        release();
        return null;
      }
    }
    let closed = false;
    let markLost!: () => void;
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    const onNotification = (msg: { channel: string }) => {
      if (msg.channel === OUTBOX_CHANNEL) onNotice();
    };
    let gone = false;
    const onGone = () => {
      gone = true;
      markLost();
    };
    client.on('notification', onNotification);
    client.on('error', onGone);
    client.on('end', onGone);
    try {
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (e) {
      client.off('notification', onNotification);
      client.off('error', onGone);
      client.off('end', onGone);
      // Released as broken (the error): the pool discards it, and its session lock with it.
      release(e);
      throw e;
    }
    return {
      lost,
      close: async () => {
        if (closed) return;
        closed = true;
        client.off('notification', onNotification);
        client.off('error', onGone);
        client.off('end', onGone);
        await client.query(`UNLISTEN ${OUTBOX_CHANNEL}`).catch(() => undefined);
        try {
          // The exclusive listener's connection is discarded, not pooled: its session lock goes with
          // it; so is a connection that was lost (released, or the pool's shutdown waits for it).
          release(options.exclusive || gone ? new Error('outbox listener closed') : undefined);
        } catch {
          // The pool is already closed (shutdown order): nothing to give back.
        }
        markLost();
      },
    };
  }

  /**
   * Events received between `horizonHours` and `graceSeconds` ago that have no decision yet, with
   * their arrival (the decide job's partition hint). The decision is looked for in its event's
   * month only (`event_received_at = e.received_at`: pruned per event as the query runs), and the
   * window bounds both tables, so Postgres reads the window's months and skips the rest at start-up.
   */
  async undecidedEvents(graceSeconds: number, horizonHours: number, limit: number): Promise<Array<{ id: string; receivedAt: Date }>> {
    const rows: Array<{ id: string; received_at: Date }> = await this.db.query(
      `SELECT e.id::text AS id, e.received_at FROM touchpoint_events e
        WHERE e.received_at < now() - make_interval(secs => $1) AND e.received_at > now() - make_interval(hours => $2)
          AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = e.id AND d.event_received_at = e.received_at
                                                      AND d.event_received_at > now() - make_interval(hours => $2))
        ORDER BY e.id LIMIT $3`,
      [graceSeconds, horizonHours, limit],
    );
    return rows.map((r) => ({ id: r.id, receivedAt: r.received_at }));
  }

  /**
   * Deliveries that should have been attempted `graceSeconds` ago: pending or retrying past their
   * next attempt (or creation), held past their release. `attempt` is the one to make next.
   */
  async dueDeliveries(graceSeconds: number, limit: number): Promise<Array<{ id: string; attempt: number; eventReceivedAt: Date }>> {
    // No time bound: a held delivery can be due long after its event (every month's partial due index is probed; they hold only unfinished deliveries).
    const rows: Array<{ id: string; attempts: number; event_received_at: Date }> = await this.db.query(
      `SELECT id::text AS id, attempts, event_received_at FROM deliveries
        WHERE status IN ('pending', 'retrying', 'held')
          AND COALESCE(next_attempt_at, created_at) < now() - make_interval(secs => $1)
        ORDER BY id LIMIT $2`,
      [graceSeconds, limit],
    );
    return rows.map((r) => ({ id: r.id, attempt: r.attempts + 1, eventReceivedAt: r.event_received_at }));
  }

  /** Relayed rows are history once the queue has them; the events and deliveries remain the truth. */
  async purgeRelayed(olderThanHours: number): Promise<number> {
    const rows: unknown[] = await this.db.query(
      `DELETE FROM outbox WHERE relayed_at < now() - make_interval(hours => $1) RETURNING id`,
      [olderThanHours],
    );
    return rows.length;
  }
}
