import { Injectable } from '@nestjs/common';
import { Persona, PersonaChange, PersonaOrder, PersonaOrderChange, PersonaVersion } from '@corridor/domain';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { PersonaOrderEntity } from '../entities/persona-order.entity';
import { PersonaVersionEntity } from '../entities/persona-version.entity';
import { PersonaEntity } from '../entities/persona.entity';

export interface PersonaFields {
  key: string;
  name: string;
  description: string;
  priority: number | null;
  enabled: boolean;
  rule: unknown;
}

/**
 * The persona draft. Every change writes the new state and a version row in one transaction;
 * callers group changes with `transaction`, which also serialises concurrent editors (a
 * transaction-scoped advisory lock), so priorities stay a strict order.
 */
@Injectable()
export class PersonaRepository {
  constructor(private readonly db: DataSource) {}

  async transaction<T>(fn: (tx: PersonaTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.personas'))`);
      return fn(new PersonaTransaction(em));
    });
  }

  /** Live (not archived) personas, by priority, fallback last. */
  async list(): Promise<Persona[]> {
    return new PersonaTransaction(this.db.manager).list();
  }

  async find(idOrKey: string): Promise<Persona | null> {
    return new PersonaTransaction(this.db.manager).find(idOrKey);
  }

  async versions(personaId: string): Promise<PersonaVersion[]> {
    const rows = await this.db.getRepository(PersonaVersionEntity).find({ where: { personaId }, order: { version: 'DESC' } });
    return rows.map(toVersion);
  }

  /** The draft's evaluation order as recorded, newest first. */
  async orders(limit = 50): Promise<PersonaOrder[]> {
    const rows = await this.db.getRepository(PersonaOrderEntity).find({ order: { version: 'DESC' }, take: limit });
    return rows.map(toOrder);
  }

  /** The persona-version ids the draft currently consists of, with the persona. */
  async draftWithVersionIds(): Promise<Array<Persona & { versionId: string }>> {
    const personas = await this.list();
    if (personas.length === 0) return [];
    const rows: Array<{ persona_id: string; id: string }> = await this.db.query(
      `SELECT v.persona_id, v.id FROM persona_versions v JOIN personas p ON p.id = v.persona_id AND p.version = v.version
        WHERE p.archived_at IS NULL`,
    );
    const byPersona = new Map(rows.map((r) => [r.persona_id, r.id]));
    return personas.map((p) => ({ ...p, versionId: byPersona.get(p.id)! }));
  }
}

export class PersonaTransaction {
  constructor(private readonly em: EntityManager) {}

  async list(): Promise<Persona[]> {
    const rows = await this.em.getRepository(PersonaEntity).find({ where: { archivedAt: IsNull() } });
    return rows.map(toPersona).sort(byPriority);
  }

  async find(idOrKey: string): Promise<Persona | null> {
    const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrKey);
    const row = await this.em
      .getRepository(PersonaEntity)
      .findOne({ where: isUuid ? { id: idOrKey, archivedAt: IsNull() } : { key: idOrKey, archivedAt: IsNull() } });
    return row ? toPersona(row) : null;
  }

  async keyTaken(key: string): Promise<boolean> {
    // Archived personas keep their key: history and past sets refer to it.
    return (await this.em.getRepository(PersonaEntity).count({ where: { key } })) > 0;
  }

  async create(fields: PersonaFields, changedBy: string | null): Promise<Persona> {
    const row = await this.em.getRepository(PersonaEntity).save(
      this.em.getRepository(PersonaEntity).create({ ...fields, isFallback: false, version: 1 }),
    );
    await this.recordVersion(row, 'create', changedBy);
    return toPersona(row);
  }

  /**
   * Moves personas in the evaluation order. Not a version of theirs: their content is unchanged,
   * and the order's own history is `recordOrder`.
   */
  async setPriorities(priorities: ReadonlyArray<{ id: string; priority: number }>): Promise<void> {
    if (priorities.length === 0) return;
    await this.em.query(
      `UPDATE personas p SET priority = v.priority, updated_at = now()
         FROM unnest($1::uuid[], $2::int[]) AS v(id, priority)
        WHERE p.id = v.id AND p.priority IS DISTINCT FROM v.priority`,
      [priorities.map((p) => p.id), priorities.map((p) => p.priority)],
    );
  }

  /** Records the current order as its next version, unless it is the order already recorded last. */
  async recordOrder(change: PersonaOrderChange, personaKey: string | null, changedBy: string | null): Promise<void> {
    const keys = (await this.list()).filter((p) => !p.isFallback).map((p) => p.key);
    const repo = this.em.getRepository(PersonaOrderEntity);
    const [last] = await repo.find({ order: { version: 'DESC' }, take: 1 });
    if (last && JSON.stringify(last.keys) === JSON.stringify(keys)) return;
    await repo.insert({ version: (last?.version ?? 0) + 1, keys, change, personaKey, changedBy });
  }

  /** Applies changed fields to one persona as a new version; no-op when nothing changed. */
  async update(id: string, fields: Partial<PersonaFields>, change: PersonaChange, changedBy: string | null): Promise<Persona> {
    const repo = this.em.getRepository(PersonaEntity);
    const row = await repo.findOneByOrFail({ id });
    const changed = (Object.keys(fields) as Array<keyof PersonaFields>).filter(
      (k) => fields[k] !== undefined && JSON.stringify(fields[k]) !== JSON.stringify(row[k]),
    );
    if (changed.length === 0 && change !== 'archive') return toPersona(row);
    for (const k of changed) (row as unknown as Record<string, unknown>)[k] = fields[k];
    row.version += 1;
    if (change === 'archive') row.archivedAt = new Date();
    await repo.save(row);
    await this.recordVersion(row, change, changedBy);
    return toPersona(row);
  }

  private async recordVersion(row: PersonaEntity, change: PersonaChange, changedBy: string | null): Promise<void> {
    await this.em.getRepository(PersonaVersionEntity).insert({
      personaId: row.id,
      version: row.version,
      key: row.key,
      name: row.name,
      description: row.description,
      priority: row.priority,
      enabled: row.enabled,
      isFallback: row.isFallback,
      rule: row.rule as object,
      change,
      changedBy,
    });
  }
}

function byPriority(a: Persona, b: Persona): number {
  if (a.isFallback !== b.isFallback) return a.isFallback ? 1 : -1;
  return (a.priority ?? 0) - (b.priority ?? 0);
}

function toPersona(r: PersonaEntity): Persona {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    description: r.description,
    priority: r.priority,
    enabled: r.enabled,
    isFallback: r.isFallback,
    rule: r.rule,
    version: r.version,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function toVersion(r: PersonaVersionEntity): PersonaVersion {
  return {
    id: r.id,
    personaId: r.personaId,
    version: r.version,
    key: r.key,
    name: r.name,
    description: r.description,
    priority: r.priority,
    enabled: r.enabled,
    isFallback: r.isFallback,
    rule: r.rule,
    change: r.change as PersonaChange,
    changedBy: r.changedBy,
    createdAt: r.createdAt,
  };
}

function toOrder(r: PersonaOrderEntity): PersonaOrder {
  return {
    version: r.version,
    keys: r.keys,
    change: r.change as PersonaOrderChange,
    personaKey: r.personaKey,
    changedBy: r.changedBy,
    createdAt: r.createdAt,
  };
}
