export type AttributeType = 'string' | 'number' | 'boolean' | 'date' | 'enum' | 'string_list';

export const ATTRIBUTE_TYPES: readonly AttributeType[] = ['string', 'number', 'boolean', 'date', 'enum', 'string_list'];

export interface AttributeDefinition {
  /** `[a-z][a-z0-9_]{0,62}`; case-sensitive. */
  name: string;
  type: AttributeType;
  /** Allowed values, for `enum` only. */
  enumValues?: readonly string[];
}

/** Every attribute a rule may use, by name. */
export type AttributeCatalog = ReadonlyMap<string, AttributeDefinition>;

/** A customer's attributes as stored: loose values straight from a CRM or an import. */
export type Attributes = Readonly<Record<string, unknown>>;

export const ATTRIBUTE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketing_qualified_lead',
  'sales_qualified_lead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;

/** The canonical attributes of docs/rule-language.md; every customer may have them. */
export const CANONICAL_ATTRIBUTES: readonly AttributeDefinition[] = [
  ...['email', 'first_name', 'last_name', 'company', 'job_title', 'lead_status', 'country', 'city', 'industry'].map(
    (name) => ({ name, type: 'string' as const }),
  ),
  { name: 'lifecycle_stage', type: 'enum', enumValues: LIFECYCLE_STAGES },
  ...['annual_revenue', 'employees', 'total_revenue', 'orders_count'].map((name) => ({ name, type: 'number' as const })),
  ...['created_at', 'updated_at', 'last_purchase_at'].map((name) => ({ name, type: 'date' as const })),
  { name: 'tags', type: 'string_list' },
  { name: 'email_opt_out', type: 'boolean' },
];

export function catalogOf(definitions: Iterable<AttributeDefinition>): AttributeCatalog {
  const map = new Map<string, AttributeDefinition>();
  for (const d of definitions) map.set(d.name, d);
  return map;
}

export const CANONICAL_CATALOG: AttributeCatalog = catalogOf(CANONICAL_ATTRIBUTES);
