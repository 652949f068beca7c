import { Injectable } from '@nestjs/common';
import { Destination } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { DestinationEntity } from '../entities/destination.entity';
import { SecretBox } from '../secrets/secret-box';

export interface DestinationFields {
  name: string;
  url: string;
  timeoutMs: number;
  rateLimitPerSecond: number | null;
  enabled: boolean;
}

/** Webhook destinations. The signing secret is sealed on the way in and only `signingSecret` opens it. */
@Injectable()
export class DestinationRepository {
  constructor(
    private readonly db: DataSource,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<Destination[]> {
    const rows = await this.db.getRepository(DestinationEntity).find({ order: { name: 'ASC' } });
    return rows.map(toDestination);
  }

  async get(id: string): Promise<Destination | null> {
    const row = await this.db.getRepository(DestinationEntity).findOneBy({ id });
    return row ? toDestination(row) : null;
  }

  /** Null when the name is taken. */
  async create(fields: DestinationFields, secret: string): Promise<Destination | null> {
    const rows: Array<{ id: string }> = await this.db.query(
      `INSERT INTO destinations (name, url, secret_encrypted, timeout_ms, rate_limit_per_second, enabled) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (name) DO NOTHING RETURNING id`,
      [fields.name, fields.url, this.box.seal(secret), fields.timeoutMs, fields.rateLimitPerSecond, fields.enabled],
    );
    return rows[0] ? this.get(rows[0].id) : null;
  }

  /** Null when the destination is gone; 'name_taken' when another has the name (the unique index decides). */
  async update(id: string, fields: Partial<DestinationFields>, secret?: string): Promise<Destination | null | 'name_taken'> {
    const patch: Partial<DestinationEntity> = { updatedAt: new Date() };
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
    if (secret !== undefined) patch.secretEncrypted = this.box.seal(secret);
    try {
      const res = await this.db.getRepository(DestinationEntity).update({ id }, patch);
      return (res.affected ?? 0) > 0 ? this.get(id) : null;
    } catch (e) {
      const pg = (e as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (pg?.code === '23505' && pg.constraint === 'destinations_name_key') return 'name_taken';
      throw e;
    }
  }

  async delete(id: string): Promise<void> {
    await this.db.getRepository(DestinationEntity).delete({ id });
  }

  /** The signing secret in clear, for the sender only (never for an API answer or a log). */
  async signingSecret(id: string): Promise<string | null> {
    const row = await this.db.getRepository(DestinationEntity).findOne({ where: { id }, select: ['id', 'secretEncrypted'] });
    return row ? this.box.open(row.secretEncrypted) : null;
  }
}

function toDestination(r: DestinationEntity): Destination {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    timeoutMs: r.timeoutMs,
    rateLimitPerSecond: r.rateLimitPerSecond,
    enabled: r.enabled,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
