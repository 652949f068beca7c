import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** The working (draft) state of a persona; publishing snapshots the enabled ones into a persona set. */
@Entity('personas')
export class PersonaEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('personas_key_key', { unique: true })
  @Column('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text', { default: '' })
  description: string;

  /** 1 is evaluated first. Unique among non-fallback personas; the fallback has none. */
  @Column('int', { nullable: true })
  priority: number | null;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('boolean', { name: 'is_fallback', default: false })
  isFallback: boolean;

  @Column('jsonb', { nullable: true })
  rule: unknown;

  @Column('int', { default: 1 })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;
}
