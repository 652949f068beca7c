import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC } from './touchpoint-event.store';

/** The channel a trigger on outbox notifies at commit (migration EventsIn). */
const OUTBOX_CHANNEL = 'corridor_outbox';

/** The session advisory lock of the one exclusive outbox listener (see OutboxStore.listen). */
const LISTENER_LOCK = `hashtext('corridor.outbox'), hashtext('listener')`;

/** Announces a pending delivery to dispatch (written with it by a decision, or by a replay). */
export const DISPATCH_DELIVERY_TOPIC = 'dispatch-delivery';

/** Written with each stored feedback outcome (in the same transaction); the experience reacts to it. */
export const FEEDBACK_RECORDED_TOPIC = 'feedback-recorded';

/** The outbox topics that announce an event to decide (literals in SQL: the partial index and the planner see them). */
const DECIDE_TOPICS = [DECIDE_EVENT_TOPIC, DECIDE_RAISED_EVENT_TOPIC].map((t) => `'${t}'`).join(', ');

export interface UndecidedEvent {
  id: string;
  /** The event's received_at: the decide job's partition hint. */
  receivedAt: Date;
  source: string;
  /** The job the relay put the event in (its outbox row's job_id), if known. */
  jobId: string | null;
}

/** A delivery that should have been attempted by now (see OutboxStore.dueDeliveries). */
export interface DueDelivery {
  id: string;
  status: 'pending' | 'retrying' | 'held';
  /** The attempt to make next (1-based). */
  attempt: number;
  /** The delivery's event's received_at (its partition key, to the millisecond). */
  eventReceivedAt: Date;
  /** For a pending delivery, the batch job its latest dispatch-delivery outbox row was put in, if recorded. */
  jobId: string | null;
}

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
   * transaction, each with the id of the job `publish` says it put the row's work in (the
   * reconciler asks BullMQ about that job). If `publish` throws, nothing is stamped and the rows
   * come back next time. Only `topics` are claimed: a row of a topic no relay knows stays visible
   * without blocking the rest.
   */
  async relay(topics: readonly string[], limit: number, publish: (rows: OutboxRow[]) => Promise<ReadonlyMap<string, string> | void>): Promise<number> {
    return this.db.transaction(async (m) => {
      const rows: OutboxRow[] = await m.query(
        `SELECT id::text AS id, topic, ref, traceparent, created_at AS "createdAt" FROM outbox WHERE relayed_at IS NULL AND topic = ANY($2::text[]) ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [limit, topics],
      );
      if (rows.length === 0) return 0;
      const jobIds = (await publish(rows)) ?? new Map<string, string>();
      await m.query(
        `UPDATE outbox SET relayed_at = now(), job_id = s.job_id FROM unnest($1::bigint[], $2::text[]) AS s(id, job_id) WHERE outbox.id = s.id`,
        [rows.map((r) => r.id), rows.map((r) => jobIds.get(r.id) ?? null)],
      );
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
   * their arrival (the decide job's partition hint), their source, and the job the relay put each
   * in (its outbox row's job_id; null when the row is gone, unrelayed, or relayed without one). The
   * decision is looked for in its event's month only (`event_received_at = e.received_at`: pruned per
   * event as the query runs), and the window bounds both tables, so Postgres reads the window's
   * months and skips the rest at start-up. The outbox row is probed by ref (outbox_job_ref_idx) for
   * the `limit` rows returned only.
   */
  async undecidedEvents(graceSeconds: number, horizonHours: number, limit: number): Promise<UndecidedEvent[]> {
    const rows: Array<{ id: string; received_at: Date; source: string; job_id: string | null }> = await this.db.query(
      `SELECT u.id::text AS id, u.received_at, u.source,
              (SELECT o.job_id FROM outbox o WHERE o.ref = u.id::text AND o.job_id IS NOT NULL AND o.topic IN (${DECIDE_TOPICS}) LIMIT 1) AS job_id
         FROM (SELECT e.id, e.received_at, e.source FROM touchpoint_events e
                WHERE e.received_at < now() - make_interval(secs => $1) AND e.received_at > now() - make_interval(hours => $2)
                  AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = e.id AND d.event_received_at = e.received_at
                                                              AND d.event_received_at > now() - make_interval(hours => $2))
                ORDER BY e.id LIMIT $3) u
        ORDER BY u.id`,
      [graceSeconds, horizonHours, limit],
    );
    return rows.map((r) => ({ id: r.id, receivedAt: r.received_at, source: r.source, jobId: r.job_id }));
  }

  /**
   * Of `events` (undecided when last looked at), those still without a decision whose outbox row is
   * not waiting for the relay: the ones to re-queue. Asked after the queue was (the batch job found
   * completed or gone), so a decision committed in between is seen; an unrelayed row will be
   * relayed (its stamp commits with the enqueue), so re-queuing its event would only double it.
   * Each decision is probed in its event's month (OFFSET 0 keeps the NOT EXISTS a per-event probe:
   * for a few thousand events the planner would rather hash every month's decisions); the
   * unrelayed rows are read once through outbox_unrelayed_idx (NOT IN: a hashed subplan).
   * `receivedAt` came back through a JS Date (milliseconds; Postgres keeps microseconds), hence
   * the decision's arrival is matched within a millisecond, not by equality.
   */
  async toRequeue(events: ReadonlyArray<{ id: string; receivedAt: Date }>): Promise<string[]> {
    if (events.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT c.id::text AS id FROM unnest($1::bigint[], $2::timestamptz[]) AS c(id, received_at)
        WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.event_id = c.id
                             AND d.event_received_at > c.received_at - interval '1 millisecond' AND d.event_received_at < c.received_at + interval '1 millisecond' OFFSET 0)
          AND c.id::text NOT IN (SELECT o.ref FROM outbox o WHERE o.relayed_at IS NULL AND o.topic IN (${DECIDE_TOPICS}) AND o.ref = ANY($3::text[]))
        ORDER BY c.id`,
      [events.map((e) => e.id), events.map((e) => e.receivedAt), events.map((e) => e.id)],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Deliveries that should have been attempted `graceSeconds` ago: pending or retrying past their
   * next attempt (or creation), held past their release. `attempt` is the one to make next. A
   * pending delivery comes with the batch job its latest outbox row names (a replay writes a new
   * row): probed by ref (outbox_job_ref_idx) for the `limit` rows returned only.
   */
  async dueDeliveries(graceSeconds: number, limit: number): Promise<DueDelivery[]> {
    // No time bound: a held delivery can be due long after its event (every month's partial due index is probed; they hold only unfinished deliveries).
    const rows: Array<{ id: string; status: DueDelivery['status']; attempts: number; event_received_at: Date; job_id: string | null }> = await this.db.query(
      `SELECT u.id::text AS id, u.status, u.attempts, u.event_received_at,
              CASE WHEN u.status = 'pending' THEN
                (SELECT o.job_id FROM outbox o WHERE o.ref = u.id::text AND o.job_id IS NOT NULL AND o.topic = '${DISPATCH_DELIVERY_TOPIC}' ORDER BY o.id DESC LIMIT 1)
              END AS job_id
         FROM (SELECT id, status, attempts, event_received_at FROM deliveries
                WHERE status IN ('pending', 'retrying', 'held')
                  AND COALESCE(next_attempt_at, created_at) < now() - make_interval(secs => $1)
                ORDER BY id LIMIT $2) u
        ORDER BY u.id`,
      [graceSeconds, limit],
    );
    return rows.map((r) => ({ id: r.id, status: r.status, attempt: r.attempts + 1, eventReceivedAt: r.event_received_at, jobId: r.job_id }));
  }

  /**
   * Of `deliveries` (due when last looked at), those still unfinished at the same attempt whose
   * outbox row is not waiting for the relay (a replay's: the relay will enqueue it): the ones to
   * re-queue. Asked after the queue was, so an attempt made meanwhile is seen. Each delivery is
   * read by its key in its event's month (received_at known to the millisecond, hence the range).
   */
  async deliveriesToRequeue(deliveries: ReadonlyArray<{ id: string; attempt: number; eventReceivedAt: Date }>): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const rows: Array<{ id: string }> = await this.db.query(
      `SELECT c.id::text AS id FROM unnest($1::bigint[], $2::timestamptz[], $3::int[]) AS c(id, received_at, attempt)
        WHERE EXISTS (SELECT 1 FROM deliveries v WHERE v.id = c.id
                         AND v.event_received_at > c.received_at - interval '1 millisecond' AND v.event_received_at < c.received_at + interval '1 millisecond'
                         AND v.status IN ('pending', 'retrying', 'held') AND v.attempts + 1 = c.attempt OFFSET 0)
          AND c.id::text NOT IN (SELECT o.ref FROM outbox o WHERE o.relayed_at IS NULL AND o.topic = '${DISPATCH_DELIVERY_TOPIC}' AND o.ref = ANY($4::text[]))
        ORDER BY c.id`,
      [deliveries.map((d) => d.id), deliveries.map((d) => d.eventReceivedAt), deliveries.map((d) => d.attempt), deliveries.map((d) => d.id)],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Records on outbox rows written already relayed (a decide job's pending deliveries) the job
   * their work was put in, once it was enqueued: the reconciler asks BullMQ about it.
   */
  async recordJobs(rows: ReadonlyArray<{ outboxId: string; jobId: string }>): Promise<void> {
    if (rows.length === 0) return;
    await this.db.query(`UPDATE outbox SET job_id = s.job_id FROM unnest($1::bigint[], $2::text[]) AS s(id, job_id) WHERE outbox.id = s.id`, [
      rows.map((r) => r.outboxId),
      rows.map((r) => r.jobId),
    ]);
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
