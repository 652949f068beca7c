import { type ClockState, SandboxClock } from './core/clock';
import type { FailRule } from './core/fault-injector';
import type { CrmStats } from './core/request-stats';
import type { WebhookDelivery } from './core/webhook-sender';
import { type HubSpotAdminOptions, type HubSpotAdminRecord, HubSpotService } from './hubspot/hubspot-service';
import type { WriteLogEntry } from './hubspot/hubspot-store';
import { type HubSpotEventInput, type HubSpotSendOptions, type HubSpotWebhookEvent, hubSpotSignatureV3 } from './hubspot/hubspot-webhooks';
import type { WritableObject } from './salesforce/salesforce-schema';
import type { SfChange } from './salesforce/salesforce-store';
import { type SalesforceAdminOptions, type SalesforceAdminRecord, SalesforceService } from './salesforce/salesforce-service';
import type { SalesforceChangeInput, SalesforceChangeNotification, SalesforceSendOptions } from './salesforce/salesforce-webhooks';
import { type SandboxOptions, type SandboxOptionsInput, mergeDeep, resolveOptions } from './sandbox-options';

export type CrmName = 'hubspot' | 'salesforce';

export interface SandboxStats {
  hubspot: CrmStats;
  salesforce: CrmStats;
}

/** Direct (in-process) HubSpot admin operations; the same as /_sandbox/hubspot/*. */
export interface HubSpotAdmin {
  /** Current values of a contact plus who wrote which property (e.g. "api:<token>" for Corridor). */
  getContact(id: string): HubSpotAdminRecord;
  createContact(properties: Record<string, unknown>, options?: HubSpotAdminOptions): HubSpotAdminRecord;
  updateContact(id: string, properties: Record<string, unknown>, options?: HubSpotAdminOptions): HubSpotAdminRecord;
  archiveContact(id: string, options?: HubSpotAdminOptions): void;
  restoreContact(id: string, options?: HubSpotAdminOptions): HubSpotAdminRecord;
  /** GDPR delete: gone from list, search, the archived list and GET; no archived record is left. */
  gdprDeleteContact(id: string, options?: HubSpotAdminOptions): void;
  /** Merge as HubSpot does since 2023: returns the new record (new id). */
  mergeContacts(primaryId: string, mergedId: string, options?: HubSpotAdminOptions): HubSpotAdminRecord;
  /** Update many contacts at one instant (a workflow or import): they share lastmodifieddate. */
  touchContacts(
    selection: { ids?: string[]; fromIndex?: number; toIndex?: number },
    properties?: Record<string, unknown>,
    options?: HubSpotAdminOptions,
  ): { count: number; at: string };
  /** hs_object_id of the i-th generated contact. */
  idForIndex(index: number): string;
  /** Every write through the API and admin, oldest first (bounded). */
  writeLog(): WriteLogEntry[];
  /** Sends a signed batch: the given events, or (without events) everything queued by autoEmit. */
  sendWebhooks(events?: (HubSpotWebhookEvent | HubSpotEventInput)[], options?: HubSpotSendOptions): Promise<WebhookDelivery[]>;
  /** Waits for automatically emitted events to be delivered. */
  flushWebhooks(): Promise<WebhookDelivery[]>;
  webhookDeliveries(): WebhookDelivery[];
  pendingWebhookEvents(): HubSpotWebhookEvent[];
  signatureV3(method: string, uri: string, body: string, timestamp: number, clientSecret?: string): string;
  resetRateLimits(): void;
  /** Creates a list (MANUAL by default) that treatments can add contacts to; returns its id. */
  createList(name: string, processingType?: 'MANUAL' | 'SNAPSHOT' | 'DYNAMIC'): { listId: string; name: string; processingType: string };
  /** Contact ids in a list (undefined: no such list). */
  listMembers(listId: string): string[] | undefined;
  /** Tasks created through the API, with the contacts they are associated with. */
  tasks(): Array<{ id: string; properties: Record<string, string | null>; contactIds: string[] }>;
  /** In-process only: awaited before every search is evaluated (another writer acting between a reader's pages); undefined removes it. */
  beforeSearch(hook: ((request: unknown) => void | Promise<void>) | undefined): void;
}

