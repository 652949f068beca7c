import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Exactly one decision per (event, touchpoint): what the strategy chose, under which versions, and
 * why. Partitioned by its event's month (`event_received_at`, a copy of the event's `received_at`,
 * so a function of `event_id`): the unique below is as strong as one on (event, touchpoint).
 */
@Entity('decisions')
@Index('decisions_event_touchpoint_key', ['eventId', 'touchpointKey', 'eventReceivedAt'], { unique: true })
@Index('decisions_customer_idx', ['customerId', 'decidedAt'])
export class DecisionEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'event_id' })
  eventId: string;

  /** The event's `received_at`: the partition key. */
  @PrimaryColumn('timestamptz', { name: 'event_received_at' })
  eventReceivedAt: Date;

  @Column('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('text', { name: 'persona_key', nullable: true })
  personaKey: string | null;

  @Column('integer', { name: 'persona_set_version', nullable: true })
  personaSetVersion: number | null;

  @Column('integer', { name: 'strategy_version', nullable: true })
  strategyVersion: number | null;

  /** Index of the winning option in its cell; null when none won. */
  @Column('integer', { name: 'option_index', nullable: true })
  optionIndex: number | null;

  @Column('text', { name: 'treatment_key', nullable: true })
  treatmentKey: string | null;

  /** treated | held | suppressed | held_out | no_treatment */
  @Column('text')
  outcome: string;

  /** DecisionReason[] */
  @Column('jsonb', { default: () => `'[]'` })
  reasons: unknown[];

  @Column('timestamptz', { name: 'decided_at', default: () => 'now()' })
  decidedAt: Date;
}
