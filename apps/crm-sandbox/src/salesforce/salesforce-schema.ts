import { LEAD_SOURCES, SALESFORCE_INDUSTRIES } from '../core/vocabulary';
import { KEY_PREFIXES } from './salesforce-ids';

export type SfFieldType =
  | 'id'
  | 'string'
  | 'email'
  | 'phone'
  | 'textarea'
  | 'picklist'
  | 'boolean'
  | 'double'
  | 'currency'
  | 'int'
  | 'datetime'
  | 'date'
  | 'reference';

export interface SfField {
  name: string;
  label: string;
  type: SfFieldType;
  length: number;
  precision: number;
  scale: number;
  nillable: boolean;
  updateable: boolean;
  createable: boolean;
  custom: boolean;
  calculated: boolean;
  picklistValues: string[];
  referenceTo: string[];
  relationshipName: string | null;
}

export type SfObjectName = 'Contact' | 'Lead' | 'Account' | 'User' | 'Task';
export type WritableObject = 'Contact' | 'Lead';

export interface SfObjectSchema {
  name: SfObjectName;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: SfField[];
  /** Field lookup by lower-cased name: SOQL and JSON field names are case-insensitive. */
  byLowerName: Map<string, SfField>;
  /** Relationship name (lower-cased) to the reference field that carries it. */
  relationships: Map<string, SfField>;
}

type Spec = Partial<SfField> & Pick<SfField, 'name' | 'type'>;

