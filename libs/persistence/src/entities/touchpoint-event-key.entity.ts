import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The global idempotency of touchpoint events: one row per (source, idempotency key), claimed by a
 * BEFORE INSERT trigger on touchpoint_events, which skips the event when the key is taken (what a
 * unique index gave before the table was partitioned). Pruned with the partitions it points into.
 */
@Entity('touchpoint_event_keys')
@Index('touchpoint_event_keys_received_idx', ['receivedAt'])
export class TouchpointEventKeyEntity {
  @PrimaryColumn('text')
  source: string;

  @PrimaryColumn('text', { name: 'idempotency_key' })
  idempotencyKey: string;

  @Column('bigint', { name: 'event_id' })
  eventId: string;

  /** The event's `received_at`: which partition it is in, and when the key may be pruned. */
  @Column('timestamptz', { name: 'received_at' })
  receivedAt: Date;
}
