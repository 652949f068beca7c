export type HubSpotPropertyType = 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool';

export interface HubSpotOption {
  label: string;
  value: string;
  displayOrder: number;
  hidden: boolean;
  description?: string;
}

export interface HubSpotPropertyDef {
  name: string;
  label: string;
  type: HubSpotPropertyType;
  fieldType: string;
  groupName: string;
  description: string;
  options: HubSpotOption[];
  readOnlyValue: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  hasUniqueValue: boolean;
  formField: boolean;
  hidden: boolean;
  displayOrder: number;
  createdAt: number;
  updatedAt: number;
}

/** Which fieldTypes HubSpot accepts for each type when a property is created. */
export const FIELD_TYPES_BY_TYPE: Record<HubSpotPropertyType, readonly string[]> = {
  string: ['text', 'textarea', 'phonenumber', 'html', 'file'],
  number: ['number', 'calculation_equation'],
  date: ['date'],
  datetime: ['date'],
  enumeration: ['select', 'radio', 'checkbox', 'booleancheckbox', 'calculation_equation'],
  bool: ['booleancheckbox'],
};

export const PROPERTY_NAME_PATTERN = /^[a-z][a-z0-9_]*$/;

export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
] as const;

export const LEAD_STATUSES = [
  'NEW',
  'OPEN',
  'IN_PROGRESS',
  'OPEN_DEAL',
  'UNQUALIFIED',
  'ATTEMPTED_TO_CONTACT',
  'CONNECTED',
  'BAD_TIMING',
] as const;

export const LOYALTY_TIERS = ['bronze', 'silver', 'gold', 'platinum'] as const;

export const NUMEMPLOYEES_RANGES = ['1-5', '5-25', '25-50', '50-100', '100-500', '500-1000', '1000+'] as const;

/** What `GET /objects/contacts` returns when no `properties` are asked for. */
export const DEFAULT_CONTACT_PROPERTIES = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];

const CATALOG_TIME = Date.parse('2023-06-01T00:00:00.000Z');

function options(values: readonly string[], labels?: readonly string[]): HubSpotOption[] {
  return values.map((value, i) => ({
    label: labels?.[i] ?? value.charAt(0).toUpperCase() + value.slice(1),
    value,
    displayOrder: i,
    hidden: false,
  }));
}

interface Spec {
  name: string;
  label: string;
  type: HubSpotPropertyType;
  fieldType?: string;
  group?: string;
  options?: HubSpotOption[];
  readOnly?: boolean;
  custom?: boolean;
  unique?: boolean;
  calculated?: boolean;
}

function def(spec: Spec, index: number): HubSpotPropertyDef {
  const defaultFieldType: Record<HubSpotPropertyType, string> = {
    string: 'text',
    number: 'number',
    date: 'date',
    datetime: 'date',
    enumeration: 'select',
    bool: 'booleancheckbox',
  };
  return {
    name: spec.name,
    label: spec.label,
    type: spec.type,
    fieldType: spec.fieldType ?? defaultFieldType[spec.type],
    groupName: spec.group ?? (spec.custom ? 'corridor_sandbox' : 'contactinformation'),
    description: '',
    options: spec.options ?? [],
    readOnlyValue: spec.readOnly ?? false,
    hubspotDefined: !spec.custom,
    calculated: spec.calculated ?? false,
    hasUniqueValue: spec.unique ?? false,
    formField: !spec.readOnly,
    hidden: false,
    displayOrder: spec.custom ? index : -1,
    createdAt: CATALOG_TIME,
    updatedAt: CATALOG_TIME,
  };
}

