import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A persona change written by a full run going live (issue 12): the same facts as a persona_history
 * row, in a table whose two B-trees take a run's rows at their right edge. The key leads with the
 * set version (a run going live is a newer one, its rows come in customer order); a customer's
 * changes are read by one probe per version that went live. `id` and `xact_id` are given by the
 * writer: ids come from persona_history's identity sequence, one order across both tables.
 */
@Entity('persona_run_changes')
@Index('persona_run_changes_feed_idx', ['xactId', 'id'])
export class PersonaRunChangeEntity {
  // Declared first: the key's columns are in this order.
  @PrimaryColumn('int', { name: 'set_version', primaryKeyConstraintName: 'PK_persona_run_changes' })
  setVersion: number;

  @PrimaryColumn('bigint', { name: 'customer_id', primaryKeyConstraintName: 'PK_persona_run_changes' })
  customerId: string;

  @PrimaryColumn('bigint', { name: 'id', primaryKeyConstraintName: 'PK_persona_run_changes' })
  id: string;

  @Column('uuid', { name: 'from_persona_id', nullable: true })
  fromPersonaId: string | null;

  @Column('uuid', { name: 'to_persona_id' })
  toPersonaId: string;

  /** rule_change | time_passed | new_customer */
  @Column('text')
  cause: string;

  @Column('timestamptz', { name: 'changed_at' })
  changedAt: Date;

  @Column('bigint', { name: 'xact_id' })
  xactId: string;
}
