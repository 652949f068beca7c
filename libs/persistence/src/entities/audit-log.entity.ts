import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One change made by an admin key (README "Audit log"); before/after are redacted before they get here. */
@Entity('audit_log')
@Index('audit_log_at_idx', ['at'])
@Index('audit_log_actor_idx', ['actorKeyId', 'id'])
@Index('audit_log_target_idx', ['targetType', 'targetId', 'id'])
export class AuditLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'PK_audit_log_id' })
  id: string;

  @Column('timestamptz', { default: () => 'now()' })
  at: Date;

  @Column('uuid', { name: 'actor_key_id' })
  actorKeyId: string;

  @Column('text', { name: 'actor_name' })
  actorName: string;

  @Column('text', { name: 'actor_role' })
  actorRole: string;

  /** `persona.publish`, `connection.update`, … */
  @Column('text')
  action: string;

  @Column('text')
  method: string;

  /** The route pattern (`/v1/personas/:id/publish`). */
  @Column('text')
  route: string;

  /** The path as requested (query string left out). */
  @Column('text')
  path: string;

  @Column('text', { name: 'target_type' })
  targetType: string;

  @Column('text', { name: 'target_id', nullable: true })
  targetId: string | null;

  @Column('integer', { name: 'status_code' })
  statusCode: number;

  /** The request body, redacted; null where it carries customer data or is too large. */
  @Column('jsonb', { nullable: true })
  request: unknown;

  @Column('jsonb', { nullable: true })
  before: unknown;

  @Column('jsonb', { nullable: true })
  after: unknown;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId: string | null;
}