/** Properties every sandbox portal starts with (HubSpot-defined plus the portal's custom ones). */
export function defaultContactProperties(numemployeesFormat: 'number' | 'range'): HubSpotPropertyDef[] {
  const specs: Spec[] = [
    { name: 'email', label: 'Email', type: 'string', unique: true },
    { name: 'firstname', label: 'First Name', type: 'string' },
    { name: 'lastname', label: 'Last Name', type: 'string' },
    { name: 'company', label: 'Company Name', type: 'string' },
    { name: 'jobtitle', label: 'Job Title', type: 'string' },
    // The record's owner (HubSpot users as options); generated contacts have none, tests set one.
    {
      name: 'hubspot_owner_id',
      label: 'Contact owner',
      type: 'enumeration',
      fieldType: 'select',
      options: options(['71000001', '71000002', '71000003'], ['Ada Owner', 'Bo Owner', 'Cy Owner']),
    },
    {
      name: 'lifecyclestage',
      label: 'Lifecycle Stage',
      type: 'enumeration',
      fieldType: 'radio',
      options: options(LIFECYCLE_STAGES, [
        'Subscriber',
        'Lead',
        'Marketing Qualified Lead',
        'Sales Qualified Lead',
        'Opportunity',
        'Customer',
        'Evangelist',
        'Other',
      ]),
    },
    {
      name: 'hs_lead_status',
      label: 'Lead Status',
      type: 'enumeration',
      fieldType: 'radio',
      options: options(LEAD_STATUSES, [
        'New',
        'Open',
        'In Progress',
        'Open Deal',
        'Unqualified',
        'Attempted to Contact',
        'Connected',
        'Bad Timing',
      ]),
    },
    { name: 'country', label: 'Country/Region', type: 'string' },
    { name: 'city', label: 'City', type: 'string' },
    { name: 'industry', label: 'Industry', type: 'string' },
    { name: 'annualrevenue', label: 'Annual Revenue', type: 'string' },
    numemployeesFormat === 'range'
      ? { name: 'numemployees', label: 'Number of Employees', type: 'enumeration', options: options(NUMEMPLOYEES_RANGES) }
      : { name: 'numemployees', label: 'Number of Employees', type: 'number' },
    { name: 'createdate', label: 'Create Date', type: 'datetime' },
    { name: 'lastmodifieddate', label: 'Last Modified Date', type: 'datetime', readOnly: true },
    { name: 'hs_object_id', label: 'Record ID', type: 'number', readOnly: true, unique: true },
    {
      name: 'hs_persona',
      label: 'Persona',
      type: 'enumeration',
      fieldType: 'select',
      options: options(['persona_1', 'persona_2', 'persona_3'], ['Budget Buyer', 'Loyal Regular', 'Enterprise Champion']),
    },
    {
      name: 'hs_email_optout',
      label: 'Unsubscribed from all email',
      type: 'enumeration',
      fieldType: 'booleancheckbox',
      options: options(['true', 'false'], ['True', 'False']),
    },
    { name: 'hs_merged_object_ids', label: 'Merged Record IDs', type: 'enumeration', fieldType: 'checkbox', readOnly: true },
    { name: 'hs_additional_emails', label: 'Additional email addresses', type: 'enumeration', fieldType: 'checkbox', readOnly: true },
    { name: 'total_revenue', label: 'Total Revenue', type: 'number', custom: true },
    { name: 'num_orders', label: 'Number of Orders', type: 'number', custom: true },
    { name: 'last_purchase_date', label: 'Last Purchase Date', type: 'date', custom: true },
    { name: 'loyalty_tier', label: 'Loyalty Tier', type: 'enumeration', custom: true, options: options(LOYALTY_TIERS) },
    { name: 'nps_score', label: 'NPS Score', type: 'number', custom: true },
  ];
  return specs.map(def);
}

export type PropertyErrorCode =
  | 'PROPERTY_DOESNT_EXIST'
  | 'READ_ONLY_VALUE'
  | 'INVALID_OPTION'
  | 'INVALID_EMAIL'
  | 'INVALID_INTEGER'
  | 'INVALID_DATE'
  | 'INVALID_DATETIME';

