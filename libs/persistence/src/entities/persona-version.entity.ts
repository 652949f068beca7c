import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every change to a persona, kept: what it was at each version and who changed it. */
@Entity('persona_versions')
@Index('persona_versions_persona_version_key', ['personaId', 'version'], { unique: true })
export class PersonaVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'persona_id' })
  personaId: string;

  @Column('int')
  version: number;

  @Column('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text')
  description: string;

  @Column('int', { nullable: true })
  priority: number | null;

  @Column('boolean')
  enabled: boolean;

  @Column('boolean', { name: 'is_fallback' })
  isFallback: boolean;

  @Column('jsonb', { nullable: true })
  rule: unknown;

  /** create | update | reorder | disable | enable | archive */
  @Column('text')
  change: string;

  @Column('uuid', { name: 'changed_by', nullable: true })
  changedBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
