import { ErrorDetail } from '../errors/domain-error';
import type { BehaviourDefinition } from '../behaviour/behaviour';
import { ATTRIBUTE_NAME_PATTERN, ATTRIBUTE_TYPES, AttributeDefinition, AttributeType } from './attribute';

/**
 * canonical: built in; custom: defined by an admin; crm: discovered from a connection's properties;
 * behaviour: defined by an admin, its values computed by Corridor from events and feedback.
 */
export type AttributeSource = 'canonical' | 'custom' | 'crm' | 'behaviour';

/** An attribute as the catalog stores it: its definition plus what people see. */
export interface CatalogEntry extends AttributeDefinition {
  source: AttributeSource;
  label: string | null;
  description: string | null;
  /** What a behavioural attribute measures (source `behaviour` only). */
  behaviour?: BehaviourDefinition;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewAttribute {
  name: string;
  type: AttributeType;
  enumValues?: readonly string[];
  label?: string | null;
  description?: string | null;
}

export interface AttributeChanges {
  label?: string | null;
  description?: string | null;
  enumValues?: readonly string[];
}

/** Names an import row uses for the customer's id: never attribute names. */
export const RESERVED_ATTRIBUTE_NAMES: readonly string[] = ['id', 'external_id', 'attributes'];

/**
 * Problems with a new attribute definition beyond field shapes: enum values are required,
 * non-empty and unique for `enum`, and meaningless (so refused) for every other type.
 */
export function attributeDefinitionProblems(input: NewAttribute): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!ATTRIBUTE_NAME_PATTERN.test(input.name)) {
    problems.push({ field: 'name', message: 'name must match ^[a-z][a-z0-9_]{0,62}$', code: 'INVALID_NAME' });
  } else if (RESERVED_ATTRIBUTE_NAMES.includes(input.name)) {
    problems.push({ field: 'name', message: `${input.name} is reserved for the customer id`, code: 'RESERVED_NAME' });
  }
  if (!ATTRIBUTE_TYPES.includes(input.type)) {
    problems.push({ field: 'type', message: `type must be one of ${ATTRIBUTE_TYPES.join(', ')}`, code: 'INVALID_TYPE' });
  }
  if (input.type === 'enum') {
    problems.push(...enumValueProblems(input.enumValues));
  } else if (input.enumValues !== undefined) {
    problems.push({ field: 'enumValues', message: 'enumValues are only allowed for type enum', code: 'ENUM_VALUES_NOT_ALLOWED' });
  }
  return problems;
}

/**
 * Problems with changing an existing attribute. Enum values may be added but never removed or
 * renamed (rules and stored customers may use them), and only admin-defined attributes change
 * their values: canonical ones are fixed and CRM-discovered ones follow the CRM.
 */
export function attributeChangeProblems(existing: CatalogEntry, changes: AttributeChanges): ErrorDetail[] {
  if (changes.enumValues === undefined) return [];
  if (existing.type !== 'enum') {
    return [{ field: 'enumValues', message: `${existing.name} is of type ${existing.type}, not enum`, code: 'ENUM_VALUES_NOT_ALLOWED' }];
  }
  if (existing.source !== 'custom') {
    return [{ field: 'enumValues', message: `${existing.name} is a ${existing.source} attribute: its values cannot be changed here`, code: 'ATTRIBUTE_READ_ONLY' }];
  }
  const problems = enumValueProblems(changes.enumValues);
  const kept = new Set(changes.enumValues);
  const removed = (existing.enumValues ?? []).filter((v) => !kept.has(v));
  if (removed.length) {
    problems.push({
      field: 'enumValues',
      message: `enum values can only be added; missing: ${removed.map((v) => JSON.stringify(v)).join(', ')}`,
      code: 'ENUM_VALUE_REMOVED',
    });
  }
  return problems;
}

function enumValueProblems(values: readonly string[] | undefined): ErrorDetail[] {
  if (values === undefined || values.length === 0) {
    return [{ field: 'enumValues', message: 'enumValues must list at least one value for type enum', code: 'ENUM_VALUES_REQUIRED' }];
  }
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (typeof v !== 'string' || v.trim() === '') {
      problems.push({ field: `enumValues[${i}]`, message: 'enum values must be non-empty strings', code: 'INVALID_ENUM_VALUE' });
    } else if (seen.has(v)) {
      problems.push({ field: `enumValues[${i}]`, message: `${JSON.stringify(v)} is listed twice`, code: 'DUPLICATE_ENUM_VALUE' });
    }
    seen.add(v);
  });
  return problems;
}
