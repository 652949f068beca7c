import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a connection's next incremental sync starts; written when a sync run completes. */
@Entity('sync_cursors')
export class SyncCursorEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  /** Adapter-defined watermark (HubSpot: epoch ms; Salesforce: ISO SystemModstamp). */
  @Column('text')
  watermark: string;

  @Column('uuid', { name: 'last_run_id', nullable: true })
  lastRunId: string | null;

  @Column('timestamptz', { name: 'last_full_sync_at', nullable: true })
  lastFullSyncAt: Date | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
