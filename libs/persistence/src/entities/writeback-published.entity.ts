import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Per connection: the published content (live persona set and strategy versions, `s<n>-t<m>`) its
 * CRM records' write-back texts were last brought up to date with.
 */
@Entity('crm_writeback_published')
export class WritebackPublishedEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @Column('text', { name: 'published_key' })
  publishedKey: string;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