/** Direct (in-process) Salesforce admin operations; the same as /_sandbox/salesforce/*. */
export interface SalesforceAdmin {
  getRecord(object: WritableObject, id: string): SalesforceAdminRecord;
  createRecord(object: WritableObject, fields: Record<string, unknown>, options?: SalesforceAdminOptions): SalesforceAdminRecord;
  updateRecord(object: WritableObject, id: string, fields: Record<string, unknown>, options?: SalesforceAdminOptions): SalesforceAdminRecord;
  deleteRecord(object: WritableObject, id: string, options?: SalesforceAdminOptions): void;
  undeleteRecord(object: WritableObject, id: string, options?: SalesforceAdminOptions): SalesforceAdminRecord;
  convertLead(leadId: string, options?: SalesforceAdminOptions): { leadId: string; contactId: string; accountId: string | null };
  /** Changes an Account: its SystemModstamp moves, its Contacts' do not (their Account.* values change). */
  updateAccount(id: string, fields: Record<string, unknown>, options?: SalesforceAdminOptions): Record<string, unknown>;
  /** Merge: the master is updated, the loser goes to the recycle bin with MasterRecordId. */
  mergeRecords(object: WritableObject, masterId: string, loserId: string, options?: SalesforceAdminOptions): SalesforceAdminRecord;
  /** Empties a deleted record out of the recycle bin: no query, queryAll or getDeleted sees it any more. */
  purgeRecord(object: WritableObject, id: string): void;
  /** The i-th generated Account's id. */
  accountIdForIndex(index: number): string;
  idForIndex(object: WritableObject, index: number): string;
  /** Creates, updates, deletes made through the REST API (Corridor's writes), oldest first. */
  writeLog(): SfChange[];
  /** Invalidates every access token: the next call answers 401 INVALID_SESSION_ID. */
  expireSessions(): number;
  sessionCount(): number;
  apiUsage(): { used: number; max: number };
  consumeApiRequests(count: number): void;
  sendChangeNotifications(
    changes?: (SalesforceChangeNotification | SalesforceChangeInput)[],
    options?: SalesforceSendOptions,
  ): Promise<WebhookDelivery[]>;
  flushChangeNotifications(): Promise<WebhookDelivery[]>;
  webhookDeliveries(): WebhookDelivery[];
  openQueryCursors(): number;
  /** A campaign treatments can add Contacts and Leads to; returns its id. */
  createCampaign(name: string): string;
  /** Tasks created through the API (WhoId, OwnerId, Subject, ActivityDate, ...). */
  tasks(): Array<Record<string, unknown>>;
  /** CampaignMember records of a campaign. */
  campaignMembers(campaignId: string): Array<Record<string, unknown>>;
  readonly orgId: string;
  readonly integrationUserId: string;
}

/** Options whose change regenerates a CRM's data (the rest apply in place). */
const HUBSPOT_DATA_KEYS = ['contacts', 'seed', 'dataStartTime', 'dataEndTime', 'firstId', 'blockSize', 'bulkRate', 'burstRate', 'numemployeesFormat', 'preArchived'];
const SALESFORCE_DATA_KEYS = ['contacts', 'leads', 'accounts', 'seed', 'dataStartTime', 'dataEndTime', 'blockSize', 'bulkRate', 'burstRate', 'username', 'preDeleted'];

function changed(keys: string[], before: object, after: object): boolean {
  return keys.some((key) => JSON.stringify((before as Record<string, unknown>)[key]) !== JSON.stringify((after as Record<string, unknown>)[key]));
}

/** Owns the mutable state of a sandbox; reset swaps the CRM services. */
export class SandboxRuntime {
  readonly clock = new SandboxClock();
  options: SandboxOptions;
  hubspot: HubSpotService;
  salesforce: SalesforceService;
  onRebuild: (() => void) | undefined;

