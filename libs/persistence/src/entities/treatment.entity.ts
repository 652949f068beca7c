import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A treatment as admins edit it (typed config: webhook, CRM task/property/list, agent script, no action). */
@Entity('treatments')
export class TreatmentEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text', { default: '' })
  description: string;

  @Column('text')
  type: string;

  @Column('text')
  channel: string;

  @Column('jsonb', { default: () => `'{}'` })
  config: Record<string, unknown>;

  /** Null: the default response window (TREATMENT_RESPONSE_DEFAULTS). */
  @Column('integer', { name: 'response_window_hours', nullable: true })
  responseWindowHours: number | null;

  @Column('integer', { name: 'ignored_in_a_row', nullable: true })
  ignoredInARow: number | null;

  @Column('integer', { name: 'pause_days', nullable: true })
  pauseDays: number | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
