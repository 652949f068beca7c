import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A customer reaching a touchpoint, as acknowledged (committed before the 202). A repeated
 * (source, idempotency key) is a no-op: the key is claimed in touchpoint_event_keys by a trigger
 * (a partitioned table cannot hold a global unique on it); `source` separates the API's keys from
 * a CDP's message ids and Corridor's own. Partitioned by month of `received_at`
 * (migration 1797200000000-PartitionEvents, docs/capacity.md#partitions-and-retention): TypeORM
 * does not model partitioning, so the key here includes `received_at` as the table's does.
 */
@Entity('touchpoint_events')
@Index('touchpoint_events_idempotency_idx', ['source', 'idempotencyKey'])
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

  /** The partition key: decisions and deliveries carry a copy as `event_received_at`. */
  @PrimaryColumn('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column('jsonb', { default: () => `'{}'` })
  properties: Record<string, unknown>;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;

  /**
   * The inserting transaction (pg_current_xact_id), for the behaviour safety net to ask whether a
   * recompute's read saw this event (customer_behaviour.read_snapshot). Null before it existed.
   */
  // TypeORM compares defaults with their casts stripped; the migration's default is
  // ((pg_current_xact_id())::text)::bigint.
  @Column('bigint', { name: 'xact_id', nullable: true, default: () => '((pg_current_xact_id()))' })
  xactId: string | null;
}
