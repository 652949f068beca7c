import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A touchpoint of the journey as admins edit it; a published strategy freezes a copy. */
@Entity('touchpoints')
@Index('touchpoints_stage_idx', ['stageKey', 'position'])
export class TouchpointEntity {
  @PrimaryColumn('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'stage_key' })
  stageKey: string;

  @Column('text')
  channel: string;

  @Column('boolean', { default: false })
  major: boolean;

  @Column('boolean', { name: 'moment_of_truth', default: false })
  momentOfTruth: boolean;

  @Column('text', { default: '' })
  owner: string;

  @Column('text', { default: '' })
  description: string;

  @Column('boolean', { name: 'built_in', default: false })
  builtIn: boolean;

  @Column('integer')
  position: number;

  /** AttributeDefinition[]: typed event properties usable in strategy conditions as `event.<name>`. */
  @Column('jsonb', { name: 'event_properties', default: () => `'[]'` })
  eventProperties: Array<{ name: string; type: string; enumValues?: string[] }>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
