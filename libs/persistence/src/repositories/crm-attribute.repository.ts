import { Injectable } from '@nestjs/common';
import { AttributeType, mergeEnumValues } from '@corridor/domain';
import { DataSource } from 'typeorm';

export interface DiscoveredAttribute {
  name: string;
  type: AttributeType;
  enumValues?: readonly string[];
  label?: string;
}

/**
 * Adds attributes discovered from a CRM's properties to the catalog (source `crm`), so rules can
 * use them. Canonical and admin-defined attributes are never overwritten; a discovered one follows
 * the CRM when its type changes, and its enum values are merged (mergeEnumValues) rather than
 * replaced, so two CRMs with the same property do not overwrite each other's values.
 */
@Injectable()
export class CrmAttributeRepository {
  constructor(private readonly db: DataSource) {}

  async upsertDiscovered(attributes: readonly DiscoveredAttribute[]): Promise<number> {
    if (attributes.length === 0) return 0;
    return this.db.transaction(async (em) => {
      // Syncs of different connections discover concurrently: one merge at a time, or one would
      // write its values over the other's.
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('attributes.crm-discovery'))`);
      const existing: Array<{ name: string; type: string; enum_values: string[] | null }> = await em.query(
        `SELECT name, type, enum_values FROM attributes WHERE source = 'crm' AND name = ANY($1)`,
        [attributes.map((a) => a.name)],
      );
      const current = new Map(existing.map((e) => [e.name, e]));
      const rows = attributes.map((a) => {
        const before = current.get(a.name);
        const enumValues =
          a.type !== 'enum' ? null : before?.type === 'enum' ? mergeEnumValues(before.enum_values ?? [], a.enumValues ?? []) : [...(a.enumValues ?? [])];
        return { name: a.name, type: a.type, enum_values: enumValues, label: a.label ?? null };
      });
      const changed: Array<{ name: string }> = await em.query(
        `INSERT INTO attributes (name, type, enum_values, source, label)
         SELECT x.name, x.type, x.enum_values, 'crm', x.label
           FROM jsonb_to_recordset($1::jsonb) AS x(name text, type text, enum_values jsonb, label text)
         ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, enum_values = EXCLUDED.enum_values,
             label = COALESCE(attributes.label, EXCLUDED.label), updated_at = now()
           WHERE attributes.source = 'crm'
             AND (attributes.type <> EXCLUDED.type OR attributes.enum_values IS DISTINCT FROM EXCLUDED.enum_values)
         RETURNING name`,
        [JSON.stringify(rows)],
      );
      return changed.length;
    });
  }
}
