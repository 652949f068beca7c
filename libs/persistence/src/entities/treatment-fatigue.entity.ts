import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One customer's standing with one treatment: ignored deliveries in a row, and the pause they
 * earned (decide refuses the treatment until `paused_until`). Kept as outcomes are stored.
 */
@Entity('treatment_fatigue')
export class TreatmentFatigueEntity {
  @PrimaryColumn('bigint', { name: 'customer_id', primaryKeyConstraintName: 'PK_treatment_fatigue' })
  customerId: string;

  @PrimaryColumn('text', { name: 'treatment_key', primaryKeyConstraintName: 'PK_treatment_fatigue' })
  treatmentKey: string;

  @Column('integer', { name: 'ignored_streak', default: 0 })
  ignoredStreak: number;

  @Column('timestamptz', { name: 'paused_until', nullable: true })
  pausedUntil: Date | null;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
