import { Injectable } from '@nestjs/common';
import type { Channel, CountedDelivery, DecisionOutcome, DecisionReason, TreatmentType } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { decisionsOfEvents, eventWithDecisions, RECEIVED_KEY, type EventRow, type RecentEvent } from './event-decisions.query';
import { arrivalBounds, arrivalOf, type EventArrivalRange } from './event-arrival';
import { currentTraceparent } from './trace-context';

export interface EventToDecide {
  id: string;
  touchpointKey: string;
  customerId: string;
  occurredAt: Date;
  /** `received_at` exactly (ISO, microseconds): the partition key its decision and delivery copy. */
  receivedAt: string;
  properties: Record<string, unknown>;
  correlationId: string | null;
  /** The live strategy version when the event was read (null before the first publish). */
  liveStrategyVersion: number | null;
}

export interface LivePersona {
  personaId: string;
  key: string;
  name: string;
  description: string;
  setVersion: number;
}

export interface NewDecision {
  personaKey: string | null;
  personaSetVersion: number | null;
  strategyVersion: number | null;
  optionIndex: number | null;
  treatmentKey: string | null;
  outcome: DecisionOutcome;
  reasons: DecisionReason[];
}

export interface NewDelivery {
  treatmentKey: string;
  treatmentType: TreatmentType;
  channel: Channel;
  momentOfTruth: boolean;
  webhookId: string;
  destinationId: string | null;
  connectionId: string | null;
  status: 'pending' | 'held';
  nextAttemptAt: Date | null;
  request: Record<string, unknown>;
}

/** What the decide step returns for the store to write. */
export interface DecisionWrite {
  decision: NewDecision;
  delivery: NewDelivery | null;
  /** Held deliveries to suppress (a moment of truth took their place under a cap), with the reason. */
  displace: { ids: string[]; reason: DecisionReason } | null;
}

export type { RecentEvent } from './event-decisions.query';

export type DecisionRecorded =
  | {
      created: true;
      decisionId: string;
      deliveryId: string | null;
      delivery: NewDelivery | null;
      /** The outbox row written for a pending delivery (its dispatch job's id is recorded on it once enqueued); null otherwise. */
      outboxId: string | null;
    }
  | { created: false; decisionId: string };

/** Deliveries that never reached (and never will reach) the customer do not count against caps. */
const NOT_COUNTED = `('dead', 'suppressed')`;