export interface PropertyIssue {
  name: string;
  error: PropertyErrorCode;
  message: string;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks and normalises values a client writes: HubSpot stores everything as strings, so numbers
 * and booleans sent as JSON numbers/booleans are accepted and stringified; an empty string clears.
 */
export function normaliseWrite(
  catalog: ReadonlyMap<string, HubSpotPropertyDef>,
  input: Record<string, unknown>,
  options: { allowReadOnly?: boolean } = {},
): { values: Record<string, string | null>; issues: PropertyIssue[] } {
  const values: Record<string, string | null> = {};
  const issues: PropertyIssue[] = [];
  for (const [name, raw] of Object.entries(input)) {
    const prop = catalog.get(name);
    if (!prop) {
      issues.push({ name, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist` });
      continue;
    }
    if (prop.readOnlyValue && !options.allowReadOnly) {
      issues.push({ name, error: 'READ_ONLY_VALUE', message: `"${name}" is a read only property; its value cannot be set.` });
      continue;
    }
    if (raw === null || raw === undefined || raw === '') {
      values[name] = null;
      continue;
    }
    const text = typeof raw === 'string' ? raw : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : JSON.stringify(raw);
    const checked = checkValue(prop, text);
    if (typeof checked === 'string') values[name] = checked;
    else issues.push({ name, ...checked });
  }
  return { values, issues };
}

function checkValue(prop: HubSpotPropertyDef, text: string): string | { error: PropertyErrorCode; message: string } {
  switch (prop.type) {
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n)) {
        return { error: 'INVALID_INTEGER', message: `${text} was not a valid number.` };
      }
      return text.trim();
    }
    case 'enumeration': {
      if (prop.options.length === 0 && prop.readOnlyValue) return text;
      const allowed = new Set(prop.options.map((o) => o.value));
      const parts = prop.fieldType === 'checkbox' ? text.split(';') : [text];
      for (const part of parts) {
        if (!allowed.has(part)) {
          return {
            error: 'INVALID_OPTION',
            message: `${part} was not one of the allowed options: [${prop.options.map((o) => `label: "${o.label}"\nvalue: "${o.value}"`).join(', ')}]`,
          };
        }
      }
      return text;
    }
    case 'bool':
      if (text !== 'true' && text !== 'false') return { error: 'INVALID_OPTION', message: `${text} was not a valid boolean.` };
      return text;
    case 'date': {
      if (DATE_PATTERN.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text;
      const ms = Number(text);
      if (Number.isInteger(ms)) {
        if (ms % 86_400_000 !== 0) {
          return { error: 'INVALID_DATE', message: `${text} is at ${new Date(ms).toISOString()} which is not midnight!` };
        }
        return new Date(ms).toISOString().slice(0, 10);
      }
      return { error: 'INVALID_DATE', message: `${text} is not a valid date.` };
    }
    case 'datetime': {
      const ms = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isFinite(ms)) return { error: 'INVALID_DATETIME', message: `${text} is not a valid datetime.` };
      return new Date(ms).toISOString();
    }
    default:
      if (prop.name === 'email' && !EMAIL_PATTERN.test(text)) {
        return { error: 'INVALID_EMAIL', message: `Email address ${text} is invalid` };
      }
      return prop.name === 'email' ? text.trim().toLowerCase() : text;
  }
}

export function propertyToJson(prop: HubSpotPropertyDef): Record<string, unknown> {
  return {
    updatedAt: new Date(prop.updatedAt).toISOString(),
    createdAt: new Date(prop.createdAt).toISOString(),
    name: prop.name,
    label: prop.label,
    type: prop.type,
    fieldType: prop.fieldType,
    description: prop.description,
    groupName: prop.groupName,
    options: prop.options,
    displayOrder: prop.displayOrder,
    calculated: prop.calculated,
    externalOptions: false,
    hasUniqueValue: prop.hasUniqueValue,
    hidden: prop.hidden,
    hubspotDefined: prop.hubspotDefined,
    modificationMetadata: {
      archivable: !prop.hubspotDefined,
      readOnlyDefinition: prop.hubspotDefined,
      readOnlyValue: prop.readOnlyValue,
    },
    formField: prop.formField,
    dataSensitivity: 'non_sensitive',
  };
}
