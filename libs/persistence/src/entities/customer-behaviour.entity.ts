import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One customer's behavioural attribute values (name → number), computed from their events and
 * experience. Every evaluation path reads them merged over `customers.attributes`
 * (EVALUATED_ATTRIBUTES); a sync never writes here, so it can neither wipe nor echo them.
 */
@Entity('customer_behaviour')
@Index('customer_behaviour_next_change_idx', ['nextChangeAt'])
export class CustomerBehaviourEntity {
  @PrimaryColumn('bigint', { name: 'customer_id' })
  customerId: string;

  @Column('jsonb', { default: {} })
  values: Record<string, number>;

  /** When a value next changes by the calendar alone (a window moves): the daily refresh recomputes from then. */
  @Column('timestamptz', { name: 'next_change_at', nullable: true })
  nextChangeAt: Date | null;

  @Column('timestamptz', { name: 'computed_at', default: () => 'now()' })
  computedAt: Date;

  /** When the values last changed: an assignment older than this is stale (the reconciler's test). */
  @Column('timestamptz', { name: 'changed_at', default: () => 'now()' })
  changedAt: Date;

  /**
   * The snapshot (pg_snapshot, as text) the last recompute read the facts under: the safety net asks
   * whether an event's transaction was visible to it. Null until a recompute has run since it existed.
   */
  @Column('text', { name: 'read_snapshot', nullable: true })
  readSnapshot: string | null;

  /** The transaction that last changed the values (pg_current_xact_id): compared with an assignment's read_snapshot. */
  @Column('bigint', { name: 'changed_xact_id', nullable: true })
  changedXactId: string | null;
}
