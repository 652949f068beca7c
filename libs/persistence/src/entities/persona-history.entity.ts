import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only: every change of a customer's persona. Also the feed later consumers read (by id). */
@Entity('persona_history')
@Index('persona_history_customer_idx', ['customerId', 'id'])
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
}
