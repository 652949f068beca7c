import { FieldMappingSettings } from '@corridor/domain';

/** HubSpot lifecycle stage internal values → the canonical enum. */
export const HUBSPOT_LIFECYCLE_VALUES: Record<string, string> = {
  subscriber: 'subscriber',
  lead: 'lead',
  marketingqualifiedlead: 'marketing_qualified_lead',
  salesqualifiedlead: 'sales_qualified_lead',
  opportunity: 'opportunity',
  customer: 'customer',
  evangelist: 'evangelist',
  other: 'other',
};

/** Contact property → canonical attribute; connections override or extend it (`fieldMapping`). */
export const HUBSPOT_DEFAULT_MAPPING: FieldMappingSettings = {
  email: 'email',
  firstname: 'first_name',
  lastname: 'last_name',
  company: 'company',
  jobtitle: 'job_title',
  hs_lead_status: 'lead_status',
  country: 'country',
  city: 'city',
  industry: 'industry',
  lifecyclestage: { attribute: 'lifecycle_stage', values: HUBSPOT_LIFECYCLE_VALUES },
  annualrevenue: 'annual_revenue',
  numemployees: 'employees',
  total_revenue: 'total_revenue',
  num_orders: 'orders_count',
  last_purchase_date: 'last_purchase_at',
  createdate: 'created_at',
  hs_email_optout: 'email_opt_out',
};

/** Properties Corridor writes: never read back as customer data (a write-back is not a change). */
export const HUBSPOT_PERSONA_PROPERTY = 'corridor_persona';
export const HUBSPOT_STRATEGY_PROPERTY = 'corridor_strategy';
export const HUBSPOT_PROPERTY_GROUP = 'corridor';
/** Every portal has it: where Corridor's properties go when its own group cannot be created. */
export const HUBSPOT_FALLBACK_PROPERTY_GROUP = 'contactinformation';

/** Bookkeeping properties the sync always reads (ids, modification time, merges). */
export const HUBSPOT_SYSTEM_PROPERTIES = ['hs_object_id', 'lastmodifieddate', 'hs_merged_object_ids'];
