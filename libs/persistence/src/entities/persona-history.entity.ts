import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Append-only: every change of a customer's persona. Also the feed later consumers read (by
 * (xact_id, id)). The primary key is (customer_id, id): it is the timeline's index too, so a going
 * live that writes a row per changed customer maintains two B-trees, not three (issue 12). The id
 * alone stays unique by construction (an identity column, GENERATED ALWAYS).
 */
@Entity('persona_history')
@Index('persona_history_feed_idx', ['xactId', 'id'])
export class PersonaHistoryEntity {
  // Declared first: the key's columns are in this order, customer first (the timeline's reads).
  @PrimaryColumn('bigint', { name: 'customer_id', primaryKeyConstraintName: 'PK_persona_history_customer_id_id' })
  customerId: string;

  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'PK_persona_history_customer_id_id' })
  id: string;

  @Column('uuid', { name: 'from_persona_id', nullable: true })
  fromPersonaId: string | null;

  @Column('uuid', { name: 'to_persona_id' })
  toPersonaId: string;

  @Column('int', { name: 'set_version' })
  setVersion: number;

  /** rule_change (a publish) | data_change (the customer's attributes changed) | new_customer */
  @Column('text')
  cause: string;

  @Column('timestamptz', { name: 'changed_at' })
  changedAt: Date;

  /**
   * The inserting transaction (pg_current_xact_id). Ids are handed out before commit, so two
   * writers can commit out of id order; consumers read in (xact_id, id) order up to the oldest
   * transaction still running, which never skips a row that commits late.
   */
  // TypeORM compares defaults with their casts stripped; the migration's default is
  // ((pg_current_xact_id())::text)::bigint.
  @Column('bigint', { name: 'xact_id', default: () => '((pg_current_xact_id()))' })
  xactId: string;
}
