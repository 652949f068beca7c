import { Entity, PrimaryColumn } from 'typeorm';
import { MeasureCounters } from './measure-counters';

/** The folded counters: one row per (UTC day of decision, persona, touchpoint). See MeasureDeltaEntity. */
@Entity('measure_cells')
export class MeasureCellEntity extends MeasureCounters {
  @PrimaryColumn('date')
  day: string;

  @PrimaryColumn('text', { name: 'persona_key' })
  personaKey: string;

  @PrimaryColumn('text', { name: 'touchpoint_key' })
  touchpointKey: string;
}