function field(spec: Spec): SfField {
  const system = ['Id', 'IsDeleted', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById', 'SystemModstamp'];
  const readOnly = system.includes(spec.name) || spec.calculated === true;
  const lengths: Partial<Record<SfFieldType, number>> = { id: 18, reference: 18, string: 255, email: 80, phone: 40, textarea: 32000, picklist: 255 };
  return {
    label: spec.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    length: lengths[spec.type] ?? 0,
    precision: spec.type === 'double' || spec.type === 'currency' ? 18 : 0,
    scale: spec.type === 'currency' ? 2 : 0,
    nillable: !readOnly && spec.name !== 'LastName',
    updateable: !readOnly,
    createable: !readOnly,
    custom: spec.name.endsWith('__c'),
    calculated: false,
    picklistValues: [],
    referenceTo: [],
    relationshipName: null,
    ...spec,
  };
}

const AUDIT_FIELDS: Spec[] = [
  { name: 'IsDeleted', type: 'boolean', label: 'Deleted' },
  { name: 'CreatedDate', type: 'datetime', label: 'Created Date' },
  { name: 'CreatedById', type: 'reference', label: 'Created By ID', referenceTo: ['User'], relationshipName: 'CreatedBy' },
  { name: 'LastModifiedDate', type: 'datetime', label: 'Last Modified Date' },
  { name: 'LastModifiedById', type: 'reference', label: 'Last Modified By ID', referenceTo: ['User'], relationshipName: 'LastModifiedBy' },
  { name: 'SystemModstamp', type: 'datetime', label: 'System Modstamp' },
];

const CORRIDOR_FIELDS: Spec[] = [
  { name: 'Corridor_Persona__c', type: 'string', label: 'Corridor Persona' },
  { name: 'Corridor_Strategy__c', type: 'string', label: 'Corridor Strategy' },
];

export const LEAD_STATUSES = ['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'] as const;
export const LOYALTY_TIERS = ['Bronze', 'Silver', 'Gold', 'Platinum'] as const;

function schema(name: SfObjectName, labelPlural: string, specs: Spec[]): SfObjectSchema {
  const fields = specs.map(field);
  const byLowerName = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const relationships = new Map<string, SfField>();
  for (const f of fields) if (f.relationshipName) relationships.set(f.relationshipName.toLowerCase(), f);
  return { name, label: name, labelPlural, keyPrefix: KEY_PREFIXES[name], fields, byLowerName, relationships };
}

export const SCHEMAS: Record<SfObjectName, SfObjectSchema> = {
  Contact: schema('Contact', 'Contacts', [
    { name: 'Id', type: 'id', label: 'Contact ID' },
    AUDIT_FIELDS[0] as Spec,
    // Set on the loser of a merge (deleted, in the recycle bin): the record it was merged into.
    { name: 'MasterRecordId', type: 'reference', label: 'Master Record ID', referenceTo: ['Contact'], relationshipName: 'MasterRecord', calculated: true },
    { name: 'AccountId', type: 'reference', label: 'Account ID', referenceTo: ['Account'], relationshipName: 'Account' },
    { name: 'LastName', type: 'string', length: 80 },
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'Name', type: 'string', length: 121, label: 'Full Name', calculated: true },
    { name: 'Title', type: 'string', length: 128 },
    { name: 'MailingCity', type: 'string', length: 40 },
    { name: 'MailingCountry', type: 'string', length: 80 },
    { name: 'Email', type: 'email' },
    { name: 'LeadSource', type: 'picklist', picklistValues: [...LEAD_SOURCES] },
    { name: 'HasOptedOutOfEmail', type: 'boolean', nillable: false, label: 'Email Opt Out' },
    ...AUDIT_FIELDS.slice(1),
    ...CORRIDOR_FIELDS,
    { name: 'Loyalty_Tier__c', type: 'picklist', label: 'Loyalty Tier', picklistValues: [...LOYALTY_TIERS] },
    { name: 'NPS_Score__c', type: 'double', label: 'NPS Score', precision: 3 },
  ]),
  Lead: schema('Lead', 'Leads', [
    { name: 'Id', type: 'id', label: 'Lead ID' },
    AUDIT_FIELDS[0] as Spec,
    { name: 'MasterRecordId', type: 'reference', label: 'Master Record ID', referenceTo: ['Lead'], relationshipName: 'MasterRecord', calculated: true },
    { name: 'LastName', type: 'string', length: 80 },
    { name: 'FirstName', type: 'string', length: 40 },
    { name: 'Name', type: 'string', length: 121, label: 'Full Name', calculated: true },
    { name: 'Title', type: 'string', length: 128 },
    { name: 'Company', type: 'string', length: 255 },
    { name: 'City', type: 'string', length: 40 },
    { name: 'Country', type: 'string', length: 80 },
    { name: 'Email', type: 'email' },
    { name: 'LeadSource', type: 'picklist', picklistValues: [...LEAD_SOURCES] },
    { name: 'Status', type: 'picklist', nillable: false, picklistValues: [...LEAD_STATUSES] },
    { name: 'Industry', type: 'picklist', picklistValues: [...SALESFORCE_INDUSTRIES] },
    { name: 'AnnualRevenue', type: 'currency' },
    { name: 'NumberOfEmployees', type: 'int', label: 'Employees' },
    { name: 'HasOptedOutOfEmail', type: 'boolean', nillable: false, label: 'Email Opt Out' },
    { name: 'IsConverted', type: 'boolean', nillable: false, label: 'Converted', calculated: true },
    { name: 'ConvertedDate', type: 'date', label: 'Converted Date', calculated: true },
    {
      name: 'ConvertedContactId',
      type: 'reference',
      label: 'Converted Contact ID',
      referenceTo: ['Contact'],
      relationshipName: 'ConvertedContact',
      calculated: true,
    },
    {
      name: 'ConvertedAccountId',
      type: 'reference',
      label: 'Converted Account ID',
      referenceTo: ['Account'],
      relationshipName: 'ConvertedAccount',
      calculated: true,
    },
    ...AUDIT_FIELDS.slice(1),
    ...CORRIDOR_FIELDS,
    { name: 'Lead_Score__c', type: 'double', label: 'Lead Score', precision: 3 },
  ]),
  Account: schema('Account', 'Accounts', [
    { name: 'Id', type: 'id', label: 'Account ID' },
    AUDIT_FIELDS[0] as Spec,
    { name: 'Name', type: 'string', label: 'Account Name' },
    { name: 'Industry', type: 'picklist', picklistValues: [...SALESFORCE_INDUSTRIES] },
    { name: 'AnnualRevenue', type: 'currency' },
    { name: 'NumberOfEmployees', type: 'int', label: 'Employees' },
    { name: 'BillingCountry', type: 'string', length: 80 },
    ...AUDIT_FIELDS.slice(1).filter((f) => !f.name.endsWith('ById')),
  ]),
  User: schema('User', 'Users', [
    { name: 'Id', type: 'id', label: 'User ID' },
    { name: 'Name', type: 'string', calculated: true },
    { name: 'Username', type: 'string', length: 80 },
    { name: 'Email', type: 'email', length: 128 },
    { name: 'IsActive', type: 'boolean', nillable: false },
  ]),
  // As far as treatments use it; Corridor_Delivery_Id__c is the activity custom field Corridor stamps
  // (activities cannot have External ID fields, so a retry looks it up with SOQL).
  Task: schema('Task', 'Tasks', [
    { name: 'Id', type: 'id', label: 'Activity ID' },
    { name: 'Subject', type: 'string' },
    { name: 'Description', type: 'textarea' },
    { name: 'ActivityDate', type: 'date', label: 'Due Date Only' },
    { name: 'Priority', type: 'picklist', picklistValues: ['High', 'Normal', 'Low'] },
    { name: 'Status', type: 'picklist', picklistValues: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'] },
    { name: 'WhoId', type: 'reference', label: 'Name ID', referenceTo: ['Contact', 'Lead'] },
    { name: 'OwnerId', type: 'reference', label: 'Assigned To ID', referenceTo: ['User'] },
    { name: 'Corridor_Delivery_Id__c', type: 'string', length: 64 },
    { name: 'IsDeleted', type: 'boolean', label: 'Deleted' },
    { name: 'CreatedById', type: 'reference', referenceTo: ['User'] },
    { name: 'CreatedDate', type: 'datetime' },
  ]),
};

export function schemaFor(name: string): SfObjectSchema | undefined {
  const key = (Object.keys(SCHEMAS) as SfObjectName[]).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? SCHEMAS[key] : undefined;
}

const SOAP_TYPES: Record<SfFieldType, string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  boolean: 'xsd:boolean',
  double: 'xsd:double',
  currency: 'xsd:double',
  int: 'xsd:int',
  datetime: 'xsd:dateTime',
  date: 'xsd:date',
};

