/**
 * Personas for the demo, written the way an admin would against the sandbox CRMs' data: loose
 * country spellings, HubSpot lifecycle stages and Salesforce lead statuses, relative dates.
 * In priority order; the fallback is built in.
 */
const EMEA = ['United Kingdom', 'UK', 'England', 'Great Britain', 'Germany', 'Deutschland', 'DE', 'France', 'Netherlands', 'Holland', 'NL', 'Spain', 'España', 'Ireland', 'IE', 'Sweden', 'SE'];
const APAC = ['India', 'IN', 'Australia', 'AU', 'Japan', 'JP', 'Singapore', 'SG'];

export const DEMO_PERSONAS = [
  {
    key: 'internal_test',
    name: 'Internal and test records',
    description: 'Our own test data: kept out of every journey.',
    rule: { any: [{ attribute: 'email', operator: 'ends_with', value: '@example.com' }, { attribute: 'company', operator: 'contains', value: 'test' }] },
  },
  {
    key: 'vip_recent_buyer',
    name: 'VIP recent buyer',
    description: 'High lifetime spend and bought this month: white-glove treatment.',
    rule: { all: [
      { attribute: 'total_revenue', operator: 'gte', value: 50000 },
      { attribute: 'last_purchase_at', operator: 'within_last_days', value: 30 },
      { not: { attribute: 'email_opt_out', operator: 'equals', value: true } },
    ] },
  },
  {
    key: 'enterprise_champion',
    name: 'Enterprise champion',
    description: 'Large accounts that are customers: protect and expand.',
    rule: { all: [
      { attribute: 'employees', operator: 'gte', value: 1000 },
      { attribute: 'lifecycle_stage', operator: 'in', value: ['customer', 'evangelist'] },
      { any: [{ attribute: 'annual_revenue', operator: 'gte', value: 50000000 }, { attribute: 'total_revenue', operator: 'gte', value: 20000 }] },
    ] },
  },
  {
    key: 'churn_risk',
    name: 'Churn risk',
    description: 'Customers who bought repeatedly, then stopped.',
    rule: { all: [
      { attribute: 'lifecycle_stage', operator: 'equals', value: 'customer' },
      { attribute: 'last_purchase_at', operator: 'more_than_days_ago', value: 180 },
      { attribute: 'orders_count', operator: 'gte', value: 3 },
    ] },
  },
  {
    key: 'hot_lead',
    name: 'Hot lead',
    description: 'Qualified mid-market leads in our best industries.',
    rule: { all: [
      { any: [
        { attribute: 'lifecycle_stage', operator: 'in', value: ['sales_qualified_lead', 'opportunity'] },
        { attribute: 'lead_status', operator: 'equals', value: 'Working - Contacted' },
      ] },
      { attribute: 'employees', operator: 'between', value: [50, 5000] },
      { any: [
        { attribute: 'industry', operator: 'in', value: ['Software', 'SaaS', 'Computer Software', 'Financial Services', 'Finance', 'Banking'] },
        { attribute: 'annual_revenue', operator: 'gte', value: 5000000 },
      ] },
    ] },
  },
  {
    key: 'emea_prospect',
    name: 'EMEA prospect',
    description: 'Leads in Europe: nurture in their language.',
    rule: { all: [
      { attribute: 'country', operator: 'in', value: EMEA },
      { any: [
        { attribute: 'lifecycle_stage', operator: 'in', value: ['subscriber', 'lead', 'marketing_qualified_lead'] },
        { attribute: 'lead_status', operator: 'starts_with', value: 'Open' },
      ] },
    ] },
  },
  {
    key: 'apac_account',
    name: 'APAC account',
    description: 'Asia-Pacific accounts handled by the Singapore team.',
    rule: { attribute: 'country', operator: 'in', value: APAC },
  },
  {
    key: 'new_this_quarter',
    name: 'New this quarter',
    description: 'Joined in the last 90 days: onboarding journey.',
    rule: { attribute: 'created_at', operator: 'within_last_days', value: 90 },
  },
];
