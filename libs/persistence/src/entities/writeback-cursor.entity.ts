import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per connection: the last persona_history id whose persona was written to the CRM. Write-back
 * re-reads from here, so a lost notice or a crash only delays it; writing a value twice is harmless.
 */
@Entity('crm_writeback_cursors')
export class WritebackCursorEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('bigint', { name: 'last_history_id', default: 0 })
  lastHistoryId: string;

  /** With last_history_id, the position in persona_history's (xact_id, id) order. */
  @Column('bigint', { name: 'last_xact_id', default: 0 })
  lastXactId: string;

  @Column('int', { default: 0 })
  written: number;

  @Column('int', { default: 0 })
  skipped: number;

  @Column('int', { default: 0 })
  failed: number;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