export function describeField(f: SfField): Record<string, unknown> {
  return {
    aggregatable: f.type !== 'textarea',
    autoNumber: false,
    byteLength: f.length * 3,
    calculated: f.calculated,
    caseSensitive: false,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.type === 'boolean' ? false : null,
    defaultedOnCreate: f.type === 'boolean' || ['Id', 'CreatedDate', 'SystemModstamp', 'LastModifiedDate'].includes(f.name),
    digits: f.type === 'int' ? 8 : 0,
    externalId: false,
    filterable: f.type !== 'textarea',
    groupable: !['double', 'currency', 'datetime', 'textarea'].includes(f.type),
    idLookup: f.type === 'id' || f.type === 'email',
    label: f.label,
    length: f.length,
    name: f.name,
    nameField: f.name === 'Name',
    nillable: f.nillable,
    picklistValues: f.picklistValues.map((value) => ({ active: true, defaultValue: false, label: value, validFor: null, value })),
    precision: f.precision,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    restrictedPicklist: false,
    scale: f.scale,
    soapType: SOAP_TYPES[f.type],
    sortable: f.type !== 'textarea',
    type: f.type,
    unique: false,
    updateable: f.updateable,
  };
}

export function describeObject(s: SfObjectSchema, version: string): Record<string, unknown> {
  const base = `/services/data/${version}/sobjects/${s.name}`;
  return {
    actionOverrides: [],
    activateable: false,
    childRelationships: [],
    compactLayoutable: true,
    createable: s.name !== 'User',
    custom: false,
    customSetting: false,
    deletable: s.name !== 'User',
    deprecatedAndHidden: false,
    feedEnabled: true,
    fields: s.fields.map(describeField),
    keyPrefix: s.keyPrefix,
    label: s.label,
    labelPlural: s.labelPlural,
    layoutable: true,
    mergeable: s.name !== 'User',
    name: s.name,
    queryable: true,
    recordTypeInfos: [],
    replicateable: true,
    retrieveable: true,
    searchable: true,
    triggerable: true,
    undeletable: s.name !== 'User',
    updateable: s.name !== 'User',
    urls: {
      rowTemplate: `${base}/{ID}`,
      describe: `${base}/describe`,
      sobject: base,
    },
  };
}

export function describeGlobalEntry(s: SfObjectSchema, version: string): Record<string, unknown> {
  const full = describeObject(s, version);
  delete full.fields;
  delete full.childRelationships;
  delete full.recordTypeInfos;
  delete full.actionOverrides;
  return full;
}
