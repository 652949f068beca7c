import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * Where customers come from: a HubSpot portal, a Salesforce org, or file import (one fixed row,
 * seeded by the first migration, so every customer has a connection).
 */
@Entity('connections')
export class ConnectionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** hubspot | salesforce | import */
  @Column('text')
  kind: string;

  @Column('text')
  name: string;

  /** AES-256-GCM ciphertext of the credentials JSON; never returned by the API. */
  @Column('text', { name: 'credentials_encrypted', nullable: true })
  credentialsEncrypted: string | null;

  /** Non-secret settings: field mapping, sync interval, write-back options. */
  @Column('jsonb', { default: {} })
  settings: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt: Date | null;
}