  constructor(
    input: SandboxOptionsInput,
    readonly serverUrl: () => string,
  ) {
    this.options = resolveOptions(input);
    if (this.options.clockStart !== undefined) this.clock.set(this.options.clockStart);
    this.hubspot = new HubSpotService(this.options.hubspot, this.options.seed, this.clock);
    this.salesforce = new SalesforceService(this.options.salesforce, this.options.seed, this.clock);
  }

  /** Fresh data from the (optionally changed) options; counters and faults start over too. */
  reset(input: SandboxOptionsInput = {}): SandboxOptions {
    const { port, host } = this.options;
    this.salesforce.executor.clear();
    this.options = { ...resolveOptions(input), port, host };
    if (this.options.clockStart !== undefined) this.clock.set(this.options.clockStart);
    this.hubspot = new HubSpotService(this.options.hubspot, this.options.seed, this.clock);
    this.salesforce = new SalesforceService(this.options.salesforce, this.options.seed, this.clock);
    this.onRebuild?.();
    return this.options;
  }

  /** Changes options in place; a CRM whose data options change is regenerated. */
  configure(patch: SandboxOptionsInput): SandboxOptions {
    const next = mergeDeep(this.options, patch);
    const seedChanged = JSON.stringify(next.seed) !== JSON.stringify(this.options.seed);
    if (seedChanged || changed(HUBSPOT_DATA_KEYS, this.options.hubspot, next.hubspot)) {
      this.hubspot = new HubSpotService(next.hubspot, next.seed, this.clock);
    } else {
      this.hubspot.reconfigure(next.hubspot);
    }
    if (seedChanged || changed(SALESFORCE_DATA_KEYS, this.options.salesforce, next.salesforce)) {
      this.salesforce.executor.clear();
      this.salesforce = new SalesforceService(next.salesforce, next.seed, this.clock);
    } else {
      this.salesforce.reconfigure(next.salesforce);
    }
    this.options = next;
    this.onRebuild?.();
    return next;
  }
}

/** The admin API as direct methods, for tests running the sandbox in-process. */
export class SandboxAdmin {
  readonly hubspot: HubSpotAdmin;
  readonly salesforce: SalesforceAdmin;

