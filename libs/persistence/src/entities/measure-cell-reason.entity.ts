import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Folded suppressed decisions per (day, persona, touchpoint) and the reason code that stopped them. */
@Entity('measure_cell_reasons')
export class MeasureCellReasonEntity {
  @PrimaryColumn('date')
  day: string;

  @PrimaryColumn('text', { name: 'persona_key' })
  personaKey: string;

  @PrimaryColumn('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  @PrimaryColumn('text')
  reason: string;

  @Column('bigint')
  n: string;
}
