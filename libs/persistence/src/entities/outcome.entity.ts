import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An outcome or a piece of feedback about a touchpoint event (and, when it answers a treatment,
 * its delivery). Unique per (source, idempotency key): a repeat changes nothing. `decision_id` is
 * null while the event is not decided yet.
 */
@Entity('outcomes')
@Index('outcomes_idempotency_key', ['source', 'idempotencyKey'], { unique: true })
@Index('outcomes_customer_idx', ['customerId', 'occurredAt'])
@Index('outcomes_event_idx', ['eventId'])
@Index('outcomes_delivery_idx', ['deliveryId'])
@Index('outcomes_feedback_received_idx', ['receivedAt'], { where: `type = 'feedback'` })
export class OutcomeEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** `api`, `callback:<destination id>`, `corridor` (inferred `ignored`). */
  @Column('text')
  source: string;

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey: string;

  /** OutcomeType: delivered | opened | clicked | converted | dismissed | ignored | feedback */
  @Column('text')
  type: string;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('bigint', { name: 'event_id' })
  eventId: string;

  @Column('bigint', { name: 'decision_id', nullable: true })
  decisionId: string | null;

  @Column('bigint', { name: 'delivery_id', nullable: true })
  deliveryId: string | null;

  @Column('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  /** A conversion's value (currency-free). */
  @Column('numeric', { nullable: true })
  value: string | null;

  @Column('smallint', { nullable: true })
  csat: number | null;

  @Column('smallint', { nullable: true })
  nps: number | null;

  @Column('smallint', { nullable: true })
  effort: number | null;

  @Column('text', { nullable: true })
  comment: string | null;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;

  /**
   * The inserting transaction (pg_current_xact_id), for the feedback watchdog to ask whether an
   * experience row's read saw this outcome (customer_experience.read_snapshot). Null before it existed.
   */
  // TypeORM compares defaults with their casts stripped; the migration's default is
  // ((pg_current_xact_id())::text)::bigint.
  @Column('bigint', { name: 'xact_id', nullable: true, default: () => '((pg_current_xact_id()))' })
  xactId: string | null;
}
