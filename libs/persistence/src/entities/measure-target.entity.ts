import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What the brand promises at a cell: a target for a feedback measure (CSAT average for now). */
@Entity('measure_targets')
export class MeasureTargetEntity {
  @PrimaryColumn('text', { name: 'persona_key' })
  personaKey: string;

  @PrimaryColumn('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  @Column('text', { default: 'csat' })
  measure: string;

  @Column('numeric', { precision: 6, scale: 3 })
  target: string;

  @Column('text', { default: '' })
  note: string;

  @Column('uuid', { name: 'updated_by', nullable: true })
  updatedBy: string | null;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
