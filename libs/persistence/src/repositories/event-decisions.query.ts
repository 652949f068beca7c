import type { EntityManager } from 'typeorm';
import type { DecisionOutcome, DecisionReason } from '@corridor/domain';

/** A touchpoint event with its decisions and their deliveries, as the agent's views show it. */
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

export type EventDecision = RecentEvent['decisions'][number];

/** A touchpoint event row as both history reads select it. */
export interface EventRow {
  id: string;
  source: string;
  touchpoint_key: string;
  occurred_at: Date;
  received_at: Date;
  /** `received_at` exactly (RECEIVED_KEY): the partition key decisions and deliveries copy. */
  received_key: string;
  properties: Record<string, unknown> | null;
}

/** An event's `received_at` as exact text (a JS Date drops its microseconds), selected as `received_key`. */
export const RECEIVED_KEY = `to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_key`;

/**
 * The decisions of these events with their deliveries, grouped by event id: two indexed queries
 * whatever the number of events. Shared by the agent's strategy view (recent events) and the
 * journey timeline, so both show a decision the same way. Decisions and deliveries sit in their
 * event's month: both queries name the events' exact arrival (`= ANY` of the keys, not a range: a
 * customer's events may lie months apart), so the planner reads only those months' partitions.
 */
export async function decisionsOfEvents(db: Pick<EntityManager, 'query'>, events: ReadonlyArray<Pick<EventRow, 'id' | 'received_key'>>): Promise<Map<string, EventDecision[]>> {
  const byEvent = new Map<string, EventDecision[]>();
  if (events.length === 0) return byEvent;
  const eventIds = events.map((e) => e.id);
  const keys = [...new Set(events.map((e) => e.received_key))];
  const decisions: Array<{ id: string; event_id: string; touchpoint_key: string; persona_key: string | null; persona_set_version: number | null; strategy_version: number | null; option_index: number | null; treatment_key: string | null; outcome: EventDecision['outcome']; reasons: EventDecision['reasons']; decided_at: Date }> =
    await db.query(
      `SELECT id::text, event_id::text, touchpoint_key, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at
         FROM decisions WHERE event_id = ANY($1::bigint[]) AND event_received_at = ANY($2::timestamptz[]) ORDER BY id`,
      [eventIds, keys],
    );
  if (decisions.length === 0) return byEvent;
  const deliveries: Array<{ id: string; decision_id: string; treatment_key: string; treatment_type: string; channel: string; status: string; attempts: number; next_attempt_at: Date | null; created_at: Date; delivered_at: Date | null; last_status_code: number | null }> = await db.query(
    `SELECT id::text, decision_id::text, treatment_key, treatment_type, channel, status, attempts, next_attempt_at, created_at, delivered_at, last_status_code
       FROM deliveries WHERE decision_id = ANY($1::bigint[]) AND event_received_at = ANY($2::timestamptz[]) ORDER BY id`,
    [decisions.map((d) => d.id), keys],
  );
  const deliveriesOf = groupBy(deliveries, (v) => v.decision_id);
  for (const d of decisions) {
    const list = byEvent.get(d.event_id) ?? [];
    list.push({
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
      deliveries: (deliveriesOf.get(d.id) ?? []).map((v) => ({
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
    });
    byEvent.set(d.event_id, list);
  }
  return byEvent;
}

/** An event row with its decisions, in the shape both reads return. */
export function eventWithDecisions(e: EventRow, decisions: Map<string, EventDecision[]>): RecentEvent {
  return {
    id: e.id,
    source: e.source,
    touchpointKey: e.touchpoint_key,
    occurredAt: e.occurred_at,
    receivedAt: e.received_at,
    properties: e.properties ?? {},
    decisions: decisions.get(e.id) ?? [],
  };
}

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}
