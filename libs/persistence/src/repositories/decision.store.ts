import { Injectable } from '@nestjs/common';
import type { Channel, CountedDelivery, DecisionOutcome, DecisionReason, TreatmentType } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';

export interface EventToDecide {
  id: string;
  touchpointKey: string;
  customerId: string;
  occurredAt: Date;
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

export interface RecentEvent {
  id: string;
  source: string;
  touchpointKey: string;
  occurredAt: Date;
  receivedAt: Date;
  properties: Record<string, unknown>;
  decisions: Array<{
    id: string;
    touchpointKey: string;
    personaKey: string | null;
    personaSetVersion: number | null;
    strategyVersion: number | null;
    optionIndex: number | null;
    treatmentKey: string | null;
    outcome: DecisionOutcome;
    reasons: DecisionReason[];
    decidedAt: Date;
    deliveries: Array<{
      id: string;
      treatmentKey: string;
      treatmentType: string;
      channel: string;
      status: string;
      attempts: number;
      nextAttemptAt: Date | null;
      createdAt: Date;
      deliveredAt: Date | null;
      lastStatusCode: number | null;
    }>;
  }>;
}

export type DecisionRecorded =
  | { created: true; decisionId: string; deliveryId: string | null; delivery: NewDelivery | null }
  | { created: false; decisionId: string };

/** Deliveries that never reached (and never will reach) the customer do not count against caps. */
const NOT_COUNTED = `('dead', 'suppressed')`;

/** Two-key advisory lock space for "one customer's decisions", apart from the single-key locks. */
const DECIDE_LOCK_CLASS = `hashtext('corridor.decide')`;

/** Decisions and the deliveries they create: reads for the decide step, one atomic write per decision. */
@Injectable()
export class DecisionStore {
  constructor(private readonly db: DataSource) {}

