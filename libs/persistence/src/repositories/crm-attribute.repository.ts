import { Injectable } from '@nestjs/common';
import { AttributeType } from '@corridor/domain';
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
 * the CRM when its type or options change.
 */
@Injectable()
export class CrmAttributeRepository {
  constructor(private readonly db: DataSource) {}

  async upsertDiscovered(attributes: readonly DiscoveredAttribute[]): Promise<number> {
    if (attributes.length === 0) return 0;
    const rows: Array<{ name: string }> = await this.db.query(
      `INSERT INTO attributes (name, type, enum_values, source, label)
       SELECT x.name, x.type, x.enum_values, 'crm', x.label
         FROM jsonb_to_recordset($1::jsonb) AS x(name text, type text, enum_values jsonb, label text)
       ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, enum_values = EXCLUDED.enum_values,
           label = COALESCE(attributes.label, EXCLUDED.label), updated_at = now()
         WHERE attributes.source = 'crm'
           AND (attributes.type <> EXCLUDED.type OR attributes.enum_values IS DISTINCT FROM EXCLUDED.enum_values)
       RETURNING name`,
      [
        JSON.stringify(
          attributes.map((a) => ({ name: a.name, type: a.type, enum_values: a.type === 'enum' ? (a.enumValues ?? []) : null, label: a.label ?? null })),
        ),
      ],
    );
    return rows.length;
  }
}
