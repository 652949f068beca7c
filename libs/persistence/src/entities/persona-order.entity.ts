import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The draft's evaluation order, one row per change of it (personas' own versions are content only). */
@Entity('persona_orders')
export class PersonaOrderEntity {
  @PrimaryColumn('int')
  version: number;

  /** Persona keys, first evaluated first; the fallback is not listed. */
  @Column('jsonb')
  keys: string[];

  /** initial | create | reorder | archive */
  @Column('text')
  change: string;

  @Column('text', { name: 'persona_key', nullable: true })
  personaKey: string | null;

  @Column('uuid', { name: 'changed_by', nullable: true })
  changedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
