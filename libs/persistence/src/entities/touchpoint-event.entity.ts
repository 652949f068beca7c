import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A customer reaching a touchpoint, as acknowledged (committed before the 202). The unique
 * (source, idempotency key) makes a repeated event a no-op; `source` separates the API's keys from
 * a CDP's message ids and Corridor's own.
 */
@Entity('touchpoint_events')
@Index('touchpoint_events_idempotency_key', ['source', 'idempotencyKey'], { unique: true })
@Index('touchpoint_events_customer_idx', ['customerId', 'occurredAt'])
// The reconciler's scan: recent events without a decision.
@Index('touchpoint_events_received_idx', ['receivedAt'])
export class TouchpointEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** `api`, `segment:<source key>`, `corridor` (persona_changed, CRM property changes). */
  @Column('text')
  source: string;

  @Column('text', { name: 'idempotency_key' })
  idempotencyKey: string;

  @Column('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('timestamptz', { name: 'occurred_at' })
  occurredAt: Date;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column('jsonb', { default: () => `'{}'` })
  properties: Record<string, unknown>;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;
}
