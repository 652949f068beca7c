import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Where webhook treatments are sent; the signing secret is sealed (SecretBox) and never returned. */
@Entity('destinations')
@Index('destinations_name_key', ['name'], { unique: true })
export class DestinationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  url: string;

  @Column('text', { name: 'secret_encrypted' })
  secretEncrypted: string;

  @Column('integer', { name: 'timeout_ms', default: 5000 })
  timeoutMs: number;

  /** Requests per second shared by every worker; null: unlimited. */
  @Column('integer', { name: 'rate_limit_per_second', nullable: true })
  rateLimitPerSecond: number | null;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('timestamptz', { name: 'created_at', default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at', default: () => 'now()' })
  updatedAt: Date;
}
