import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A CDP (Segment-spec) source posting track/batch calls, with its event name → touchpoint key mapping. */
@Entity('event_sources')
export class EventSourceEntity {
  @PrimaryColumn('text', { primaryKeyConstraintName: 'PK_event_sources_key' })
  key: string;

  @Column('text')
  name: string;

  /** `{ "Order Completed": "purchase_completed" }`; an event not named here is acknowledged and ignored. */
  @Column('jsonb', { default: () => `'{}'` })
  mappings: Record<string, string>;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
