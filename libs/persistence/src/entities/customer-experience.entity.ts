import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One customer's experience as their feedback makes it: the peak-end score and the latest answers. */
@Entity('customer_experience')
export class CustomerExperienceEntity {
  @PrimaryColumn('bigint', { name: 'customer_id' })
  customerId: string;

  /** 0–100 (see docs/experience.md); null without feedback in the window. */
  @Column('numeric', { precision: 6, scale: 3, nullable: true })
  score: string | null;

  @Column('integer', { name: 'feedback_count', default: 0 })
  feedbackCount: number;

  @Column('smallint', { name: 'last_csat', nullable: true })
  lastCsat: number | null;

  @Column('smallint', { name: 'last_nps', nullable: true })
  lastNps: number | null;

  @Column('smallint', { name: 'last_effort', nullable: true })
  lastEffort: number | null;

  @Column('timestamptz', { name: 'last_feedback_at', nullable: true })
  lastFeedbackAt: Date | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;

  /**
   * The snapshot (pg_snapshot, as text) the row's facts were read under: the feedback watchdog asks
   * whether an outcome's transaction was visible to it. Null on rows written before it existed.
   */
  @Column('text', { name: 'read_snapshot', nullable: true })
  readSnapshot: string | null;
}
