import { DEFAULT_FAULTS, type FaultOptions } from './core/fault-injector';

export interface HubSpotRateLimitOptions {
  /** Requests per rolling window per token (app + account); 0 disables. HubSpot Free/Starter: 100 per 10 s. */
  burstMax: number;
  burstWindowMs: number;
  /** CRM search requests per second per token; 0 disables. */
  searchPerSecond: number;
  /** Requests per UTC day per token; 0 disables. */
  daily: number;
  /** Whether search requests also count against the burst window (they do in some tiers). */
  searchCountsTowardBurst: boolean;
  /** HubSpot does not always send Retry-After with a 429. */
  retryAfter: 'always' | 'never' | 'sometimes';
}

export interface HubSpotWebhookOptions {
  /** Where event batches are POSTed; unset: nothing is sent. */
  targetUrl?: string;
  /** The app's client secret, key of the v3 signature. */
  clientSecret: string;
  /** Queue events for admin mutations automatically and flush them in batches. */
  autoEmit: boolean;
  /** Also emit events for writes made through the public API (HubSpot does, with changeSource INTEGRATION). */
  emitForApiWrites: boolean;
  /** Delivery attempts per batch (HubSpot retries failures). */
  maxAttempts: number;
  retryDelayMs: number;
  /** Property names with a propertyChange subscription; '*' for all. */
  propertyChangeProperties: string[] | '*';
}

export interface HubSpotOptions {
  contacts: number;
  /** Seed of this portal's data; defaults to the sandbox seed. */
  seed?: string | number;
  /** Generated lastmodifieddate values spread over [dataStartTime, dataEndTime). */
  dataStartTime: string;
  dataEndTime: string;
  /** hs_object_id of generated record 0. */
  firstId: number;
  /** Records per timestamp-clustering block; defaults to an adaptive size. */
  blockSize?: number;
  /** Share of blocks imported in bulk (one identical timestamp for the whole block). */
  bulkRate?: number;
  /** Share of blocks updated in bursts (groups of equal timestamps). */
  burstRate?: number;
  /** Private-app tokens with the contacts scopes. */
  accessTokens: string[];
  /** Tokens that authenticate but lack the contacts scopes (403 MISSING_SCOPES). */
  noScopeTokens: string[];
  portalId: number;
  appId: number;
  rateLimits: HubSpotRateLimitOptions;
  /** How long a write takes to reach search results (list and GET see it at once). */
  searchLagMs: number;
  /** `limit` over 100 on the list endpoint: refuse with 400, or silently cap. */
  listLimitOverMax: 'reject' | 'cap';
  /** Contact numemployees: number-like string, or HubSpot's enumeration of ranges. */
  numemployeesFormat: 'number' | 'range';
  /** HubSpot does not promise batch results in input order. */
  batchResultOrder: 'input' | 'reversed' | 'shuffled';
  /** Whether a write that changes no value still moves lastmodifieddate. */
  bumpOnNoopWrite: boolean;
  /** Contacts archived at reset (spread over the data), so archived listing has content. */
  preArchived: number;
  /** Whether X-HubSpot-RateLimit-* headers are sent on search responses too. */
  rateLimitHeadersOnSearch: boolean;
  webhooks: HubSpotWebhookOptions;
  faults: FaultOptions;
}

export interface SalesforceWebhookOptions {
  targetUrl?: string;
  /** Sent as X-Corridor-Webhook-Secret. */
  secret: string;
  autoEmit: boolean;
  /** Change Data Capture reports every change, including the integration's own writes. */
  emitForApiWrites: boolean;
  maxAttempts: number;
  retryDelayMs: number;
}

export interface SalesforceOptions {
  contacts: number;
  leads: number;
  /** Accounts referenced by contacts; defaults to contacts / 8. */
  accounts?: number;
  seed?: string | number;
  dataStartTime: string;
  dataEndTime: string;
  blockSize?: number;
  bulkRate?: number;
  burstRate?: number;
  clientId: string;
  clientSecret: string;
  username: string;
  password: string;
  /** Appended to the password by clients logging in from untrusted networks; both forms are accepted. */
  securityToken: string;
  /** instance_url returned at login; defaults to the sandbox's own URL. */
  instanceUrl?: string;
  /** Sessions expire after this much inactivity (sandbox clock). Salesforce default: 2 hours. */
  sessionIdleTimeoutMs: number;
  /** Rolling 24-hour API request allocation of the org; 0 disables. */
  dailyApiLimit: number;
  /** Query cursors (nextRecordsUrl) expire after this much inactivity (sandbox clock). */
  queryCursorTtlMs: number;
  /** Open query cursors per user; opening more invalidates the oldest. */
  maxOpenCursors: number;
  /** Upper bound of a query batch (Salesforce: 2,000; Sforce-Query-Options can ask for less). */
  maxBatchSize: number;
  /** Unknown field in PATCH /composite/sobjects: fail the whole request (400) or only that record. */
  compositeUnknownFieldMode: 'request' | 'record';
  /** Contacts and leads deleted (recycle bin) at reset, for queryAll and getDeleted. */
  preDeleted: number;
  /**
   * Fields this org does not have (`Contact.Corridor_Persona__c`, …): an org whose admin never created
   * (or deleted) them. Describe omits them, SOQL naming them is `INVALID_FIELD`, writes to them fail
   * as unknown fields. Changed in place by `configure`.
   */
  absentFields?: string[];
  webhooks: SalesforceWebhookOptions;
  faults: FaultOptions;
}

