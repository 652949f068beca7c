import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Incremental evaluations that happen while a full run is in progress, under the run's set: the
 * run's chunks may have read the customer before the change, so going live applies these last.
 * persona_id is null for a customer deleted meanwhile.
 */
@Entity('segmentation_run_overrides')
export class SegmentationRunOverrideEntity {
  @PrimaryColumn('uuid', { name: 'run_id' })
  runId: string;

  @PrimaryColumn('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('uuid', { name: 'persona_id', nullable: true })
  personaId: string | null;

  /** The snapshot the evaluation read under (pg_snapshot as text), carried into the assignment at go-live. */
  @Column('text', { name: 'read_snapshot', nullable: true })
  readSnapshot: string | null;
}