  constructor(private readonly runtime: SandboxRuntime) {
    const hs = (): HubSpotService => runtime.hubspot;
    const sf = (): SalesforceService => runtime.salesforce;
    this.hubspot = {
      getContact: (id) => hs().adminRecord(id),
      createContact: (properties, options) => hs().adminCreate(properties, options),
      updateContact: (id, properties, options) => hs().adminUpdate(id, properties, options),
      archiveContact: (id, options) => hs().adminArchive(id, options),
      restoreContact: (id, options) => hs().adminRestore(id, options),
      gdprDeleteContact: (id, options) => hs().adminGdprDelete(id, options),
      mergeContacts: (primaryId, mergedId, options) => hs().adminMerge(primaryId, mergedId, options),
      touchContacts: (selection, properties, options) => hs().adminTouch(selection, properties, options),
      idForIndex: (index) => hs().idForIndex(index),
      writeLog: () => hs().writeLog(),
      sendWebhooks: (events, options) => hs().sendWebhooks(events, options),
      flushWebhooks: () => hs().webhooks.flush(),
      webhookDeliveries: () => hs().webhooks.deliveryLog(),
      pendingWebhookEvents: () => hs().webhooks.pending(),
      signatureV3: (method, uri, body, timestamp, clientSecret) =>
        hubSpotSignatureV3(clientSecret ?? hs().options.webhooks.clientSecret, method, uri, body, timestamp),
      resetRateLimits: () => hs().resetLimits(),
      createList: (name, processingType) => {
        const list = hs().engagements.createList(name, processingType);
        return { listId: list.listId, name: list.name, processingType: list.processingType };
      },
      listMembers: (listId) => {
        const list = hs().engagements.lists.get(listId);
        return list ? [...list.members] : undefined;
      },
      tasks: () => [...hs().engagements.tasks.values()].map((t) => ({ id: t.id, properties: { ...t.properties }, contactIds: [...t.contactIds] })),
      beforeSearch: (hook) => {
        hs().beforeSearch = hook;
      },
    };
    this.salesforce = {
      getRecord: (object, id) => sf().adminRecord(object, id),
      createRecord: (object, fields, options) => sf().adminCreate(object, fields, options),
      updateRecord: (object, id, fields, options) => sf().adminUpdate(object, id, fields, options),
      deleteRecord: (object, id, options) => sf().adminDelete(object, id, options),
      undeleteRecord: (object, id, options) => sf().adminUndelete(object, id, options),
      convertLead: (leadId, options) => sf().adminConvertLead(leadId, options),
      updateAccount: (id, fields, options) => sf().adminUpdateAccount(id, fields, options),
      mergeRecords: (object, masterId, loserId, options) => sf().adminMerge(object, masterId, loserId, options),
      purgeRecord: (object, id) => sf().adminPurge(object, id),
      accountIdForIndex: (index) => sf().generator.accountId(index),
      idForIndex: (object, index) => sf().idForIndex(object, index),
      writeLog: () => sf().writeLog(),
      expireSessions: () => sf().expireSessions(),
      sessionCount: () => sf().sessions.count(),
      apiUsage: () => sf().apiUsage(),
      consumeApiRequests: (count) => sf().consumeApiRequests(count),
      sendChangeNotifications: (changes, options) => sf().sendChanges(changes, options),
      flushChangeNotifications: () => sf().webhooks.flush(),
      webhookDeliveries: () => sf().webhooks.deliveryLog(),
      openQueryCursors: () => sf().executor.openCursorCount(),
      createCampaign: (name) => sf().engagements.createCampaign(name),
      tasks: () => [...sf().engagements.tasks.values()].map((t) => ({ ...t })),
      campaignMembers: (campaignId) => [...sf().engagements.members.values()].filter((m) => m.CampaignId === campaignId).map((m) => ({ ...m })),
      get orgId() {
        return sf().orgId;
      },
      get integrationUserId() {
        return sf().integrationUserId;
      },
    };
  }

  /** Regenerates both CRMs from options (merged over the defaults, not over the current options). */
  reset(options?: SandboxOptionsInput): SandboxOptions {
    return this.runtime.reset(options);
  }

  /** Changes limits, faults, lag, webhooks, credentials... in place; data options regenerate that CRM. */
  configure(patch: SandboxOptionsInput): SandboxOptions {
    return this.runtime.configure(patch);
  }

  options(): SandboxOptions {
    return this.runtime.options;
  }

  now(): number {
    return this.runtime.clock.now();
  }

  /** Freezes the sandbox clock at `time` (default) or lets it run from there ({ frozen: false }). */
  setClock(time: number | string | Date, options?: { frozen?: boolean }): ClockState {
    this.runtime.clock.set(time, options);
    return this.runtime.clock.state();
  }

  advanceClock(ms: number): ClockState {
    this.runtime.clock.advance(ms);
    return this.runtime.clock.state();
  }

  useRealClock(): ClockState {
    this.runtime.clock.useRealTime();
    return this.runtime.clock.state();
  }

  clockState(): ClockState {
    return this.runtime.clock.state();
  }

  stats(): SandboxStats {
    return { hubspot: this.runtime.hubspot.stats.snapshot(), salesforce: this.runtime.salesforce.stats.snapshot() };
  }

  resetStats(): void {
    this.runtime.hubspot.stats.reset();
    this.runtime.salesforce.stats.reset();
  }

  /** Fails the next `count` (default 1) requests of a CRM whose path contains `path` (or matches /regex/). */
  failNext(crm: CrmName, rule: FailRule): void {
    this.runtime[crm].faults.failNext(rule);
  }

  clearFaults(crm?: CrmName): void {
    for (const name of crm ? [crm] : (['hubspot', 'salesforce'] as const)) {
      this.runtime[name].faults.clearRules();
      this.runtime.configure({ [name]: { faults: { errorRate: 0, dropRate: 0, latencyMs: 0, latencyJitterMs: 0, stormRate: 0 } } });
    }
  }
}
