import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only: every change of a customer's persona. Also the feed later consumers read (by id). */
@Entity('persona_history')
@Index('persona_history_customer_idx', ['customerId', 'id'])
@Index('persona_history_feed_idx', ['xactId', 'id'])
export class PersonaHistoryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

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
