import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BEHAVIOUR_JOIN, EVALUATED_ATTRIBUTES } from './evaluated-attributes';
import { personaChangesWhere } from './persona-changes';

type Row = Record<string, unknown>;

/** Everything stored about one customer (README "Customer data requests"), rows as stored. */
export interface CustomerDataExport {
  customer: Row;
  /** Records merged into this one, and the CRM ids that still lead to it. */
  mergedRecords: Row[];
  aliases: Row[];
  assignments: Row[];
  personaHistory: Row[];
  events: Row[];
  decisions: Row[];
  deliveries: Row[];
  outcomes: Row[];
  behaviour: Row | null;
  experience: Row | null;
  treatmentFatigue: Row[];
}

export interface ErasureCounts {
  customers: number;
  events: number;
  decisions: number;
  deliveries: number;
  /** Deliveries not yet sent, stopped (dead) so nothing more goes out about the customer. */
  deliveriesStopped: number;
  outcomes: number;
}

/**
 * Customer data requests: read everything held about one customer, and erase it. Erasure keeps
 * the rows (an anonymised tombstone and the facts measures were counted from) and clears what
 * identifies or describes the person: the attributes document and email, events' properties,
 * deliveries' rendered requests and errors, decisions' reasons (they quote attribute values),
 * outcomes' free-text comments. Counters, persona history (persona ids and causes only) and
 * behavioural counts stay, so measures add up the same after an erasure as before it.
 */
@Injectable()
export class CustomerDataStore {
  constructor(private readonly db: DataSource) {}

  async export(customerId: string): Promise<CustomerDataExport | null> {
    const [customer] = (await this.db.query(
      `SELECT c.id::text, c.connection_id, c.crm_object, c.external_id, c.email, c.attributes AS stored_attributes,
              ${EVALUATED_ATTRIBUTES} AS attributes, c.crm_modified_at, c.deleted_at, c.merged_into_id::text, c.erased_at,
              c.created_at, c.updated_at, c.data_changed_at
         FROM customers c ${BEHAVIOUR_JOIN} WHERE c.id = $1`,
      [customerId],
    )) as Row[];
    if (!customer) return null;
    const q = (sql: string) => this.db.query(sql, [customerId]) as Promise<Row[]>;
    const [mergedRecords, aliases, assignments, personaHistory, events, decisions, deliveries, outcomes, behaviour, experience, treatmentFatigue] = await Promise.all([
      q(`SELECT c.id::text, c.connection_id, c.external_id, c.email, ${EVALUATED_ATTRIBUTES} AS attributes, c.erased_at, c.created_at
           FROM customers c ${BEHAVIOUR_JOIN} WHERE c.merged_into_id = $1 ORDER BY c.id`),
      q(`SELECT connection_id, external_id FROM customer_aliases WHERE customer_id = $1 ORDER BY connection_id, external_id`),
      q(`SELECT a.set_version, a.persona_id, p.key AS persona_key, s.status AS set_status, a.evaluated_at
           FROM assignments a LEFT JOIN personas p ON p.id = a.persona_id LEFT JOIN persona_sets s ON s.version = a.set_version
          WHERE a.customer_id = $1 ORDER BY a.set_version`),
      q(`SELECT h.id::text, h.from_persona_id, f.key AS from_persona_key, h.to_persona_id, t.key AS to_persona_key, h.set_version, h.cause, h.changed_at
           FROM ${personaChangesWhere('= $1')} h LEFT JOIN personas f ON f.id = h.from_persona_id LEFT JOIN personas t ON t.id = h.to_persona_id
          WHERE h.customer_id = $1 ORDER BY h.id`),
      q(`SELECT id::text, source, idempotency_key, touchpoint_key, occurred_at, received_at, properties FROM touchpoint_events WHERE customer_id = $1 ORDER BY id`),
      q(`SELECT id::text, event_id::text, touchpoint_key, persona_key, persona_set_version, strategy_version, option_index, treatment_key, outcome, reasons, decided_at
           FROM decisions WHERE customer_id = $1 ORDER BY id`),
      q(`SELECT id::text, decision_id::text, event_id::text, treatment_key, treatment_type, channel, moment_of_truth, webhook_id, destination_id, connection_id,
                status, attempts, request, last_status_code, last_error, created_at, delivered_at, dead_at
           FROM deliveries WHERE customer_id = $1 ORDER BY id`),
      q(`SELECT id::text, source, idempotency_key, type, event_id::text, decision_id::text, delivery_id::text, touchpoint_key, value, csat, nps, effort, comment,
                occurred_at, received_at
           FROM outcomes WHERE customer_id = $1 ORDER BY id`),
      q(`SELECT values, next_change_at, computed_at, changed_at FROM customer_behaviour WHERE customer_id = $1`),
      q(`SELECT score, feedback_count, last_csat, last_nps, last_effort, last_feedback_at, updated_at FROM customer_experience WHERE customer_id = $1`),
      q(`SELECT treatment_key, ignored_streak, paused_until, updated_at FROM treatment_fatigue WHERE customer_id = $1 ORDER BY treatment_key`),
    ]);
    return {
      customer,
      mergedRecords,
      aliases,
      assignments,
      personaHistory,
      events,
      decisions,
      deliveries,
      outcomes,
      behaviour: behaviour[0] ?? null,
      experience: experience[0] ?? null,
      treatmentFatigue,
    };
  }

