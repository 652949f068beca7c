import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Persona changes found by a full run's chunks, held until the run goes live (then moved into
 * persona_history in the same transaction), so a superseded run leaves no history behind.
 */
@Entity('segmentation_run_changes')
export class SegmentationRunChangeEntity {
  @PrimaryColumn('uuid', { name: 'run_id' })
  runId: string;

  @PrimaryColumn('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('uuid', { name: 'from_persona_id', nullable: true })
  fromPersonaId: string | null;

  @Column('uuid', { name: 'to_persona_id' })
  toPersonaId: string;
}
