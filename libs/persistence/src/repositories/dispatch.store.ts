import { Injectable } from '@nestjs/common';
import { CrmObject, DeliveryRecord, DeliveryUpdate, TreatmentType } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { SecretBox } from '../secrets/secret-box';
import { arrivalBounds, arrivalOf, type EventArrivalRange } from './event-arrival';

const DELIVERY_COLUMNS = `id, decision_id, event_id, customer_id, treatment_key, treatment_type, channel, webhook_id, destination_id,
  connection_id, status, attempts, attempts_at_replay, replays, next_attempt_at, request, last_status_code, last_error,
  notice, created_at, updated_at, delivered_at, dead_at, event_received_at`;

/** `AND event_received_at` within the bounds (parameters `$n`, `$n+1`), or nothing without them. */
function inMonths(bounds: [Date, Date] | null, n: number): string {
  return bounds ? ` AND event_received_at >= $${n} AND event_received_at < $${n + 1}` : '';
}

/** A destination with its signing secret opened (for the sender only; never returned by the API). */
export interface OpenedDestination {
  id: string;
  url: string;
  secret: string;
  timeoutMs: number;
  rateLimitPerSecond: number | null;
  enabled: boolean;
}

/** The CRM record a customer came from (CRM treatments land there). */
export interface CustomerCrmRecord {
  connectionId: string;
  externalId: string;
  crmObject: CrmObject;
  deleted: boolean;
}

export type LockedAttempt<T> = { status: 'missing' } | { status: 'busy' } | { status: 'done'; result: T };

/**
 * Deliveries as the dispatcher and the dead-letter routes read and write them. `withLocked`
 * holds the delivery's row lock for the whole attempt, so two workers never make the same attempt:
 * the second one skips the locked row and does nothing.
 */