export interface SandboxOptions {
  /** 0: a random free port. */
  port: number;
  host: string;
  seed: string | number;
  /** When set, /_sandbox/* requires `Authorization: Bearer <adminToken>` or `X-Sandbox-Admin-Token`. */
  adminToken?: string;
  /** Freeze the sandbox clock at this time at start (ISO or epoch ms); unset: real time. */
  clockStart?: string | number;
  hubspot: HubSpotOptions;
  salesforce: SalesforceOptions;
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

export type SandboxOptionsInput = DeepPartial<SandboxOptions>;

export const DEFAULT_HUBSPOT_TOKEN = 'sandbox-hubspot-token';
export const DEFAULT_HUBSPOT_NO_SCOPE_TOKEN = 'sandbox-hubspot-noscope-token';
export const DEFAULT_HUBSPOT_CLIENT_SECRET = 'sandbox-hubspot-client-secret';
export const DEFAULT_SALESFORCE_CLIENT_ID = 'sandbox-salesforce-client-id';
export const DEFAULT_SALESFORCE_CLIENT_SECRET = 'sandbox-salesforce-client-secret';
export const DEFAULT_SALESFORCE_USERNAME = 'integration@corridor.sandbox';
export const DEFAULT_SALESFORCE_PASSWORD = 'sandbox-password';
export const DEFAULT_SALESFORCE_SECURITY_TOKEN = 'sandboxSecurityToken';
export const DEFAULT_SALESFORCE_WEBHOOK_SECRET = 'sandbox-salesforce-webhook-secret';

export function defaultOptions(): SandboxOptions {
  return {
    port: 4010,
    host: '127.0.0.1',
    seed: 'corridor',
    hubspot: {
      contacts: 1000,
      dataStartTime: '2024-01-01T00:00:00.000Z',
      dataEndTime: '2026-06-30T00:00:00.000Z',
      firstId: 1001,
      accessTokens: [DEFAULT_HUBSPOT_TOKEN],
      noScopeTokens: [DEFAULT_HUBSPOT_NO_SCOPE_TOKEN],
      portalId: 20260001,
      appId: 3104001,
      rateLimits: {
        burstMax: 100,
        burstWindowMs: 10_000,
        searchPerSecond: 5,
        daily: 250_000,
        searchCountsTowardBurst: true,
        retryAfter: 'sometimes',
      },
      searchLagMs: 3000,
      listLimitOverMax: 'reject',
      numemployeesFormat: 'number',
      batchResultOrder: 'input',
      bumpOnNoopWrite: true,
      preArchived: 0,
      rateLimitHeadersOnSearch: true,
      webhooks: {
        clientSecret: DEFAULT_HUBSPOT_CLIENT_SECRET,
        autoEmit: false,
        emitForApiWrites: true,
        maxAttempts: 3,
        retryDelayMs: 1000,
        propertyChangeProperties: '*',
      },
      faults: { ...DEFAULT_FAULTS },
    },
    salesforce: {
      contacts: 1000,
      leads: 500,
      dataStartTime: '2024-01-01T00:00:00.000Z',
      dataEndTime: '2026-06-30T00:00:00.000Z',
      clientId: DEFAULT_SALESFORCE_CLIENT_ID,
      clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET,
      username: DEFAULT_SALESFORCE_USERNAME,
      password: DEFAULT_SALESFORCE_PASSWORD,
      securityToken: DEFAULT_SALESFORCE_SECURITY_TOKEN,
      sessionIdleTimeoutMs: 2 * 60 * 60 * 1000,
      dailyApiLimit: 100_000,
      queryCursorTtlMs: 15 * 60 * 1000,
      maxOpenCursors: 10,
      maxBatchSize: 2000,
      compositeUnknownFieldMode: 'request',
      preDeleted: 0,
      webhooks: {
        secret: DEFAULT_SALESFORCE_WEBHOOK_SECRET,
        autoEmit: false,
        emitForApiWrites: true,
        maxAttempts: 3,
        retryDelayMs: 1000,
      },
      // Salesforce refuses with 403 REQUEST_LIMIT_EXCEEDED and no Retry-After (see FaultOptions.stormStatus).
      faults: { ...DEFAULT_FAULTS, stormStatus: 403, stormRetryAfter: false },
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep merge where arrays and scalars replace, objects merge; undefined leaves the base alone. */
export function mergeDeep<T>(base: T, patch: unknown): T {
  if (!isPlainObject(patch) || !isPlainObject(base)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] = isPlainObject(value) && isPlainObject(out[key]) ? mergeDeep(out[key], value) : value;
  }
  return out as T;
}

export function resolveOptions(input: SandboxOptionsInput = {}, base: SandboxOptions = defaultOptions()): SandboxOptions {
  return mergeDeep(base, input);
}
