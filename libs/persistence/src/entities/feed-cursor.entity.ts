import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One consumer's position in the persona-change feed (persona_history in (xact_id, id) order). */
@Entity('feed_cursors')
export class FeedCursorEntity {
  /** `treatments`, `writeback:<connectionId>`, ... */
  @PrimaryColumn('text', { primaryKeyConstraintName: 'PK_feed_cursors_consumer' })
  consumer: string;

  @Column('bigint', { name: 'last_xact_id', default: 0 })
  lastXactId: string;

  @Column('bigint', { name: 'last_history_id', default: 0 })
  lastHistoryId: string;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
