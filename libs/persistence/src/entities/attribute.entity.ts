import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** The attribute catalog: every attribute a rule may use. */
@Entity('attributes')
export class AttributeEntity {
  @PrimaryColumn('text')
  name: string;

  @Column('text')
  type: string;

  @Column('jsonb', { name: 'enum_values', nullable: true })
  enumValues: string[] | null;

  /** canonical | custom (admin-defined) | crm (discovered from a connection's properties). */
  @Column('text')
  source: string;

  @Column('text', { nullable: true })
  label: string | null;

  @Column('text', { nullable: true })
  description: string | null;

  /** A behavioural attribute's definition ({kind, touchpoint?, days?}); null for every other source. */
  @Column('jsonb', { nullable: true })
  behaviour: Record<string, unknown> | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
