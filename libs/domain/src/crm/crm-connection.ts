import type { CrmPropertyTouchpoint } from '../events/crm-property-touchpoint';
import { AttributeType } from '../attributes/attribute';
import { CrmKind } from './crm-connector.port';

export interface HubSpotCredentials {
  kind: 'hubspot';
  /** Private-app token. */
  accessToken: string;
  /** The app's client secret: verifies webhook signatures (v3). */
  webhookClientSecret?: string;
}

export interface SalesforceCredentials {
  kind: 'salesforce';
  clientId: string;
  clientSecret: string;
  /** Username-password flow when set; client-credentials flow otherwise. */
  username?: string;
  /** Password with the security token appended, as Salesforce expects. */
  password?: string;
  /** Shared secret of the change-notification relay (X-Corridor-Webhook-Secret). */
  webhookSecret?: string;
}

export type CrmCredentials = HubSpotCredentials | SalesforceCredentials;

/** A field mapping entry: the catalog attribute a CRM field feeds, and how its values translate. */
export interface FieldMappingEntry {
  attribute: string;
  type?: AttributeType;
  /** CRM value → catalog value (enums such as lifecycle stages). */
  values?: Record<string, string>;
}

/** CRM field → attribute name or entry; null removes a default mapping. */
export type FieldMappingSettings = Record<string, string | FieldMappingEntry | null>;

export interface RateLimitSettings {
  /** HubSpot: requests per rolling 10 s (0 = unlimited). */
  burstPer10s?: number;
  /** HubSpot: search requests per second (0 = unlimited). */
  searchPerSecond?: number;
  /** Salesforce: share of the remaining daily API requests Corridor may use (0..1). */
  dailyShare?: number;
}

/**
 * The CRM fields write-back fills. HubSpot: contact property names (default `corridor_persona`,
 * `corridor_strategy`, created by Corridor when missing); Salesforce: field API names on Contact
 * and Lead (default `Corridor_Persona__c`, `Corridor_Strategy__c`; they must exist). `strategy: null`
 * writes no strategy.
 */
export interface WritebackFieldSettings {
  persona?: string;
  strategy?: string | null;
}

export interface WritebackSettings {
  enabled?: boolean;
  fields?: WritebackFieldSettings;
  /** HubSpot: persona key → hs_persona option value; absent = hs_persona untouched. */
  hsPersona?: Record<string, string>;
}

export interface CrmConnectionSettings {
  /** HubSpot API base (sandbox, proxies); default https://api.hubapi.com. */
  basePath?: string;
  /** Salesforce login host; default https://login.salesforce.com. */
  loginUrl?: string;
  /** Salesforce instance (client-credentials flow without an instance_url answer). */
  instanceUrl?: string;
  syncIntervalSeconds?: number;
  /** Stay this far behind "now" in HubSpot search (its index lags writes). */
  searchLagMs?: number;
  fieldMapping?: FieldMappingSettings;
  /** Map custom CRM properties (HubSpot non-default, Salesforce __c) to attributes automatically. */
  autoMapCustomProperties?: boolean;
  rateLimit?: RateLimitSettings;
  writeback?: WritebackSettings;
  /** CRM property changes that raise touchpoint events (events/crm-property-touchpoint.ts). */
  touchpoints?: CrmPropertyTouchpoint[];
}

export interface CrmConnection {
  id: string;
  kind: CrmKind;
  name: string;
  settings: CrmConnectionSettings;
  credentials: CrmCredentials;
}

export const DEFAULT_SYNC_INTERVAL_SECONDS = 300;
export const DEFAULT_SEARCH_LAG_MS = 15_000;
