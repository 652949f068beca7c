import { AttributeType } from '../attributes/attribute';
import { CrmObject, IncomingCustomer } from '../customers/customer';

export type CrmKind = 'hubspot' | 'salesforce';
export type SyncMode = 'full' | 'incremental';

/** JSON the orchestration stores as a checkpoint; only the adapter that made it reads it. */
export type SyncPosition = { readonly [key: string]: unknown };

/** A CRM record merged into another: the merged ids become aliases of the survivor. */
export interface CrmMerge {
  survivorExternalId: string;
  mergedExternalIds: string[];
}

/** One page of a sync, already in domain form (attributes keyed by catalog names). */
export interface CrmPage {
  customers: IncomingCustomer[];
  deletedExternalIds: string[];
  merges: CrmMerge[];
  /** Where to continue once this page is committed; null when the sync is complete. */
  next: SyncPosition | null;
  /** On the last page: where the next incremental sync starts. */
  watermark?: string;
  /** Records the whole sync will read, when the CRM says (for a percentage). */
  totalHint?: number | null;
}

/** A CRM property found by discovery, typed for the attribute catalog. */
export interface DiscoveredProperty {
  crmObject: CrmObject;
  /** The CRM's own field name (stays in libs/crm and the mapping settings). */
  field: string;
  label: string;
  type: AttributeType;
  enumValues?: string[];
  custom: boolean;
}

/** A non-canonical attribute a connection feeds, for the attribute catalog. */
export interface MappedAttribute {
  name: string;
  type: AttributeType;
  enumValues?: string[];
  label?: string;
}

/** The CRM record a treatment lands on. */
export interface CrmTarget {
  externalId: string;
  crmObject: CrmObject;
}

/** A task for the record's owner (treatments). */
/** A created (or found) task. */
export interface CrmTaskResult {
  id: string;
  /**
   * Why the task could not be made exactly once (the CRM has no field to carry the idempotency key):
   * the task is made, but a retry after a lost answer may make a second one. Absent: exactly once.
   */
  notIdempotent?: { code: string; message: string };
}

export interface CrmTaskInput {
  subject: string;
  body?: string;
  /** ISO date-time the task is due. */
  dueAt: string;
  priority?: 'low' | 'medium' | 'high';
  /**
   * The delivery's idempotency id (its webhook id, the same on every attempt and replay), stamped on
   * the created task: a create whose answer was lost is found on the retry instead of made twice.
   */
  idempotencyKey?: string;
}

/** Persona write-back for one CRM record. */
export interface WritebackUpdate {
  externalId: string;
  crmObject: CrmObject;
  personaKey: string;
  personaName: string;
  strategySummary: string;
}

export type WritebackOutcome =
  | { externalId: string; status: 'written' }
  /** Nothing to do and never will be (record gone, converted Lead): skip it. */
  | { externalId: string; status: 'skipped'; code: string }
  | { externalId: string; status: 'failed'; code: string; message: string };

/** What write-back fills, by role: `persona`, `strategy`, and HubSpot's `hsPersona`. */
export type WritebackRole = 'persona' | 'strategy' | 'hsPersona';

/** A write-back target field that cannot be written: missing, read-only or of the wrong type. */
export interface WritebackFieldProblem {
  role: WritebackRole;
  /** The CRM field, qualified by object where the CRM has several (`Contact.Persona__c`). */
  crmField: string;
  code: 'CRM_WRITEBACK_FIELD_MISSING' | 'CRM_WRITEBACK_FIELD_READ_ONLY' | 'CRM_WRITEBACK_FIELD_TYPE';
  message: string;
}

export type ConnectionCheckStatus = 'ok' | 'failed' | 'warning';

/** Something a connector worked around but the user should know (stable code, plain message). */
export interface CrmWarning {
  code: string;
  message: string;
}

/** HubSpot refused Corridor's property group; its properties live in an existing group instead. */
export const CRM_WRITEBACK_GROUP_FALLBACK = 'CRM_WRITEBACK_GROUP_FALLBACK';

export interface ConnectionCheck {
  /** auth | read_scope | write_scope | writeback_fields | instance | task_key_field */
  check: string;
  status: ConnectionCheckStatus;
  code?: string;
  message: string;
}

export interface ConnectionTestResult {
  ok: boolean;
  checks: ConnectionCheck[];
}

/** Requests and throttling a connector saw; the orchestration adds them to a sync run. */
export interface RequestStats {
  requests: number;
  rateLimited: number;
  retries: number;
}

/**
 * One CRM behind one port. Adapters (libs/crm) speak the vendor API through its official client;
 * everything they hand back is in domain terms, so vendor field names stop in the adapter.
 */
export interface CrmConnector {
  readonly kind: CrmKind;
  /** Where a new sync starts: `previousWatermark` is null on a first (full) sync. */
  begin(mode: SyncMode, previousWatermark: string | null, now: Date): SyncPosition;
  /** The modification-time window a sync reads from its starting position: from (null: all) up to the cut-off. */
  syncWindow(start: SyncPosition): { from: Date | null; to: Date };
  readPage(position: SyncPosition): Promise<CrmPage>;
  /** Current state of some records (webhook-driven updates): a page with no `next`. */
  readByIds(externalIds: readonly string[]): Promise<CrmPage>;
  /** Reads the CRM's properties (types, options); also widens the mapping to custom ones. */
  discoverProperties(): Promise<DiscoveredProperty[]>;
  /** Non-canonical attributes the mapping feeds (after discovery): they join the catalog. */
  catalogAttributes(): MappedAttribute[];
  /**
   * Creates Corridor's own write-back fields when the CRM allows (HubSpot defaults); checks the
   * configured ones otherwise. Throws CRM_WRITEBACK_FIELD_MISSING when one cannot be written.
   */
  ensureWritebackFields(): Promise<void>;
  /** Problems the connector worked around since the last call (e.g. a fallback property group), to surface. */
  takeWarnings?(): CrmWarning[];
  /** Checks the configured write-back fields (describe / properties) without creating any. */
  checkWritebackFields(): Promise<WritebackFieldProblem[]>;
  /**
   * Writes in CRM batches of `writebackBatchSize`. It throws when one batch cannot be written, so a
   * caller that must know what earlier batches wrote hands it one batch at a time.
   */
  writeBack(updates: readonly WritebackUpdate[]): Promise<WritebackOutcome[]>;
  /** Records per CRM write request (HubSpot 100, Salesforce 200). */
  readonly writebackBatchSize?: number;
  /** The values `writeBack` would write for an update, by CRM field (compared with what the record carries). */
  writebackValues(update: WritebackUpdate): Record<string, string>;
  test(): Promise<ConnectionTestResult>;
  /**
   * Treatments. A task for the record's owner, associated with the record (HubSpot task with a
   * contact association, owner from `hubspot_owner_id`; Salesforce Task with WhoId and OwnerId).
   */
  createTask(target: CrmTarget, task: CrmTaskInput): Promise<CrmTaskResult>;
  /** Sets one property (HubSpot property / Salesforce field) on the record. */
  setProperty(target: CrmTarget, property: string, value: string): Promise<void>;
  /**
   * Adds the record to a HubSpot list or a Salesforce campaign (CampaignMember). Already a member
   * is success (`added: false`); a record the CRM does not know is CRM_NOT_FOUND.
   */
  addToList(target: CrmTarget, listId: string): Promise<{ added: boolean }>;
  /** Counters since the connector was built (or last reset). */
  takeStats(): RequestStats;
}
