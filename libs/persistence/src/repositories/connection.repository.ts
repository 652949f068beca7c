import { Injectable } from '@nestjs/common';
import { CrmConnection, CrmConnectionSettings, CrmCredentials, CrmKind, NotFoundError } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { ConnectionEntity } from '../entities/connection.entity';
import { SecretBox } from '../secrets/secret-box';

/** What the API may show about a connection: which credential fields are set, never their values. */
export interface ConnectionSummary {
  id: string;
  kind: CrmKind;
  name: string;
  settings: CrmConnectionSettings;
  credentialsSet: Record<string, boolean>;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * CRM connections. Credentials are sealed with SecretBox before they reach the database and opened
 * only for the code that calls the CRM (`get`); summaries carry which fields are set.
 */
@Injectable()
export class ConnectionRepository {
  constructor(
    private readonly db: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async create(input: { kind: CrmKind; name: string; settings: CrmConnectionSettings; credentials: CrmCredentials }): Promise<ConnectionSummary> {
    const repo = this.db.getRepository(ConnectionEntity);
    const row = await repo.save(
      repo.create({
        kind: input.kind,
        name: input.name,
        settings: input.settings as Record<string, unknown>,
        credentialsEncrypted: this.secrets.sealJson(input.credentials),
      }),
    );
    return this.summaryOf(row);
  }

  async update(id: string, patch: { name?: string; settings?: CrmConnectionSettings; credentials?: CrmCredentials }): Promise<ConnectionSummary> {
    const repo = this.db.getRepository(ConnectionEntity);
    const row = await this.findRow(id);
    if (patch.name !== undefined) row.name = patch.name;
    if (patch.settings !== undefined) row.settings = patch.settings as Record<string, unknown>;
    if (patch.credentials !== undefined) row.credentialsEncrypted = this.secrets.sealJson(patch.credentials);
    return this.summaryOf(await repo.save(row));
  }

  async remove(id: string): Promise<void> {
    await this.findRow(id);
    await this.db.query(`UPDATE connections SET deleted_at = now(), updated_at = now() WHERE id = $1`, [id]);
  }

  /** The connection with its credentials opened: for code that talks to the CRM only. */
  async get(id: string): Promise<CrmConnection> {
    const row = await this.findRow(id);
    return {
      id: row.id,
      kind: row.kind as CrmKind,
      name: row.name,
      settings: row.settings as CrmConnectionSettings,
      credentials: this.secrets.openJson<CrmCredentials>(row.credentialsEncrypted ?? ''),
    };
  }

  async summary(id: string): Promise<ConnectionSummary> {
    return this.summaryOf(await this.findRow(id));
  }

  async list(): Promise<ConnectionSummary[]> {
    const rows = await this.db
      .getRepository(ConnectionEntity)
      .createQueryBuilder('c')
      .where(`c.deleted_at IS NULL AND c.kind IN ('hubspot', 'salesforce')`)
      .orderBy('c.created_at')
      .getMany();
    return rows.map((r) => this.summaryOf(r));
  }

  private async findRow(id: string): Promise<ConnectionEntity> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
    const row = isUuid
      ? await this.db
          .getRepository(ConnectionEntity)
          .createQueryBuilder('c')
          .where(`c.id = :id AND c.deleted_at IS NULL AND c.kind IN ('hubspot', 'salesforce')`, { id })
          .getOne()
      : null;
    if (!row) throw new NotFoundError('Connection', id, 'CONNECTION_NOT_FOUND');
    return row;
  }

  private summaryOf(row: ConnectionEntity): ConnectionSummary {
    let credentials: Record<string, unknown> = {};
    try {
      credentials = row.credentialsEncrypted ? this.secrets.openJson<Record<string, unknown>>(row.credentialsEncrypted) : {};
    } catch {
      // Sealed with another key: show nothing as set rather than fail the listing.
    }
    const credentialsSet: Record<string, boolean> = {};
    for (const [k, v] of Object.entries(credentials)) if (k !== 'kind') credentialsSet[k] = typeof v === 'string' && v !== '';
    return {
      id: row.id,
      kind: row.kind as CrmKind,
      name: row.name,
      settings: row.settings as CrmConnectionSettings,
      credentialsSet,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}
