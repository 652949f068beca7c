import { FieldMappingSettings } from '@corridor/domain';

export type SalesforceObject = 'Contact' | 'Lead';

/** Contact field → canonical attribute. Industry, revenue and size live on the Account. */
export const SALESFORCE_CONTACT_MAPPING: FieldMappingSettings = {
  Email: 'email',
  FirstName: 'first_name',
  LastName: 'last_name',
  Title: 'job_title',
  MailingCountry: 'country',
  MailingCity: 'city',
  HasOptedOutOfEmail: 'email_opt_out',
  'Account.Name': 'company',
  'Account.Industry': 'industry',
  'Account.AnnualRevenue': 'annual_revenue',
  'Account.NumberOfEmployees': 'employees',
  CreatedDate: 'created_at',
};

export const SALESFORCE_LEAD_MAPPING: FieldMappingSettings = {
  Email: 'email',
  FirstName: 'first_name',
  LastName: 'last_name',
  Title: 'job_title',
  Company: 'company',
  Status: 'lead_status',
  Industry: 'industry',
  AnnualRevenue: 'annual_revenue',
  NumberOfEmployees: 'employees',
  Country: 'country',
  City: 'city',
  HasOptedOutOfEmail: 'email_opt_out',
  CreatedDate: 'created_at',
};

export const SALESFORCE_PERSONA_FIELD = 'Corridor_Persona__c';
export const SALESFORCE_STRATEGY_FIELD = 'Corridor_Strategy__c';

/** Never read back as data: Corridor's own fields and the modification stamps a write-back bumps. */
export const SALESFORCE_RESERVED_FIELDS = new Set([
  SALESFORCE_PERSONA_FIELD,
  SALESFORCE_STRATEGY_FIELD,
  'SystemModstamp',
  'LastModifiedDate',
  'LastModifiedById',
  'LastViewedDate',
  'LastReferencedDate',
  'LastActivityDate',
]);

/**
 * A connection's `fieldMapping` for Salesforce: `Contact:Region__c` applies to Contacts only,
 * `Lead:Rating` to Leads only, an unqualified `Region__c` to both.
 */
export function overridesFor(object: SalesforceObject, mapping: FieldMappingSettings | undefined): FieldMappingSettings {
  const out: FieldMappingSettings = {};
  for (const [key, value] of Object.entries(mapping ?? {})) {
    const m = /^(Contact|Lead):(.+)$/.exec(key);
    if (!m) out[key] = value;
    else if (m[1] === object) out[m[2]] = value;
  }
  return out;
}
