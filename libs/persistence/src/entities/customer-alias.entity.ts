import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A CRM id that now resolves to another customer (merged-away records). */
@Entity('customer_aliases')
// A merged-away CRM id looked up without its connection: the primary key leads with connection_id.
@Index('customer_aliases_external_id_idx', ['externalId'])
export class CustomerAliasEntity {
  @PrimaryColumn('uuid', { name: 'connection_id' })
  connectionId: string;

  @PrimaryColumn('text', { name: 'external_id' })
  externalId: string;

  @Column('bigint', { name: 'customer_id' })
  customerId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
