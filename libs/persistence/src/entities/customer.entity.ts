import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * One row per CRM record (connection, external id). Attributes stay in one jsonb document in the
 * loose form the CRM sent (the rule language reads them by the catalog's types), so a new CRM
 * property needs no schema change.
 */
@Entity('customers')
@Index('customers_connection_external_key', ['connectionId', 'externalId'], { unique: true })
@Index('customers_email_idx', ['email'])
// A CRM id without its connection (GET /v1/customers?crmId=): the unique key leads with connection_id.
@Index('customers_external_id_idx', ['externalId'])
// Expression indexes on the name (migration CustomerNameSearch1797060000000): declared, not synchronised.
@Index('customers_full_name_idx', { synchronize: false })
@Index('customers_last_name_idx', { synchronize: false })
export class CustomerEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column('uuid', { name: 'connection_id' })
  connectionId: string;

  /** contact | lead */
  @Column('text', { name: 'crm_object', default: 'contact' })
  crmObject: string;

  @Column('text', { name: 'external_id' })
  externalId: string;

  /** Lower-cased, trimmed copy of attributes.email, for look-ups. */
  @Column('text', { nullable: true })
  email: string | null;

  @Column('jsonb', { default: {} })
  attributes: Record<string, unknown>;

  /** Hash of the attributes document: a sync writes (and re-segments) only customers whose hash changed. */
  @Column('text', { name: 'content_hash' })
  contentHash: string;

  /**
   * The CRM's modification stamp of the version stored (HubSpot lastmodifieddate, Salesforce
   * SystemModstamp). An older version never overwrites a newer one: HubSpot's search index lags
   * and can return a record as it was before a change a webhook already brought in.
   */
  @Column('timestamptz', { name: 'crm_modified_at', nullable: true })
  crmModifiedAt: Date | null;

  /**
   * The CRM's current values of Corridor's write-back fields (role → value: persona, strategy,
   * hsPersona), as last read or written; not customer data (outside the content hash). Write-back
   * skips a record that already carries the values (a merge survivor keeps its persona).
   */
  @Column('jsonb', { name: 'crm_writeback_values', nullable: true })
  crmWritebackValues: Record<string, string | null> | null;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;

  /** Set when this record was merged into another; the row stays as an alias target for old ids. */
  @Column('bigint', { name: 'merged_into_id', nullable: true })
  mergedIntoId: string | null;

  /**
   * Set when the customer's data was erased on request (README "Customer data requests"): the row
   * stays as an anonymised tombstone, and a sync brings the record back only when the CRM holds a
   * version newer than `crm_modified_at` (kept at erasure) or, for a source without one, other content.
   */
  @Column('timestamptz', { name: 'erased_at', nullable: true })
  erasedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** When the attributes last changed (not bookkeeping): reconcile compares it with the assignment's time. */
  @Column('timestamptz', { name: 'data_changed_at', default: () => 'now()' })
  dataChangedAt: Date;

  /**
   * The transaction that last changed the attributes (pg_current_xact_id; writers set it to DEFAULT
   * with data_changed_at): the reconciler asks whether it was visible to an assignment's read_snapshot.
   */
  // TypeORM compares defaults with their casts stripped; the migration's default is
  // ((pg_current_xact_id())::text)::bigint.
  @Column('bigint', { name: 'data_xact_id', nullable: true, default: () => '((pg_current_xact_id()))' })
  dataXactId: string | null;
}
