import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * The CRM ids a full sync run has read, one row per commit (an array: one insert per commit rather
 * than one per record). At the end of a completed full run, the connection's customers not listed
 * here vanished from the CRM without a delete record (purged, GDPR-deleted) and are swept. Rows go
 * when the run ends.
 */
@Entity('sync_run_seen')
@Index('sync_run_seen_run_idx', ['runId'])
export class SyncRunSeenEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'run_id' })
  runId: string;

  @Column('text', { name: 'external_ids', array: true })
  externalIds: string[];
}
