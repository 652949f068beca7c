import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One CRM sync of a connection: its progress counts and its checkpoint (`position`), which commits
 * in the same transaction as each page's customer writes, so a killed sync resumes exactly there.
 * A lease (owner + expiry, renewed with every checkpoint) keeps two workers off one connection.
 */
@Entity('sync_runs')
@Index('sync_runs_connection_started_idx', ['connectionId', 'startedAt'])
@Index('sync_runs_one_active', ['connectionId'], { unique: true, where: `status IN ('queued', 'running')` })
export class SyncRunEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  /** full | incremental | webhook */
  @Column('text')
  mode: string;

  /** manual | schedule | first */
  @Column('text', { name: 'trigger' })
  trigger: string;

  /** queued | running | completed | failed | cancelled */
  @Column('text')
  status: string;

  @Column('jsonb', { nullable: true })
  position: Record<string, unknown> | null;

  @Column('text', { nullable: true })
  watermark: string | null;

  /** The CRM modification-time window the run reads: after `window_from` (null: everything) up to the cut-off `window_to`. */
  @Column('timestamptz', { name: 'window_from', nullable: true })
  windowFrom: Date | null;

  @Column('timestamptz', { name: 'window_to', nullable: true })
  windowTo: Date | null;

  /** Asked to stop: the worker ends the run `cancelled` at its next page, checkpoint kept. */
  @Column('timestamptz', { name: 'cancel_requested_at', nullable: true })
  cancelRequestedAt: Date | null;

  @Column('int', { default: 0 })
  pages: number;

  @Column('int', { default: 0 })
  records: number;

  @Column('int', { default: 0 })
  created: number;

  @Column('int', { default: 0 })
  updated: number;

  @Column('int', { default: 0 })
  unchanged: number;

  @Column('int', { default: 0 })
  deleted: number;

  @Column('int', { default: 0 })
  merged: number;

  @Column('int', { default: 0 })
  requests: number;

  @Column('int', { name: 'rate_limited', default: 0 })
  rateLimited: number;

  @Column('int', { default: 0 })
  retries: number;

  @Column('int', { name: 'total_hint', nullable: true })
  totalHint: number | null;

  /** Ids the last commit changed, kept until handed to re-segmentation (re-sent on resume). */
  @Column('jsonb', { name: 'pending_evaluation', nullable: true })
  pendingEvaluation: { newCustomer: string[]; dataChange: string[] } | null;

  @Column('text', { name: 'lease_owner', nullable: true })
  leaseOwner: string | null;

  @Column('timestamptz', { name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column('text', { nullable: true })
  error: string | null;

  @CreateDateColumn({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