  /**
   * Anonymises the customer and the records merged into it, in one transaction. The row keeps its
   * CRM id, `crm_modified_at` and content hash: they are how the next sync knows the CRM still
   * holds the version that was erased (upsertCustomers skips it) and when it holds a newer one.
   * The customer leaves segmentation like a deleted one (the reconciler drops its assignment).
   * Null when there is no such customer.
   */
  async erase(customerId: string): Promise<ErasureCounts | null> {
    return this.db.transaction(async (em) => {
      const locked: Array<{ id: string }> = await em.query(
        `SELECT id::text FROM customers WHERE id = $1 OR merged_into_id = $1 ORDER BY id FOR UPDATE`,
        [customerId],
      );
      if (!locked.some((r) => r.id === customerId)) return null;
      const ids = locked.map((r) => r.id);
      const count = async (sql: string): Promise<number> => {
        const [, n]: [unknown, number] = await em.query(sql, [ids]);
        return n;
      };
      const customers = await count(
        `UPDATE customers SET attributes = '{}'::jsonb, email = NULL, erased_at = now(), deleted_at = coalesce(deleted_at, now()),
                updated_at = now(), data_changed_at = now(), data_xact_id = DEFAULT
          WHERE id = ANY($1::bigint[])`,
      );
      const events = await count(`UPDATE touchpoint_events SET properties = '{}'::jsonb WHERE customer_id = ANY($1::bigint[]) AND properties <> '{}'::jsonb`);
      const decisions = await count(`UPDATE decisions SET reasons = '[]'::jsonb WHERE customer_id = ANY($1::bigint[]) AND reasons <> '[]'::jsonb`);
      const deliveriesStopped = await count(
        `UPDATE deliveries SET status = 'dead', dead_at = now(), next_attempt_at = NULL, updated_at = now()
          WHERE customer_id = ANY($1::bigint[]) AND status IN ('held', 'pending', 'retrying')`,
      );
      const deliveries = await count(
        `UPDATE deliveries SET request = '{}'::jsonb, last_error = CASE WHEN last_error IS NULL THEN NULL ELSE 'customer data erased' END, updated_at = now()
          WHERE customer_id = ANY($1::bigint[]) AND (request <> '{}'::jsonb OR last_error IS NOT NULL)`,
      );
      const outcomes = await count(`UPDATE outcomes SET comment = NULL WHERE customer_id = ANY($1::bigint[]) AND comment IS NOT NULL`);
      return { customers, events, decisions, deliveries, deliveriesStopped, outcomes };
    });
  }
}
