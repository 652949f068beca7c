import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { MeasureCounters } from './measure-counters';

/**
 * Append-only changes to the per-cell, per-day counters, written by statement-level triggers on
 * decisions, deliveries and outcomes (migration 1797020000000), folded into `measure_cells` by the
 * rollup job. Readers add the unfolded rows to the folded ones, so figures are exact at any moment.
 * `persona_key` is '' for decisions made without a live persona.
 */
@Entity('measure_deltas')
export class MeasureDeltaEntity extends MeasureCounters {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('text', { name: 'persona_key' })
  personaKey: string;

  @Column('text', { name: 'touchpoint_key' })
  touchpointKey: string;

  /** The UTC day of the decision the figures belong to. */
  @Column('date')
  day: string;

  /** Suppressed decisions by the reason code that stopped them. */
  @Column('jsonb', { name: 'suppressed_by', default: {} })
  suppressedBy: Record<string, number>;
}
