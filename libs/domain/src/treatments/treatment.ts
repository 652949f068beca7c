import type { Channel } from './journey';

/**
 * What Corridor does for a customer at a touchpoint. Templates are data, never code: a template
 * is JSON whose strings may hold `{{path}}` placeholders over the render context
 * (`customer.<attribute>`, `customer.id`, `customer.email`, `persona.key|name|description`,
 * `touchpoint.key|name`, `event.<property>`, `event.id`, `event.occurredAt`); nothing is evaluated.
 */
export type TreatmentType = 'webhook' | 'crm_task' | 'crm_property' | 'crm_list' | 'agent_script' | 'no_action';

export const TREATMENT_TYPES: readonly TreatmentType[] = ['webhook', 'crm_task', 'crm_property', 'crm_list', 'agent_script', 'no_action'];

/** A JSON value whose strings may hold `{{path}}` placeholders. */
export type JsonTemplate = string | number | boolean | null | JsonTemplate[] | { [key: string]: JsonTemplate };

export interface WebhookTreatmentConfig {
  destinationId: string;
  /** The body sent (after rendering); a default envelope is used when absent. */
  payloadTemplate?: JsonTemplate;
}

/** A task for the CRM record's owner (HubSpot task associated with the contact; Salesforce Task WhoId). */
export interface CrmTaskTreatmentConfig {
  subject: string;
  body?: string;
  /** Due this many days after the decision (0: today). */
  dueInDays: number;
  priority?: 'low' | 'medium' | 'high';
}

/** Sets a property on the CRM record (HubSpot property name / Salesforce field API name). */
export interface CrmPropertyTreatmentConfig {
  property: string;
  value: string;
}

/** Adds the record to a HubSpot static list (list id) or a Salesforce campaign (CampaignMember). */
export interface CrmListTreatmentConfig {
  listId: string;
}

/** Text an agent sees and reads out at this touchpoint; nothing is sent. */
export interface AgentScriptTreatmentConfig {
  script: string;
}

export type TreatmentConfig =
  | { type: 'webhook'; config: WebhookTreatmentConfig }
  | { type: 'crm_task'; config: CrmTaskTreatmentConfig }
  | { type: 'crm_property'; config: CrmPropertyTreatmentConfig }
  | { type: 'crm_list'; config: CrmListTreatmentConfig }
  | { type: 'agent_script'; config: AgentScriptTreatmentConfig }
  | { type: 'no_action'; config: Record<string, never> };

export type Treatment = TreatmentConfig & {
  key: string;
  name: string;
  description: string;
  /** The channel the treatment reaches the customer on (consent, caps and quiet hours apply per channel). */
  channel: Channel;
  /** Hours after delivery without engagement before a delivery counts as ignored (null/absent: the default, 72). */
  responseWindowHours?: number | null;
  /** Ignored deliveries in a row that pause the treatment for the customer (null/absent: 3). */
  ignoredInARow?: number | null;
  /** Days such a pause lasts (null/absent: 30). */
  pauseDays?: number | null;
};

/** Treatments that create a delivery (something leaves Corridor); agent scripts and "no action" do not. */
export function isDelivered(type: TreatmentType): boolean {
  return type === 'webhook' || type === 'crm_task' || type === 'crm_property' || type === 'crm_list';
}
