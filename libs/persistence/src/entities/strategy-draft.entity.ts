import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The strategy draft, one row per saved revision (insert-only): the highest revision is the draft.
 * Holds the persona × touchpoint cells and the contact policies; stages, touchpoints and treatments
 * are edited in their own tables and frozen with the draft when it is published.
 */
@Entity('strategy_drafts')
export class StrategyDraftEntity {
  @PrimaryColumn('integer')
  revision: number;

  /** StrategyCell[] */
  @Column('jsonb')
  cells: unknown[];

  /** ContactPolicies */
  @Column('jsonb')
  policies: Record<string, unknown>;

  @Column('uuid', { name: 'saved_by', nullable: true })
  savedBy: string | null;

  @Column('timestamptz', { name: 'saved_at', default: () => 'now()' })
  savedAt: Date;
}
