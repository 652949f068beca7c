import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per connection: write-back's counts, last error and blocked state. Its position in the
 * persona-change feed is a feed cursor (feed_cursors, consumer `writeback:<connectionId>`): write-back
 * re-reads from there, so a lost notice or a crash only delays it; writing a value twice is harmless.
 */
@Entity('crm_writeback_cursors')
export class WritebackCursorEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('int', { default: 0 })
  written: number;

  @Column('int', { default: 0 })
  skipped: number;

  @Column('int', { default: 0 })
  failed: number;

  /** The last permanent write-back error, in plain words (records refused, fields missing). */
  @Column('text', { name: 'last_error_code', nullable: true })
  lastErrorCode: string | null;

  @Column('text', { name: 'last_error', nullable: true })
  lastError: string | null;

  @Column('timestamptz', { name: 'last_error_at', nullable: true })
  lastErrorAt: Date | null;

  /** Set while write-back cannot work (target fields missing): no job retries it until the settings change or a re-check finds the fields. */
  @Column('text', { name: 'blocked_code', nullable: true })
  blockedCode: string | null;

  @Column('text', { name: 'blocked_reason', nullable: true })
  blockedReason: string | null;

  @Column('timestamptz', { name: 'blocked_at', nullable: true })
  blockedAt: Date | null;

  /** Fingerprint of the write-back settings that were blocked: other settings lift the block. */
  @Column('text', { name: 'blocked_settings', nullable: true })
  blockedSettings: string | null;

  @Column('timestamptz', { name: 'recheck_at', nullable: true })
  recheckAt: Date | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