  async event(id: string): Promise<EventToDecide | null> {
    const rows: Array<{ id: string; touchpoint_key: string; customer_id: string; occurred_at: Date; properties: Record<string, unknown>; correlation_id: string | null; live: number | null }> =
      await this.db.query(
        `SELECT id::text, touchpoint_key, customer_id::text, occurred_at, properties, correlation_id, (SELECT max(version) FROM strategy_versions) AS live
           FROM touchpoint_events WHERE id = $1`,
        [id],
      );
    const r = rows[0];
    return r
      ? { id: r.id, touchpointKey: r.touchpoint_key, customerId: r.customer_id, occurredAt: r.occurred_at, properties: r.properties ?? {}, correlationId: r.correlation_id, liveStrategyVersion: r.live === null ? null : Number(r.live) }
      : null;
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
   * Decides and records one (event, touchpoint) atomically, holding the customer's advisory lock so
   * caps are counted exactly under concurrent workers: an existing decision is returned untouched
   * (a repeated job); else `decideWith` gets the customer's deliveries that count against caps and
   * its result is written: the decision (ON CONFLICT DO NOTHING as the last guard), the delivery,
   * and for a pending delivery its outbox row. A held one is brought back at its release time.
   */
  decideUnderLock(
    event: { id: string; touchpointKey: string; customerId: string },
    countSince: Date,
    decideWith: (counted: CountedDelivery[]) => DecisionWrite,
  ): Promise<DecisionRecorded> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(${DECIDE_LOCK_CLASS}, ($1::bigint % 2147483647)::int)`, [event.customerId]);
      const existing = await this.existingDecision(em, event.id, event.touchpointKey);
      if (existing) return { created: false, decisionId: existing };
      const counted = await this.counted(em, event.customerId, countSince);
      const write = decideWith(counted);
      const d = write.decision;
      const inserted: Array<{ id: string }> = await em.query(
        `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (event_id, touchpoint_key) DO NOTHING RETURNING id::text`,
        [event.id, event.touchpointKey, event.customerId, d.personaKey, d.personaSetVersion, d.strategyVersion, d.optionIndex, d.treatmentKey, d.outcome, JSON.stringify(d.reasons)],
      );
      if (inserted.length === 0) return { created: false, decisionId: (await this.existingDecision(em, event.id, event.touchpointKey))! };
      const decisionId = inserted[0].id;
      if (write.displace && write.displace.ids.length > 0) await this.suppressHeld(em, write.displace.ids, write.displace.reason);
      let deliveryId: string | null = null;
      if (write.delivery) {
        const v = write.delivery;
        const rows: Array<{ id: string }> = await em.query(
          `INSERT INTO deliveries (decision_id, event_id, customer_id, treatment_key, treatment_type, channel, moment_of_truth, webhook_id, destination_id, connection_id, status, next_attempt_at, request)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id::text`,
          [decisionId, event.id, event.customerId, v.treatmentKey, v.treatmentType, v.channel, v.momentOfTruth, v.webhookId, v.destinationId, v.connectionId, v.status, v.nextAttemptAt, JSON.stringify(v.request)],
        );
        deliveryId = rows[0].id;
        if (v.status === 'pending') await em.query(`INSERT INTO outbox (topic, ref) VALUES ('dispatch-delivery', $1)`, [deliveryId]);
      }
      return { created: true, decisionId, deliveryId, delivery: write.delivery };
    });
  }

  private async existingDecision(em: EntityManager, eventId: string, touchpointKey: string): Promise<string | null> {
    const rows: Array<{ id: string }> = await em.query(`SELECT id::text FROM decisions WHERE event_id = $1 AND touchpoint_key = $2`, [eventId, touchpointKey]);
    return rows[0]?.id ?? null;
  }

  /** The customer's deliveries that count against caps (for the agent's view: read without the lock). */
  countedDeliveries(customerId: string, since: Date): Promise<CountedDelivery[]> {
    return this.counted(this.db.manager, customerId, since);
  }

  /** The customer's latest touchpoint events, newest first, each with its decisions and their deliveries. */
  async recentEvents(customerId: string, limit: number): Promise<RecentEvent[]> {
    const events: Array<{ id: string; source: string; touchpoint_key: string; occurred_at: Date; received_at: Date; properties: Record<string, unknown> }> = await this.db.query(
      `SELECT id::text, source, touchpoint_key, occurred_at, received_at, properties FROM touchpoint_events
        WHERE customer_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`,
      [customerId, limit],
    );
    if (events.length === 0) return [];
    const ids = events.map((e) => e.id);
    const decisions: Array<{ id: string; event_id: string; touchpoint_key: string; persona_key: string | null; persona_set_version: number | null; strategy_version: number | null; option_index: number | null; treatment_key: string | null; outcome: DecisionOutcome; reasons: DecisionReason[]; decided_at: Date }> =
      await this.db.query(
        `SELECT id::text, event_id::text, touchpoint_key, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at
           FROM decisions WHERE event_id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      );
    const deliveries: Array<{ id: string; decision_id: string; treatment_key: string; treatment_type: string; channel: string; status: string; attempts: number; next_attempt_at: Date | null; created_at: Date; delivered_at: Date | null; last_status_code: number | null }> =
      decisions.length === 0
        ? []
        : await this.db.query(
            `SELECT id::text, decision_id::text, treatment_key, treatment_type, channel, status, attempts, next_attempt_at, created_at, delivered_at, last_status_code
               FROM deliveries WHERE decision_id = ANY($1::bigint[]) ORDER BY id`,
            [decisions.map((d) => d.id)],
          );
    return events.map((e) => ({
      id: e.id,
      source: e.source,
      touchpointKey: e.touchpoint_key,
      occurredAt: e.occurred_at,
      receivedAt: e.received_at,
      properties: e.properties ?? {},
      decisions: decisions
        .filter((d) => d.event_id === e.id)
        .map((d) => ({
          id: d.id,
          touchpointKey: d.touchpoint_key,
          personaKey: d.persona_key,
          personaSetVersion: d.persona_set_version,
          strategyVersion: d.strategy_version,
          optionIndex: d.option_index,
          treatmentKey: d.treatment_key,
          outcome: d.outcome,
          reasons: d.reasons,
          decidedAt: d.decided_at,
          deliveries: deliveries
            .filter((v) => v.decision_id === d.id)
            .map((v) => ({
              id: v.id,
              treatmentKey: v.treatment_key,
              treatmentType: v.treatment_type,
              channel: v.channel,
              status: v.status,
              attempts: v.attempts,
              nextAttemptAt: v.next_attempt_at,
              createdAt: v.created_at,
              deliveredAt: v.delivered_at,
              lastStatusCode: v.last_status_code,
            })),
        })),
    }));
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
