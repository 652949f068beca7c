import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A customer's persona under one persona set. The table is LIST-partitioned by set_version (see the
 * migration): a full run COPYs a new set's rows into a fresh partition, the live pointer moves in one
 * transaction, and the old partition is dropped whole. Readers always join on the live set.
 */
@Entity('assignments')
export class AssignmentEntity {
  @PrimaryColumn('int', { name: 'set_version' })
  setVersion: number;

  @PrimaryColumn('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('uuid', { name: 'persona_id' })
  personaId: string;

  @Column('timestamptz', { name: 'evaluated_at' })
  evaluatedAt: Date;

  /**
   * The snapshot (pg_snapshot, as text) the evaluation read the customer under (an incremental
   * evaluation's, a full run chunk's, an override's): the reconciler asks whether the customer's
   * last change was visible to it. Null on rows from before it existed.
   */
  @Column('text', { name: 'read_snapshot', nullable: true })
  readSnapshot: string | null;
}
