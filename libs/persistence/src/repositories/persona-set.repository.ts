import { Injectable } from '@nestjs/common';
import { PersonaSet, PersonaSetReason, PersonaSetStatus } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { PersonaSetEntity } from '../entities/persona-set.entity';

/** Published, immutable persona sets; exactly one is live. */
@Injectable()
export class PersonaSetRepository {
  constructor(private readonly db: DataSource) {}

  async live(): Promise<PersonaSet> {
    const row = await this.db.getRepository(PersonaSetEntity).findOneByOrFail({ status: 'live' });
    return toPersonaSet(row);
  }

  async get(version: number): Promise<PersonaSet | null> {
    const row = await this.db.getRepository(PersonaSetEntity).findOneBy({ version });
    return row ? toPersonaSet(row) : null;
  }

  async list(limit = 50): Promise<PersonaSet[]> {
    const rows = await this.db.getRepository(PersonaSetEntity).find({ order: { version: 'DESC' }, take: limit });
    return rows.map(toPersonaSet);
  }
}

export function toPersonaSet(r: PersonaSetEntity): PersonaSet {
  return {
    version: r.version,
    members: r.members,
    catalog: r.catalog,
    timeZone: r.timeZone,
    status: r.status as PersonaSetStatus,
    reason: r.reason as PersonaSetReason,
    publishedBy: r.publishedBy,
    publishedAt: r.publishedAt,
    liveAt: r.liveAt,
  };
}
