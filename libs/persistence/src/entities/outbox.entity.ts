import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Transactional outbox: a row written in the same transaction as the fact it announces (an event
 * to decide, a delivery to dispatch); a relay moves unrelayed rows to BullMQ and stamps them.
 */
@Entity('outbox')
@Index('outbox_unrelayed_idx', ['id'], { where: 'relayed_at IS NULL' })
// The reconciler purges relayed rows every pass: it finds the old ones without reading the day's.
@Index('outbox_relayed_idx', ['relayedAt'], { where: 'relayed_at IS NOT NULL' })
// The reconciler finds an undecided event's row (and its batch job) by ref; rows without a job are not indexed (no cost at insert).
@Index('outbox_job_ref_idx', ['ref'], { where: 'job_id IS NOT NULL' })
export class OutboxEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  /** What to enqueue: `decide-event`, `dispatch-delivery`. */
  @Column('text')
  topic: string;

  /** The id of the row it announces (event id, delivery id). */
  @Column('text')
  ref: string;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'relayed_at', nullable: true })
  relayedAt: Date | null;

  /** The BullMQ job the relay put the row's work in (a DECIDE_EVENTS batch, say), stamped with relayed_at; null before it, or when relayed by a version that did not record it. */
  @Column('text', { name: 'job_id', nullable: true })
  jobId: string | null;

  /** W3C `traceparent` of the span that wrote it (null when tracing is off): the relay continues that trace. */
  @Column('text', { nullable: true })
  traceparent: string | null;
}