/** An event's `received_at` as exact ISO text (a JS Date would drop its microseconds, and the copy would differ). */
const RECEIVED_AT_TEXT = `to_char(e.received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Two-key advisory lock space for "one customer's decisions", apart from the single-key locks. */
const DECIDE_LOCK_CLASS = `hashtext('corridor.decide')`;

/** The customer's key in DECIDE_LOCK_CLASS: `customer id mod 2^31-1`, as the single-event lock computes it in SQL. */
export function decideLockKey(customerId: string): number {
  return Number(BigInt(customerId) % 2147483647n);
}

function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

/** Decisions and the deliveries they create: reads for the decide step, one atomic write per decision. */
@Injectable()
export class DecisionStore {
  constructor(private readonly db: DataSource) {}

  /** One event (what `events` returns for it), read in the months `arrival` names when given. */
  async event(id: string, arrival?: EventArrivalRange): Promise<EventToDecide | null> {
    return (await this.events([id], arrival))[0] ?? null;
  }

  /**
   * Several events at once, in id order (missing ids are left out), with the live strategy version
   * read once for all of them. With `arrival` (the job's hint) only those months' partitions are
   * read; an id not found there is looked for in every month (a wrong hint costs a probe, never an event).
   */
  async events(ids: readonly string[], arrival?: EventArrivalRange): Promise<EventToDecide[]> {
    if (ids.length === 0) return [];
    const wanted = [...new Set(ids)];
    const bounds = arrivalBounds(arrival);
    let rows = await this.eventRows(wanted, bounds);
    if (bounds && rows.length < wanted.length) {
      const found = new Set(rows.map((r) => r.id));
      rows = [...rows, ...(await this.eventRows(wanted.filter((id) => !found.has(id)), null))].sort((a, b) => compareIds(a.id, b.id));
    }
    return rows.map((r) => ({
      id: r.id,
      touchpointKey: r.touchpoint_key,
      customerId: r.customer_id,
      occurredAt: r.occurred_at,
      receivedAt: r.received_at,
      properties: r.properties ?? {},
      correlationId: r.correlation_id,
      liveStrategyVersion: r.live === null ? null : Number(r.live),
    }));
  }

  private eventRows(
    ids: readonly string[],
    bounds: [Date, Date] | null,
  ): Promise<Array<{ id: string; touchpoint_key: string; customer_id: string; occurred_at: Date; received_at: string; properties: Record<string, unknown>; correlation_id: string | null; live: number | null }>> {
    return this.db.query(
      `SELECT e.id::text, e.touchpoint_key, e.customer_id::text, e.occurred_at, ${RECEIVED_AT_TEXT} AS received_at, e.properties, e.correlation_id, v.live
         FROM touchpoint_events e CROSS JOIN (SELECT max(version) AS live FROM strategy_versions) v
        WHERE e.id = ANY($1::bigint[]) ${bounds ? 'AND e.received_at >= $2 AND e.received_at < $3' : ''} ORDER BY e.id`,
      bounds ? [ids, ...bounds] : [ids],
    );
  }

  /** Live personas of several customers (customer id → persona; customers without one are absent). */
  async livePersonas(customerIds: readonly string[]): Promise<Map<string, LivePersona>> {
    if (customerIds.length === 0) return new Map();
    const rows: Array<{ customer_id: string; persona_id: string; key: string; name: string; description: string | null; set_version: number }> = await this.db.query(
      `SELECT a.customer_id::text, a.persona_id, m->>'key' AS key, m->>'name' AS name, pv.description, a.set_version
         FROM assignments a
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live'
         CROSS JOIN LATERAL jsonb_array_elements(s.members) m
         LEFT JOIN persona_versions pv ON pv.id = (m->>'personaVersionId')::uuid
        WHERE a.customer_id = ANY($1::bigint[]) AND m->>'personaId' = a.persona_id::text`,
      [[...new Set(customerIds)]],
    );
    return new Map(rows.map((r) => [r.customer_id, { personaId: r.persona_id, key: r.key, name: r.name, description: r.description ?? '', setVersion: r.set_version }]));
  }

  /** The customer's persona in the live set, with the name and description published with it (never a draft's). */
  async livePersona(customerId: string): Promise<LivePersona | null> {
    const rows: Array<{ persona_id: string; key: string; name: string; description: string | null; set_version: number }> = await this.db.query(
      `SELECT a.persona_id, m->>'key' AS key, m->>'name' AS name, pv.description, a.set_version
         FROM assignments a
         JOIN persona_sets s ON s.version = a.set_version AND s.status = 'live'
         CROSS JOIN LATERAL jsonb_array_elements(s.members) m
         LEFT JOIN persona_versions pv ON pv.id = (m->>'personaVersionId')::uuid
        WHERE a.customer_id = $1 AND m->>'personaId' = a.persona_id::text`,
      [customerId],
    );
    const r = rows[0];
    return r ? { personaId: r.persona_id, key: r.key, name: r.name, description: r.description ?? '', setVersion: r.set_version } : null;
  }

  /**
   * Decides and records several events in one transaction: the advisory locks of all their
   * customers taken in one statement in ascending key order (two batches sharing customers queue
   * up instead of deadlocking), existing decisions returned untouched, the counted deliveries of
   * all the customers read at once. `decideWith` runs per event in id order; what an event creates
   * counts for the customer's later events in the batch (and a moment of truth may displace a held
   * delivery the batch itself made), so caps are exactly as with one event per transaction. The
   * decisions, deliveries and their outbox rows are then written by one multi-row statement, the
   * decision's ON CONFLICT DO NOTHING still the last guard. Results follow `events`' order.
   */
  decideBatchUnderLocks(
    events: readonly EventToDecide[],
    countSince: Date,
    decideWith: (event: EventToDecide, counted: CountedDelivery[]) => DecisionWrite,
  ): Promise<DecisionRecorded[]> {
    if (events.length === 0) return Promise.resolve([]);
    return this.db.transaction(async (em) => {
      const keys = [...new Set(events.map((e) => decideLockKey(e.customerId)))].sort((a, b) => a - b);
      // unnest yields the keys in array order, so the locks are taken in that order.
      await em.query(`SELECT pg_advisory_xact_lock(${DECIDE_LOCK_CLASS}, k) FROM unnest($1::int[]) AS k`, [keys]);
      const existing = new Map<string, string>();
      // Decisions live in their event's month: read only the months of these events.
      const [from, to] = arrivalBounds(arrivalOf(events.map((e) => e.receivedAt)))!;
      const found: Array<{ id: string; event_id: string; touchpoint_key: string }> = await em.query(
        `SELECT id::text, event_id::text, touchpoint_key FROM decisions WHERE event_id = ANY($1::bigint[]) AND event_received_at >= $2 AND event_received_at < $3`,
        [events.map((e) => e.id), from, to],
      );
      for (const r of found) existing.set(`${r.event_id}:${r.touchpoint_key}`, r.id);
      const todo = [...new Map(events.filter((e) => !existing.has(`${e.id}:${e.touchpointKey}`)).map((e) => [`${e.id}:${e.touchpointKey}`, e])).values()].sort((a, b) =>
        compareIds(a.id, b.id),
      );
      const made = new Map<string, DecisionRecorded>();
      const results = () => events.map((e): DecisionRecorded => made.get(`${e.id}:${e.touchpointKey}`) ?? { created: false, decisionId: existing.get(`${e.id}:${e.touchpointKey}`) ?? '' });
      if (todo.length === 0) return results();

      const counted = await this.countedOf(em, [...new Set(todo.map((e) => e.customerId))], countSince);
      // A delivery made here that a later event of the same customer counts (and may displace)
      // needs its id before it is inserted: take ids from the sequence for those customers only.
      const perCustomer = new Map<string, number>();
      for (const e of todo) perCustomer.set(e.customerId, (perCustomer.get(e.customerId) ?? 0) + 1);
      const repeats = todo.filter((e) => perCustomer.get(e.customerId)! > 1).length;
      const spareIds: string[] =
        repeats === 0
          ? []
          : (await em.query(`SELECT nextval(pg_get_serial_sequence('deliveries', 'id'))::text AS id FROM generate_series(1, $1)`, [repeats])).map((r: { id: string }) => r.id);

      const writes: Array<{ event: EventToDecide; write: DecisionWrite; deliveryId: string | null; lastError: string | null; suppressed: boolean }> = [];
      const madeHere = new Map<string, (typeof writes)[number]>();
      const displacedInDb: Array<{ ids: string[]; reason: DecisionReason }> = [];
      const now = Date.now();
      for (const event of todo) {
        const mine = counted.get(event.customerId) ?? [];
        const write = decideWith(event, mine);
        if (write.displace && write.displace.ids.length > 0) {
          const { ids, reason } = write.displace;
          const inDb = ids.filter((id) => !madeHere.has(id));
          if (inDb.length) displacedInDb.push({ ids: inDb, reason });
          for (const id of ids) {
            const w = madeHere.get(id);
            if (w && w.write.delivery?.status === 'held' && !w.suppressed) {
              // The same as suppressHeld does to a stored one, before it is ever written.
              w.suppressed = true;
              w.lastError = `${reason.code}: ${reason.message}`;
              w.write = { ...w.write, decision: { ...w.write.decision, outcome: 'suppressed', reasons: [...w.write.decision.reasons, reason] } };
            }
          }
          counted.set(event.customerId, mine.filter((d) => !ids.includes(d.id)));
        }
        const entry = { event, write, deliveryId: null as string | null, lastError: null as string | null, suppressed: false };
        writes.push(entry);
        const v = write.delivery;
        if (v && perCustomer.get(event.customerId)! > 1) {
          entry.deliveryId = spareIds.shift()!;
          madeHere.set(entry.deliveryId, entry);
          const at = v.status === 'held' && v.nextAttemptAt ? v.nextAttemptAt.getTime() : now;
          counted.set(event.customerId, [
            ...(counted.get(event.customerId) ?? []),
            { id: entry.deliveryId, treatmentKey: v.treatmentKey, channel: v.channel, at, momentOfTruth: v.momentOfTruth, bumpable: v.status === 'held' },
          ]);
        }
      }
      for (const d of displacedInDb) await this.suppressHeld(em, d.ids, d.reason);

      const decisionRows = writes.map(({ event, write: { decision: d } }, ord) => ({
        ord,
        event_id: event.id,
        event_received_at: event.receivedAt,
        touchpoint_key: event.touchpointKey,
        customer_id: event.customerId,
        persona_key: d.personaKey,
        persona_set_version: d.personaSetVersion,
        strategy_version: d.strategyVersion,
        option_index: d.optionIndex,
        treatment_key: d.treatmentKey,
        outcome: d.outcome,
        reasons: d.reasons,
      }));
      const deliveryRows = writes
        .filter((w) => w.write.delivery)
        .map(({ event, write, deliveryId, lastError, suppressed }, ord) => {
          const v = write.delivery!;
          return {
            ord,
            id: deliveryId,
            event_id: event.id,
            touchpoint_key: event.touchpointKey,
            customer_id: event.customerId,
            treatment_key: v.treatmentKey,
            treatment_type: v.treatmentType,
            channel: v.channel,
            moment_of_truth: v.momentOfTruth,
            webhook_id: v.webhookId,
            destination_id: v.destinationId,
            connection_id: v.connectionId,
            status: suppressed ? 'suppressed' : v.status,
            next_attempt_at: v.nextAttemptAt?.toISOString() ?? null,
            request: v.request,
            last_error: lastError,
          };
        });
      // One statement: the decisions (a conflict inserts nothing, and then neither its delivery),
      // the deliveries of the inserted ones, an outbox row for each pending delivery, stamped
      // relayed already: the decide job enqueues their dispatch itself once this commits (no relay
      // hop) and then records the batch job's id on them (by the ids returned here); if that enqueue
      // is lost the reconciler finds the pending delivery in Postgres.
      // Decisions and deliveries carry the event's received_at, their partition key, as the event
      // was read (exact text): no join back to touchpoint_events, which would probe every month.
      const inserted: Array<{ kind: 'decision' | 'delivery' | 'outbox'; event_id: string; id: string }> = await em.query(
        `WITH din AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(ord int, event_id bigint, event_received_at timestamptz, touchpoint_key text, customer_id bigint, persona_key text,
                        persona_set_version int, strategy_version int, option_index int, treatment_key text, outcome text, reasons jsonb)),
              d AS (INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, event_received_at)
                    SELECT event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, event_received_at
                      FROM din ORDER BY ord
                    ON CONFLICT (event_id, touchpoint_key, event_received_at) DO NOTHING
                    RETURNING id, event_id, touchpoint_key, event_received_at),
              vin AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(ord int, id bigint, event_id bigint, touchpoint_key text, customer_id bigint, treatment_key text,
                        treatment_type text, channel text, moment_of_truth boolean, webhook_id text, destination_id uuid, connection_id uuid, status text,
                        next_attempt_at timestamptz, request jsonb, last_error text)),
              v AS (INSERT INTO deliveries (id, decision_id, event_id, customer_id, treatment_key, treatment_type, channel, moment_of_truth, webhook_id,
                                            destination_id, connection_id, status, next_attempt_at, request, last_error, event_received_at)
                    OVERRIDING SYSTEM VALUE
                    SELECT COALESCE(vin.id, nextval(pg_get_serial_sequence('deliveries', 'id'))), d.id, vin.event_id, vin.customer_id, vin.treatment_key,
                           vin.treatment_type, vin.channel, vin.moment_of_truth, vin.webhook_id, vin.destination_id, vin.connection_id, vin.status,
                           vin.next_attempt_at, vin.request, vin.last_error, d.event_received_at
                      FROM vin JOIN d ON d.event_id = vin.event_id AND d.touchpoint_key = vin.touchpoint_key ORDER BY vin.ord
                    RETURNING id, event_id, status),
              ob AS (INSERT INTO outbox (topic, ref, relayed_at, traceparent) SELECT 'dispatch-delivery', id::text, now(), $3 FROM v WHERE status = 'pending' ORDER BY id
                     RETURNING id, ref)
         SELECT 'decision' AS kind, event_id::text, id::text FROM d
         UNION ALL SELECT 'delivery', event_id::text, id::text FROM v
         UNION ALL SELECT 'outbox', v.event_id::text, ob.id::text FROM ob JOIN v ON v.id::text = ob.ref`,
        // The decide job's trace (its span is active here) continues into the dispatch.
        [JSON.stringify(decisionRows), JSON.stringify(deliveryRows), currentTraceparent()],
      );
      const decisionOf = new Map(inserted.filter((r) => r.kind === 'decision').map((r) => [r.event_id, r.id]));
      const deliveryOf = new Map(inserted.filter((r) => r.kind === 'delivery').map((r) => [r.event_id, r.id]));
      const outboxOf = new Map(inserted.filter((r) => r.kind === 'outbox').map((r) => [r.event_id, r.id]));
      const lost: EventToDecide[] = [];
      for (const { event, write, suppressed } of writes) {
        const key = `${event.id}:${event.touchpointKey}`;
        const decisionId = decisionOf.get(event.id);
        if (!decisionId) {
          lost.push(event);
          continue;
        }
        const deliveryId = deliveryOf.get(event.id) ?? null;
        made.set(key, { created: true, decisionId, deliveryId, delivery: write.delivery && !suppressed ? write.delivery : null, outboxId: outboxOf.get(event.id) ?? null });
      }
      // Only without the lock could another decision have come first; it stands, untouched.
      for (const event of lost) existing.set(`${event.id}:${event.touchpointKey}`, (await this.existingDecision(em, event)) ?? '');
      return results();
    });
  }

  private async existingDecision(em: EntityManager, event: EventToDecide): Promise<string | null> {
    const rows: Array<{ id: string }> = await em.query(`SELECT id::text FROM decisions WHERE event_id = $1 AND touchpoint_key = $2 AND event_received_at = $3`, [
      event.id,
      event.touchpointKey,
      event.receivedAt,
    ]);
    return rows[0]?.id ?? null;
  }

  /** The customer's deliveries that count against caps (for the agent's view: read without the lock). */
  countedDeliveries(customerId: string, since: Date): Promise<CountedDelivery[]> {
    return this.counted(this.db.manager, customerId, since);
  }

  /** The customer's latest touchpoint events, newest first, each with its decisions and their deliveries. */
  async recentEvents(customerId: string, limit: number): Promise<RecentEvent[]> {
    const events: EventRow[] = await this.db.query(
      `SELECT id::text, source, touchpoint_key, occurred_at, received_at, ${RECEIVED_KEY}, properties FROM touchpoint_events
        WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    );
    const decisions = await decisionsOfEvents(this.db, events);
    return events.map((e) => eventWithDecisions(e, decisions));
  }

  /** `counted` for several customers in one query (customer id → deliveries). */
  private async countedOf(em: EntityManager, customerIds: readonly string[], since: Date): Promise<Map<string, CountedDelivery[]>> {
    const rows: Array<{ id: string; customer_id: string; treatment_key: string; channel: Channel; moment_of_truth: boolean; status: string; at: Date }> = await em.query(
      `SELECT id::text, customer_id::text, treatment_key, channel, moment_of_truth, status,
              CASE WHEN status = 'held' THEN coalesce(next_attempt_at, created_at) ELSE created_at END AS at
         FROM deliveries
        WHERE customer_id = ANY($1::bigint[]) AND status NOT IN ${NOT_COUNTED} AND (created_at >= $2 OR status = 'held')
        ORDER BY id`,
      [customerIds, since],
    );
    const out = new Map<string, CountedDelivery[]>();
    for (const r of rows) {
      const list = out.get(r.customer_id) ?? [];
      list.push({ id: r.id, treatmentKey: r.treatment_key, channel: r.channel, at: r.at.getTime(), momentOfTruth: r.moment_of_truth, bumpable: r.status === 'held' });
      out.set(r.customer_id, list);
    }
    return out;
  }

  /** Sent, in flight or held deliveries since `since` (held ones at their release instant, wherever it falls). */
  private async counted(em: EntityManager, customerId: string, since: Date): Promise<CountedDelivery[]> {
    const rows: Array<{ id: string; treatment_key: string; channel: Channel; moment_of_truth: boolean; status: string; at: Date }> = await em.query(
      `SELECT id::text, treatment_key, channel, moment_of_truth, status,
              CASE WHEN status = 'held' THEN coalesce(next_attempt_at, created_at) ELSE created_at END AS at
         FROM deliveries
        WHERE customer_id = $1 AND status NOT IN ${NOT_COUNTED} AND (created_at >= $2 OR status = 'held')`,
      [customerId, since],
    );
    return rows.map((r) => ({ id: r.id, treatmentKey: r.treatment_key, channel: r.channel, at: r.at.getTime(), momentOfTruth: r.moment_of_truth, bumpable: r.status === 'held' }));
  }

  private async suppressHeld(em: EntityManager, ids: string[], reason: DecisionReason): Promise<void> {
    const [rows]: [Array<{ decision_id: string }>, number] = await em.query(
      `UPDATE deliveries SET status = 'suppressed', last_error = $2, updated_at = now()
        WHERE id = ANY($1::bigint[]) AND status = 'held' RETURNING decision_id::text`,
      [ids, `${reason.code}: ${reason.message}`],
    );
    if (rows.length === 0) return;
    await em.query(
      `UPDATE decisions SET outcome = 'suppressed', reasons = reasons || $2::jsonb WHERE id = ANY($1::bigint[])`,
      [rows.map((r) => r.decision_id), JSON.stringify([reason])],
    );
  }

  /** A held delivery's release instant (null once it is no longer held). */
  async heldUntil(deliveryId: string): Promise<Date | null> {
    const rows: Array<{ next_attempt_at: Date | null }> = await this.db.query(`SELECT next_attempt_at FROM deliveries WHERE id = $1 AND status = 'held'`, [deliveryId]);
    return rows[0]?.next_attempt_at ?? null;
  }
}
