import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One treatment leaving Corridor for one decision. The unique (decision, treatment) keeps it single
 * whatever the retries, restarts and concurrent workers; `webhook_id` is the receivers'
 * idempotency key and stays the same on every attempt and replay. Partitioned by its event's month
 * (`event_received_at`, a function of `decision_id` and of `event_id`): the uniques below are as
 * strong as before; `webhook_id` is made at decision time, random but for the event's arrival it
 * carries (mintWebhookId: an outcome naming it is read in that month).
 */
@Entity('deliveries')
@Index('deliveries_decision_treatment_key', ['decisionId', 'treatmentKey', 'eventReceivedAt'], { unique: true })
@Index('deliveries_webhook_id_key', ['webhookId', 'eventReceivedAt'], { unique: true })
@Index('deliveries_customer_channel_idx', ['customerId', 'channel', 'createdAt'])
@Index('deliveries_awaiting_response_idx', ['deliveredAt', 'id'], { where: `status = 'delivered' AND response_settled_at IS NULL` })
@Index('deliveries_dead_idx', ['id'], { where: `status = 'dead'` })
@Index('deliveries_due_idx', ['status', 'nextAttemptAt'], { where: `status IN ('held', 'pending', 'retrying')` })
export class DeliveryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'decision_id' })
  decisionId: string;

  @Column('bigint', { name: 'event_id' })
  eventId: string;

  /** The event's `received_at`: the partition key. */
  @PrimaryColumn('timestamptz', { name: 'event_received_at' })
  eventReceivedAt: Date;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('text', { name: 'treatment_key' })
  treatmentKey: string;

  /** webhook | crm_task | crm_property | crm_list */
  @Column('text', { name: 'treatment_type' })
  treatmentType: string;

  @Column('text')
  channel: string;

  @Column('boolean', { name: 'moment_of_truth', default: false })
  momentOfTruth: boolean;

  @Column('text', { name: 'webhook_id' })
  webhookId: string;

  @Column('uuid', { name: 'destination_id', nullable: true })
  destinationId: string | null;

  @Column('uuid', { name: 'connection_id', nullable: true })
  connectionId: string | null;

  /** held | pending | retrying | delivered | dead */
  @Column('text')
  status: string;

  @Column('integer', { default: 0 })
  attempts: number;

  /** When a held or retrying delivery is next due. */
  @Column('timestamptz', { name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  /** The rendered request (webhook body; CRM operation), fixed at decision time. */
  @Column('jsonb', { default: () => `'{}'` })
  request: Record<string, unknown>;

  @Column('integer', { name: 'last_status_code', nullable: true })
  lastStatusCode: number | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  /** Set when delivered with a caveat (a CRM task made without its idempotency key): `CODE: why`. */
  @Column('text', { nullable: true })
  notice: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  /** When its response was settled: an engagement seen, or `ignored` inferred (the sweep skips it after). */
  @Column('timestamptz', { name: 'response_settled_at', nullable: true })
  responseSettledAt: Date | null;

  @Column('timestamptz', { name: 'dead_at', nullable: true })
  deadAt: Date | null;

  /** `attempts` at the last replay: attempts since then count against the retry policy. */
  @Column('integer', { name: 'attempts_at_replay', default: 0 })
  attemptsAtReplay: number;

  @Column('integer', { default: 0 })
  replays: number;
}