@Injectable()
export class DispatchStore {
  constructor(
    private readonly db: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * A delivery by id. By id alone every month's partition is probed (the API's routes know no more);
   * `arrival` (a job's hint of its event's arrival) reads only those months, then every month if
   * the row is not there.
   */
  async get(id: string, arrival?: EventArrivalRange): Promise<DeliveryRecord | null> {
    const bounds = arrivalBounds(arrival);
    let rows = await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1${inMonths(bounds, 2)}`, bounds ? [id, ...bounds] : [id]);
    if (!rows[0] && bounds) rows = await this.db.query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  /**
   * Locks the delivery (skipping it when another worker holds it), runs `attempt` with it, and
   * writes the update it returns (null: nothing to write), in one transaction. `arrival` as for `get`.
   */
  async withLocked<T>(
    id: string,
    attempt: (d: DeliveryRecord) => Promise<{ update: DeliveryUpdate | null; result: T }>,
    arrival?: EventArrivalRange,
  ): Promise<LockedAttempt<T>> {
    const bounds = arrivalBounds(arrival);
    return this.db.transaction(async (em) => {
      let rows = await em.query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1${inMonths(bounds, 2)} FOR UPDATE SKIP LOCKED`, bounds ? [id, ...bounds] : [id]);
      // Not in the hinted months (or busy): look in every month before calling it missing.
      if (!rows[0] && bounds) rows = await em.query(`SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 FOR UPDATE SKIP LOCKED`, [id]);
      if (!rows[0]) {
        const [exists] = await em.query(`SELECT 1 FROM deliveries WHERE id = $1`, [id]);
        return exists ? { status: 'busy' } : { status: 'missing' };
      }
      const { update, result } = await attempt(toRecord(rows[0]));
      // The row is read: its own partition key names its month (widened for the lost microseconds).
      const own = arrivalBounds(arrivalOf([rows[0].event_received_at]))!;
      if (update) {
        await em.query(
          `UPDATE deliveries SET status = $2, attempts = $3, next_attempt_at = $4, last_status_code = $5, last_error = $6, updated_at = now(),
                  delivered_at = CASE WHEN $2 = 'delivered' THEN now() ELSE delivered_at END,
                  dead_at = CASE WHEN $2 = 'dead' THEN now() ELSE NULL END,
                  notice = CASE WHEN $2 = 'delivered' THEN $7::text ELSE notice END
            WHERE id = $1${inMonths(own, 8)}`,
          [id, update.status, update.attempts, update.nextAttemptAt, update.lastStatusCode, update.lastError, update.notice ?? null, ...own],
        );
      }
      return { status: 'done', result };
    });
  }

  /**
   * `withLocked` for several deliveries in one transaction: the rows it can lock (SKIP LOCKED:
   * another worker is attempting the rest) are handed to `attempt` with the correlation id of the
   * event that caused each, and the updates it returns are written by one statement. Ids it could
   * not lock come back as `busy` (locked elsewhere) or `missing`. `arrival` (the job's hint of
   * its events' arrival) reads only those months first, as for `get`.
   */
  async withLockedMany<T>(
    ids: readonly string[],
    attempt: (ds: Array<DeliveryRecord & { correlationId: string | null }>) => Promise<{ updates: ReadonlyMap<string, DeliveryUpdate>; result: T }>,
    arrival?: EventArrivalRange,
  ): Promise<{ busy: string[]; missing: string[]; result: T }> {
    const bounds = arrivalBounds(arrival);
    return this.db.transaction(async (em) => {
      // The event is looked up in the delivery's own month (its partition key, equal to the event's).
      const lock = (wanted: readonly string[], b: [Date, Date] | null): Promise<Array<Record<string, any>>> =>
        em.query(
          `SELECT ${DELIVERY_COLUMNS},
                  (SELECT e.correlation_id FROM touchpoint_events e WHERE e.id = deliveries.event_id AND e.received_at = deliveries.event_received_at) AS correlation_id
             FROM deliveries WHERE id = ANY($1::bigint[])${inMonths(b, 2)} ORDER BY id FOR UPDATE SKIP LOCKED`,
          b ? [wanted, ...b] : [wanted],
        );
      let rows = await lock(ids, bounds);
      if (bounds && rows.length < ids.length) {
        // Not in the hinted months (or busy): look in every month before calling them missing.
        const got = new Set(rows.map((r) => String(r.id)));
        rows = [...rows, ...(await lock(ids.filter((id) => !got.has(id)), null))].sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
      }
      const lockedIds = new Set(rows.map((r) => String(r.id)));
      const notLocked = ids.filter((id) => !lockedIds.has(id));
      const exists: Array<{ id: string }> = notLocked.length ? await em.query(`SELECT id::text FROM deliveries WHERE id = ANY($1::bigint[])`, [notLocked]) : [];
      const existing = new Set(exists.map((r) => r.id));
      const { updates, result } = await attempt(rows.map((r) => ({ ...toRecord(r), correlationId: r.correlation_id ?? null })));
      if (updates.size > 0) {
        const own = arrivalBounds(arrivalOf(rows.map((r) => r.event_received_at as Date)))!;
        const list = [...updates].map(([id, u]) => ({
          id,
          status: u.status,
          attempts: u.attempts,
          next_attempt_at: u.nextAttemptAt?.toISOString() ?? null,
          last_status_code: u.lastStatusCode,
          last_error: u.lastError,
          notice: u.notice ?? null,
        }));
        await em.query(
          `UPDATE deliveries d SET status = u.status, attempts = u.attempts, next_attempt_at = u.next_attempt_at, last_status_code = u.last_status_code,
                  last_error = u.last_error, updated_at = now(),
                  delivered_at = CASE WHEN u.status = 'delivered' THEN now() ELSE d.delivered_at END,
                  dead_at = CASE WHEN u.status = 'dead' THEN now() ELSE NULL END,
                  notice = CASE WHEN u.status = 'delivered' THEN u.notice ELSE d.notice END
             FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, status text, attempts int, next_attempt_at timestamptz, last_status_code int, last_error text, notice text)
            WHERE d.id = u.id AND d.event_received_at >= $2 AND d.event_received_at < $3`,
          [JSON.stringify(list), ...own],
        );
      }
      return { busy: notLocked.filter((id) => existing.has(id)), missing: notLocked.filter((id) => !existing.has(id)), result };
    });
  }

  /** Dead letters, newest first, by keyset on id. */
  async listByStatus(status: string, limit: number, beforeId?: string): Promise<{ items: DeliveryRecord[]; next: string | null }> {
    const rows = await this.db.query(
      `SELECT ${DELIVERY_COLUMNS} FROM deliveries WHERE status = $1 AND ($2::bigint IS NULL OR id < $2::bigint) ORDER BY id DESC LIMIT $3`,
      [status, beforeId ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(toRecord);
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }

  /**
   * A dead letter back to `pending` (a full set of attempts again, the same webhook id) with an
   * outbox row in the same transaction, so the relay dispatches it even if the caller's enqueue is
   * lost. Null when it is not dead (or does not exist), or when its customer was erased: nothing
   * more goes out about an erased person, and their rendered request is gone anyway.
   */
  async replay(id: string): Promise<DeliveryRecord | null> {
    return this.db.transaction(async (em) => {
      const [rows] = await em.query(
        `UPDATE deliveries SET status = 'pending', attempts_at_replay = attempts, replays = replays + 1, next_attempt_at = NULL,
                dead_at = NULL, updated_at = now()
          WHERE id = $1 AND status = 'dead'
            AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = deliveries.customer_id AND c.erased_at IS NOT NULL)
          RETURNING ${DELIVERY_COLUMNS}`,
        [id],
      );
      if (!rows[0]) return null;
      await em.query(`INSERT INTO outbox (topic, ref) VALUES ('dispatch-delivery', $1)`, [id]);
      return toRecord(rows[0]);
    });
  }

  /**
   * A destination, its secret opened. Concurrent look-ups of one destination (a batch's sends)
   * share one query; nothing is kept after it answers, so a change applies to the next send.
   */
  destination(id: string): Promise<OpenedDestination | null> {
    let pending = this.destinationLookups.get(id);
    if (!pending) {
      pending = this.readDestination(id).finally(() => this.destinationLookups.delete(id));
      this.destinationLookups.set(id, pending);
    }
    return pending;
  }

  private readonly destinationLookups = new Map<string, Promise<OpenedDestination | null>>();

  private async readDestination(id: string): Promise<OpenedDestination | null> {
    const [row] = await this.db.query(`SELECT id, url, secret_encrypted, timeout_ms, rate_limit_per_second, enabled FROM destinations WHERE id = $1`, [id]);
    if (!row) return null;
    return {
      id: row.id,
      url: row.url,
      secret: this.secrets.open(row.secret_encrypted),
      timeoutMs: row.timeout_ms,
      rateLimitPerSecond: row.rate_limit_per_second,
      enabled: row.enabled,
    };
  }

  async customerRecord(customerId: string): Promise<CustomerCrmRecord | null> {
    const [row] = await this.db.query(`SELECT connection_id, external_id, crm_object, deleted_at FROM customers WHERE id = $1`, [customerId]);
    if (!row) return null;
    return { connectionId: row.connection_id, externalId: row.external_id, crmObject: row.crm_object, deleted: row.deleted_at !== null };
  }
}

function toRecord(r: Record<string, any>): DeliveryRecord {
  return {
    id: String(r.id),
    decisionId: String(r.decision_id),
    eventId: String(r.event_id),
    customerId: String(r.customer_id),
    treatmentKey: r.treatment_key,
    treatmentType: r.treatment_type as TreatmentType,
    channel: r.channel,
    webhookId: r.webhook_id,
    destinationId: r.destination_id,
    connectionId: r.connection_id,
    status: r.status,
    attempts: r.attempts,
    attemptsAtReplay: r.attempts_at_replay,
    replays: r.replays,
    nextAttemptAt: r.next_attempt_at ? new Date(r.next_attempt_at) : null,
    request: r.request ?? {},
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    notice: r.notice ?? null,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    deliveredAt: r.delivered_at ? new Date(r.delivered_at) : null,
    deadAt: r.dead_at ? new Date(r.dead_at) : null,
    eventReceivedAt: new Date(r.event_received_at),
  };
}
