import { Injectable } from '@nestjs/common';
import { Channel, Treatment, TreatmentType } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { TreatmentEntity } from '../entities/treatment.entity';

/** Treatments as admins edit them; a published strategy freezes a copy. */
@Injectable()
export class TreatmentRepository {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<Treatment[]> {
    const rows = await this.db.getRepository(TreatmentEntity).find({ order: { key: 'ASC' } });
    return rows.map(toTreatment);
  }

  async get(key: string): Promise<Treatment | null> {
    const row = await this.db.getRepository(TreatmentEntity).findOneBy({ key });
    return row ? toTreatment(row) : null;
  }

  /** False when the key is taken. */
  async create(t: Treatment): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO treatments (key, name, description, type, channel, config, response_window_hours, ignored_in_a_row, pause_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (key) DO NOTHING RETURNING key`,
      [t.key, t.name, t.description, t.type, t.channel, JSON.stringify(t.config), t.responseWindowHours ?? null, t.ignoredInARow ?? null, t.pauseDays ?? null],
    );
    return rows.length > 0;
  }

  async replace(t: Treatment): Promise<boolean> {
    const res = await this.db
      .getRepository(TreatmentEntity)
      .update(
        { key: t.key },
        {
          name: t.name,
          description: t.description,
          type: t.type,
          channel: t.channel,
          config: t.config as never,
          responseWindowHours: t.responseWindowHours ?? null,
          ignoredInARow: t.ignoredInARow ?? null,
          pauseDays: t.pauseDays ?? null,
          updatedAt: new Date(),
        },
      );
    return (res.affected ?? 0) > 0;
  }

  async delete(key: string): Promise<void> {
    await this.db.getRepository(TreatmentEntity).delete({ key });
  }

  /** Treatment keys of webhooks sending to this destination. */
  async usingDestination(destinationId: string): Promise<string[]> {
    const rows: Array<{ key: string }> = await this.db.query(
      `SELECT key FROM treatments WHERE type = 'webhook' AND config->>'destinationId' = $1 ORDER BY key`,
      [destinationId],
    );
    return rows.map((r) => r.key);
  }
}

export function toTreatment(r: TreatmentEntity): Treatment {
  return {
    key: r.key,
    name: r.name,
    description: r.description,
    type: r.type as TreatmentType,
    channel: r.channel as Channel,
    config: r.config,
    responseWindowHours: r.responseWindowHours,
    ignoredInARow: r.ignoredInARow,
    pauseDays: r.pauseDays,
  } as Treatment;
}
