import { Injectable } from '@nestjs/common';
import {
  AttributeCatalog,
  AttributeChanges,
  AttributeSource,
  AttributeType,
  BehaviourDefinition,
  CatalogEntry,
  catalogOf,
  ConflictError,
  NewAttribute,
  NotFoundError,
} from '@corridor/domain';
import { DataSource } from 'typeorm';

interface AttributeRow {
  name: string;
  type: AttributeType;
  enum_values: string[] | null;
  source: AttributeSource;
  label: string | null;
  description: string | null;
  behaviour: BehaviourDefinition | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'name, type, enum_values, source, label, description, behaviour, created_at, updated_at';

/** The attribute catalog: canonical, admin-defined (custom) and CRM-discovered attributes. */
@Injectable()
export class AttributeRepository {
  constructor(private readonly db: DataSource) {}

  /** Every attribute a rule may use, by name: what the rule engine and imports check against. */
  async loadCatalog(): Promise<AttributeCatalog> {
    return catalogOf(await this.list());
  }

  async list(): Promise<CatalogEntry[]> {
    const rows: AttributeRow[] = await this.db.query(`SELECT ${COLUMNS} FROM attributes ORDER BY name`);
    return rows.map(toEntry);
  }

  async findByName(name: string): Promise<CatalogEntry | null> {
    const [row]: AttributeRow[] = await this.db.query(`SELECT ${COLUMNS} FROM attributes WHERE name = $1`, [name]);
    return row ? toEntry(row) : null;
  }

  /** Adds a custom attribute; ConflictError when the name is taken (by any source). */
  async createCustom(input: NewAttribute): Promise<CatalogEntry> {
    const [row]: AttributeRow[] = await this.db.query(
      `INSERT INTO attributes (name, type, enum_values, source, label, description)
       VALUES ($1, $2, $3, 'custom', $4, $5)
       ON CONFLICT (name) DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.name, input.type, input.enumValues ? JSON.stringify(input.enumValues) : null, input.label ?? null, input.description ?? null],
    );
    if (!row) {
      throw new ConflictError(`Attribute ${JSON.stringify(input.name)} already exists`, [
        { field: 'name', message: `an attribute named ${input.name} already exists`, code: 'ATTRIBUTE_EXISTS' },
      ], 'ATTRIBUTE_EXISTS');
    }
    return toEntry(row);
  }

  /**
   * Adds a behavioural attribute (type number, source `behaviour`); ConflictError when the name is
   * taken. Its definition is fixed: to measure something else, delete it and define another.
   */
  async createBehaviour(input: { name: string; behaviour: BehaviourDefinition; label?: string | null; description?: string | null }): Promise<CatalogEntry> {
    const b = input.behaviour;
    const definition = { kind: b.kind, ...(b.touchpoint !== undefined ? { touchpoint: b.touchpoint } : {}), ...(b.days !== undefined ? { days: b.days } : {}) };
    const [row]: AttributeRow[] = await this.db.query(
      `INSERT INTO attributes (name, type, source, label, description, behaviour)
       VALUES ($1, 'number', 'behaviour', $2, $3, $4)
       ON CONFLICT (name) DO NOTHING
       RETURNING ${COLUMNS}`,
      [input.name, input.label ?? null, input.description ?? null, JSON.stringify(definition)],
    );
    if (!row) {
      throw new ConflictError(`Attribute ${JSON.stringify(input.name)} already exists`, [
        { field: 'name', message: `an attribute named ${input.name} already exists`, code: 'ATTRIBUTE_EXISTS' },
      ], 'ATTRIBUTE_EXISTS');
    }
    return toEntry(row);
  }

  /** Applies the given changes (undefined = keep; null clears label/description). */
  async update(name: string, changes: AttributeChanges): Promise<CatalogEntry> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows]: [AttributeRow[], number] = await this.db.query(
      `UPDATE attributes SET
         label = CASE WHEN $2 THEN $3 ELSE label END,
         description = CASE WHEN $4 THEN $5 ELSE description END,
         enum_values = CASE WHEN $6 THEN $7::jsonb ELSE enum_values END,
         updated_at = now()
       WHERE name = $1
       RETURNING ${COLUMNS}`,
      [
        name,
        changes.label !== undefined,
        changes.label ?? null,
        changes.description !== undefined,
        changes.description ?? null,
        changes.enumValues !== undefined,
        changes.enumValues ? JSON.stringify(changes.enumValues) : null,
      ],
    );
    if (!rows[0]) throw new NotFoundError('Attribute', name, 'ATTRIBUTE_NOT_FOUND');
    return toEntry(rows[0]);
  }

  /**
   * Deletes a custom or behavioural attribute (with a behavioural one, its computed values).
   * Canonical and CRM-discovered ones are not the admin's to delete.
   */
  async deleteCustom(name: string): Promise<void> {
    const existing = await this.findByName(name);
    if (!existing) throw new NotFoundError('Attribute', name, 'ATTRIBUTE_NOT_FOUND');
    if (existing.source !== 'custom' && existing.source !== 'behaviour') {
      throw new ConflictError(`${name} is a ${existing.source} attribute: only custom and behavioural attributes can be deleted`, [
        { field: 'name', message: `${name} is a ${existing.source} attribute`, code: 'ATTRIBUTE_READ_ONLY' },
      ], 'ATTRIBUTE_READ_ONLY');
    }
    await this.db.transaction(async (m) => {
      await m.query(`DELETE FROM attributes WHERE name = $1 AND source IN ('custom', 'behaviour')`, [name]);
      if (existing.source === 'behaviour') {
        await m.query(`UPDATE customer_behaviour SET values = values - $1::text, changed_at = now(), changed_xact_id = pg_current_xact_id()::text::bigint WHERE values ? $1`, [name]);
      }
    });
  }
}

function toEntry(r: AttributeRow): CatalogEntry {
  return {
    name: r.name,
    type: r.type,
    ...(r.enum_values ? { enumValues: r.enum_values } : {}),
    source: r.source,
    label: r.label,
    description: r.description,
    ...(r.behaviour ? { behaviour: r.behaviour } : {}),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
