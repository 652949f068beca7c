import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * CRM webhook events as received. The unique (connection, event id) makes a redelivered event a
 * no-op; `processed_at` is set in the transaction that applies it.
 */
@Entity('webhook_events')
@Index('webhook_events_connection_event_key', ['connectionId', 'eventId'], { unique: true })
@Index('webhook_events_pending_idx', ['connectionId', 'id'], { where: 'processed_at IS NULL' })
export class WebhookEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text', { name: 'event_id' })
  eventId: string;

  /** upsert | delete | merge */
  @Column('text')
  kind: string;

  /** CRM ids the event concerns (merge: the survivor first, then the merged ids). */
  @Column('jsonb', { name: 'object_ids' })
  objectIds: string[];

  @Column('timestamptz', { name: 'occurred_at', nullable: true })
  occurredAt: Date | null;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt: Date;

  @Column('timestamptz', { name: 'processed_at', nullable: true })
  processedAt: Date | null;
}
