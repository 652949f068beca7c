import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A published strategy, frozen as one document (domain PublishedStrategy: stages, touchpoints,
 * treatments, cells, policies). The highest version is live; publishing inserts the next one.
 */
@Entity('strategy_versions')
export class StrategyVersionEntity {
  @PrimaryColumn('integer')
  version: number;

  @Column('jsonb')
  document: Record<string, unknown>;

  @Column('uuid', { name: 'published_by', nullable: true })
  publishedBy: string | null;

  @Column('timestamptz', { name: 'published_at', default: () => 'now()' })
  publishedAt: Date;
}
