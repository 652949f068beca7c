import { PersonaSetMember } from '@corridor/domain';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A published, immutable snapshot of the enabled personas in priority order (fallback last).
 * Exactly one set is live: the one every current assignment was made by.
 */
@Entity('persona_sets')
@Index('persona_sets_one_live', ['status'], { unique: true, where: `status = 'live'` })
export class PersonaSetEntity {
  @PrimaryColumn('int')
  version: number;

  @Column('jsonb')
  members: PersonaSetMember[];

  /** The catalog entries the members' rules use, frozen with the set so later catalog edits cannot change its meaning. */
  @Column('jsonb', { default: [] })
  catalog: Array<{ name: string; type: string; enumValues?: readonly string[] }>;

  @Column('text', { name: 'time_zone' })
  timeZone: string;

  /** publishing (re-segmentation running) | live | superseded (a newer publish replaced it before it went live) | retired */
  @Column('text')
  status: string;

  /** publish (an admin's change of rules) | refresh (the same rules re-applied as time passes, for relative dates) */
  @Column('text', { default: 'publish' })
  reason: string;

  @Column('uuid', { name: 'published_by', nullable: true })
  publishedBy: string | null;

  @CreateDateColumn({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  @Column('timestamptz', { name: 'live_at', nullable: true })
  liveAt: Date | null;
}
