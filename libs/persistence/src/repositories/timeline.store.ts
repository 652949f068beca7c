import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { RecentEvent } from './decision.store';
import { decisionsOfEvents, eventWithDecisions, RECEIVED_KEY, groupBy, type EventDecision, type EventRow } from './event-decisions.query';

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
 * Four indexed queries per page, whatever its size (decisions and outcomes read side by side).
 */
@Injectable()
export class TimelineStore {
  constructor(private readonly db: DataSource) {}

  async page(customerId: string, limit: number, before: TimelinePosition | null): Promise<{ events: TimelineEvent[]; next: TimelinePosition | null }> {
    const events: Array<EventRow & { micros: string }> = await this.db.query(
      `SELECT id::text, source, touchpoint_key, occurred_at, received_at, ${RECEIVED_KEY}, properties,
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
    const [decisions, outcomes]: [
      Map<string, EventDecision[]>,
      Array<{ id: string; event_id: string; type: string; source: string; delivery_id: string | null; value: string | null; csat: number | null; nps: number | null; effort: number | null; comment: string | null; occurred_at: Date }>,
    ] = await Promise.all([
      decisionsOfEvents(this.db, shown),
      this.db.query(
        `SELECT id::text, event_id::text, type, source, delivery_id::text, value::text, csat, nps, effort, comment, occurred_at
           FROM outcomes WHERE event_id = ANY($1::bigint[]) ORDER BY occurred_at, id`,
        [ids],
      ),
    ]);
    const outcomesOf = groupBy(outcomes, (o) => o.event_id);
    const last = shown[shown.length - 1];
    return {
      next: more ? { micros: last.micros, id: last.id } : null,
      events: shown.map((e) => ({
        ...eventWithDecisions(e, decisions),
        outcomes: (outcomesOf.get(e.id) ?? []).map((o) => ({
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
