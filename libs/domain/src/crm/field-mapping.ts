import { ATTRIBUTE_NAME_PATTERN, AttributeCatalog, AttributeType, CANONICAL_CATALOG } from '../attributes/attribute';
import { FieldMappingEntry, FieldMappingSettings } from './crm-connection';
import { DiscoveredProperty } from './crm-connector.port';

/** One CRM field feeding one catalog attribute, with its type fixed. */
export interface ResolvedFieldMapping {
  field: string;
  attribute: string;
  type: AttributeType;
  values?: Readonly<Record<string, string>>;
}

export interface ResolveMappingInput {
  defaults: FieldMappingSettings;
  overrides?: FieldMappingSettings;
  /** Discovered properties: give custom mappings their type, and feed auto-mapping. */
  discovered?: readonly DiscoveredProperty[];
  autoMapCustom?: boolean;
  /** Fields Corridor writes itself: never read back as attributes, or a write-back would look like a change. */
  reservedFields?: ReadonlySet<string>;
  catalog?: AttributeCatalog;
}

/**
 * The effective mapping of a connection: defaults, then auto-mapped custom properties, then the
 * admin's overrides (null removes). An attribute's type comes from the catalog when it is
 * canonical, else from the entry, else from discovery, else string.
 */
export function resolveFieldMapping(input: ResolveMappingInput): ResolvedFieldMapping[] {
  const catalog = input.catalog ?? CANONICAL_CATALOG;
  const discovered = new Map((input.discovered ?? []).map((p) => [p.field, p]));
  const merged = new Map<string, FieldMappingEntry>();
  const put = (field: string, value: string | FieldMappingEntry | null) => {
    if (value === null) merged.delete(field);
    else merged.set(field, typeof value === 'string' ? { attribute: value } : value);
  };
  for (const [field, v] of Object.entries(input.defaults)) put(field, v);
  if (input.autoMapCustom) {
    for (const p of discovered.values()) if (p.custom && !merged.has(p.field)) put(p.field, { attribute: attributeNameForField(p.field) });
  }
  for (const [field, v] of Object.entries(input.overrides ?? {})) put(field, v);

  const out: ResolvedFieldMapping[] = [];
  for (const [field, entry] of merged) {
    if (input.reservedFields?.has(field)) continue;
    if (!ATTRIBUTE_NAME_PATTERN.test(entry.attribute)) continue;
    const canonical = catalog.get(entry.attribute);
    const type = canonical?.type ?? entry.type ?? discovered.get(field)?.type ?? 'string';
    out.push({ field, attribute: entry.attribute, type, ...(entry.values ? { values: entry.values } : {}) });
  }
  return out;
}

/**
 * Catalog name for a custom CRM field: `Region__c` → `region`, `Favourite Colour` → `favourite_colour`.
 * Names that would shadow a canonical attribute get a `crm_` prefix.
 */
export function attributeNameForField(field: string): string {
  let name = field
    .replace(/__c$/i, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!/^[a-z]/.test(name)) name = `crm_${name}`;
  if (CANONICAL_CATALOG.has(name)) name = `crm_${name}`;
  return name.slice(0, 63);
}

/** Reads `a.b.c` from nested records (Salesforce relationship fields such as Account.Industry). */
export function readField(record: Readonly<Record<string, unknown>>, field: string): unknown {
  // Own properties only: a field named like an Object.prototype member is absent unless really sent.
  if (Object.hasOwn(record, field)) return record[field];
  let value: unknown = record;
  for (const part of field.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/**
 * A CRM value in the loose form the rule language reads: numbers as numbers, booleans as booleans,
 * dates as ISO strings, multi-selects as string arrays, enum values translated. Empty → null.
 */
export function normaliseValue(raw: unknown, type: AttributeType, values?: Readonly<Record<string, string>>): unknown {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string' && raw.trim() === '') return null;
  switch (type) {
    case 'number': {
      if (typeof raw === 'number') return Number.isFinite(raw) ? raw : null;
      const s = String(raw).trim().replace(/,/g, '');
      // Ranges such as HubSpot's numemployees options ("25-50", "1000+") read as their lower bound.
      const range = /^(\d+(?:\.\d+)?)\s*(?:[-–]\s*\d+(?:\.\d+)?|\+)$/.exec(s);
      const n = range ? Number(range[1]) : Number(s);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(s)) return true;
      if (['false', '0', 'no', 'n'].includes(s)) return false;
      return null;
    }
    case 'date':
      return normaliseDate(raw);
    case 'string_list': {
      const list = Array.isArray(raw) ? raw.map(String) : String(raw).split(';');
      const cleaned = list.map((s) => s.trim()).filter((s) => s !== '');
      return cleaned.length ? cleaned.map((s) => ownValue(values, s) ?? s) : null;
    }
    case 'enum': {
      const s = String(raw).trim();
      return ownValue(values, s) ?? ownValue(values, s.toLowerCase()) ?? s;
    }
    default:
      return String(raw);
  }
}

function normaliseDate(raw: unknown): string | null {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? null : raw.toISOString();
  const s = String(raw).trim();
  // HubSpot sends epoch milliseconds for some date properties.
  const d = /^-?\d{10,}$/.test(s) ? new Date(Number(s)) : new Date(s);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** Applies a mapping to one CRM record. Unmapped fields are dropped: only catalog attributes are stored. */
export function mapRecord(record: Readonly<Record<string, unknown>>, mappings: readonly ResolvedFieldMapping[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of mappings) {
    const value = normaliseValue(readField(record, m.field), m.type, m.values);
    // Two fields may feed one attribute (Contact vs Lead names): the first non-empty wins.
    if (value !== null && !Object.hasOwn(out, m.attribute)) out[m.attribute] = value;
  }
  return out;
}

/** The catalog entries of a mapping's non-canonical attributes, typed from discovery. */
export function catalogAttributesOf(
  mappings: readonly ResolvedFieldMapping[],
  discovered: readonly DiscoveredProperty[],
  catalog: AttributeCatalog = CANONICAL_CATALOG,
): Array<{ name: string; type: AttributeType; enumValues?: string[]; label?: string }> {
  const byField = new Map(discovered.map((p) => [p.field, p]));
  const out = new Map<string, { name: string; type: AttributeType; enumValues?: string[]; label?: string }>();
  for (const m of mappings) {
    if (catalog.has(m.attribute) || out.has(m.attribute)) continue;
    const p = byField.get(m.field);
    let enumValues: string[] | undefined;
    if (m.type === 'enum') enumValues = p?.enumValues?.map((v) => ownValue(m.values, v) ?? v) ?? (m.values ? [...new Set(Object.values(m.values))] : []);
    out.set(m.attribute, { name: m.attribute, type: m.type, ...(enumValues ? { enumValues } : {}), ...(p?.label ? { label: p.label } : {}) });
  }
  return [...out.values()];
}

/** A CRM value's translation, if the map has one of its own (`constructor` is a value, not a key of every map). */
function ownValue(values: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  return values !== undefined && Object.hasOwn(values, key) ? values[key] : undefined;
}
