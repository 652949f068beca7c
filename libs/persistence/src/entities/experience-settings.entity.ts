import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The experience score's settings: one row (id 1); none means the defaults (docs/experience.md#settings). */
@Entity('experience_settings')
export class ExperienceSettingsEntity {
  @PrimaryColumn('smallint', { primaryKeyConstraintName: 'PK_experience_settings_id' })
  id: number;

  @Column('double precision', { name: 'average_weight' })
  averageWeight: number;

  @Column('double precision', { name: 'peak_weight' })
  peakWeight: number;

  @Column('double precision', { name: 'end_weight' })
  endWeight: number;

  @Column('double precision', { name: 'moment_of_truth_weight' })
  momentOfTruthWeight: number;

  @Column('integer', { name: 'window_days' })
  windowDays: number;

  @Column('double precision', { name: 'recovery_threshold' })
  recoveryThreshold: number;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
