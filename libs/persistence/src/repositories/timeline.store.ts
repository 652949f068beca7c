import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecentEvent } from './decision.store';

/** An outcome recorded against a touchpoint event (engagement or feedback). */
export interface TimelineOutcome {
  id: string;
  type: string;
  source: string;
  deliveryId: string | null;
  value: number | null;
  csat: number | null;
  nps: number | null;
  effort: number | null;
  comment: string | null;
  occurredAt: Date;
}

export type TimelineEvent = RecentEvent & { outcomes: TimelineOutcome[] };

/** Where a page ends: the last event's occurred_at in microseconds since the epoch, and its id. */
export interface TimelinePosition {
  micros: string;
  id: string;
}

/**
 * One customer's journey timeline: their touchpoint events newest first (occurred_at, then id),
 * keyset-paged, each with its decisions, their deliveries and the outcomes recorded against it.
 * Five indexed queries per page, whatever its size.
 */
@Injectable()
export class TimelineStore {
  constructor(private readonly db: DataSource) {}

  async page(customerId: string, limit: number, before: TimelinePosition | null): Promise<{ events: TimelineEvent[]; next: TimelinePosition | null }> {
    const events: Array<{ id: string; source: string; touchpoint_key: string; occurred_at: Date; received_at: Date; properties: Record<string, unknown>; micros: string }> = await this.db.query(
      `SELECT id::text, source, touchpoint_key, occurred_at, received_at, properties,
              (extract(epoch FROM occurred_at) * 1000000)::bigint::text AS micros
         FROM touchpoint_events
        WHERE customer_id = $1
          AND ($3::bigint IS NULL OR (occurred_at, id) < (timestamptz 'epoch' + $3::bigint * interval '1 microsecond', $4::bigint))
        ORDER BY occurred_at DESC, id DESC LIMIT $2`,
      [customerId, limit + 1, before?.micros ?? null, before?.id ?? null],
    );
    const more = events.length > limit;
    const shown = events.slice(0, limit);
    if (shown.length === 0) return { events: [], next: null };
    const ids = shown.map((e) => e.id);
    const decisions: Array<{ id: string; event_id: string; touchpoint_key: string; persona_key: string | null; persona_set_version: number | null; strategy_version: number | null; option_index: number | null; treatment_key: string | null; outcome: RecentEvent['decisions'][number]['outcome']; reasons: RecentEvent['decisions'][number]['reasons']; decided_at: Date }> =
      await this.db.query(
        `SELECT id::text, event_id::text, touchpoint_key, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at
           FROM decisions WHERE event_id = ANY($1::bigint[]) ORDER BY id`,
        [ids],
      );
    const [deliveries, outcomes]: [
      Array<{ id: string; decision_id: string; treatment_key: string; treatment_type: string; channel: string; status: string; attempts: number; next_attempt_at: Date | null; created_at: Date; delivered_at: Date | null; last_status_code: number | null }>,
      Array<{ id: string; event_id: string; type: string; source: string; delivery_id: string | null; value: string | null; csat: number | null; nps: number | null; effort: number | null; comment: string | null; occurred_at: Date }>,
    ] = await Promise.all([
      decisions.length === 0
        ? []
        : this.db.query(
            `SELECT id::text, decision_id::text, treatment_key, treatment_type, channel, status, attempts, next_attempt_at, created_at, delivered_at, last_status_code
               FROM deliveries WHERE decision_id = ANY($1::bigint[]) ORDER BY id`,
            [decisions.map((d) => d.id)],
          ),
      this.db.query(
        `SELECT id::text, event_id::text, type, source, delivery_id::text, value::text, csat, nps, effort, comment, occurred_at
           FROM outcomes WHERE event_id = ANY($1::bigint[]) ORDER BY occurred_at, id`,
        [ids],
      ),
    ]);
    const last = shown[shown.length - 1];
    return {
      next: more ? { micros: last.micros, id: last.id } : null,
      events: shown.map((e) => ({
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
        outcomes: outcomes
          .filter((o) => o.event_id === e.id)
          .map((o) => ({
            id: o.id,
            type: o.type,
            source: o.source,
            deliveryId: o.delivery_id,
            value: o.value === null ? null : Number(o.value),
            csat: o.csat,
            nps: o.nps,
            effort: o.effort,
            comment: o.comment,
            occurredAt: o.occurred_at,
          })),
      })),
    };
  }
}
