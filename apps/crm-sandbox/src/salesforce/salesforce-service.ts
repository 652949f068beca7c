import { SalesforceEngagements } from './salesforce-engagements';
import type { SandboxClock } from '../core/clock';
import { FaultInjector } from '../core/fault-injector';
import { seedToInt } from '../core/prng';
import { RollingDayAllocation } from '../core/rate-limiter';
import { RequestStats } from '../core/request-stats';
import type { WebhookDelivery } from '../core/webhook-sender';
import type { SalesforceOptions } from '../sandbox-options';
import { SalesforceSessions } from './salesforce-auth';
import {
  AUTOMATION_USER_INDEX,
  INTEGRATION_USER_INDEX,
  SalesforceGenerator,
  type SfFields,
  type SfValue,
} from './salesforce-generator';
import { KEY_PREFIXES, isWellFormedId, makeId, parseId } from './salesforce-ids';
import { SCHEMAS, type SfObjectName, type WritableObject, schemaFor } from './salesforce-schema';
import { SalesforceObjectStore, SalesforceRecordError, type SfChange, type SfProvenance } from './salesforce-store';
import {
  type SalesforceChangeInput,
  type SalesforceChangeNotification,
  type SalesforceSendOptions,
  SalesforceWebhooks,
} from './salesforce-webhooks';
import { SoqlExecutor, formatValue } from './soql-executor';

export { SalesforceRecordError as SalesforceError };

/** A field problem found while reading a write request. */
export interface FieldIssue {
  /** request: the body cannot be deserialised (whole call fails); record: only this record fails. */
  level: 'request' | 'record';
  errorCode: string;
  message: string;
  fields: string[];
}

export interface SalesforceAdminRecord {
  object: WritableObject;
  id: string;
  exists: boolean;
  deleted: boolean;
  /** Field values as the REST API would return them. */
  fields: Record<string, unknown>;
  /** Values written through the API or admin: value, writer (user id) and time. */
  writes: Record<string, SfProvenance>;
}

export interface SalesforceAdminOptions {
  /** Who makes the change: a human user (default), automation (SystemModstamp only), or the integration user. */
  as?: 'user' | 'automation' | 'integration';
  at?: number | string;
}

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const API_VERSIONS = Array.from({ length: 36 }, (_, i) => `${31 + i}.0`);

export class SalesforceService {
  readonly generator: SalesforceGenerator;
  readonly stores: Record<WritableObject, SalesforceObjectStore>;
  readonly executor: SoqlExecutor;
  readonly sessions: SalesforceSessions;
  readonly allocation: RollingDayAllocation;
  readonly stats = new RequestStats();
  readonly faults: FaultInjector;
  readonly webhooks: SalesforceWebhooks;
  readonly orgId: string;
  readonly integrationUserId: string;
  readonly engagements: SalesforceEngagements;
  lastApiVersion = '59.0';
  /** Changes made through the REST API (the integration's writes), in order: tests count writes per record. */
  private readonly apiWrites: SfChange[] = [];

  constructor(
    public options: SalesforceOptions,
    sandboxSeed: string | number,
    readonly clock: SandboxClock,
  ) {
    const seed = seedToInt(options.seed ?? `${String(sandboxSeed)}:salesforce`);
    const startMs = Date.parse(options.dataStartTime);
    const endMs = Date.parse(options.dataEndTime);
    this.generator = new SalesforceGenerator({
      seed,
      contacts: options.contacts,
      leads: options.leads,
      accounts: options.accounts,
      startMs,
      endMs,
      username: options.username,
      blockSize: options.blockSize,
      bulkRate: options.bulkRate,
      burstRate: options.burstRate,
    });
    this.orgId = makeId(KEY_PREFIXES.Organization, seed % 1_000_000);
    this.integrationUserId = this.generator.userId(INTEGRATION_USER_INDEX);
    const generator = this.generator;
    this.stores = {
      Contact: new SalesforceObjectStore('Contact', KEY_PREFIXES.Contact, (i) => generator.contact(i), generator.contactTimeline, clock),
      Lead: new SalesforceObjectStore('Lead', KEY_PREFIXES.Lead, (i) => generator.lead(i), generator.leadTimeline, clock),
    };
    for (const store of Object.values(this.stores)) store.seedDeleted(options.preDeleted, endMs, generator.userId(1));
    this.executor = new SoqlExecutor({
      stores: this.stores,
      generator,
      clock,
      cursorTtlMs: () => this.options.queryCursorTtlMs,
      maxOpenCursors: () => this.options.maxOpenCursors,
      maxBatchSize: () => this.options.maxBatchSize,
      absentFields: () => this.absentFields(),
      tasks: () => this.engagements.tasks.values() as Iterable<SfFields>,
    });
    this.sessions = new SalesforceSessions(clock, this.orgId, () => this.options.sessionIdleTimeoutMs);
    this.allocation = new RollingDayAllocation(options.dailyApiLimit);
    this.faults = new FaultInjector({ ...options.faults }, seed ^ 0x5f);
    this.webhooks = new SalesforceWebhooks(options, clock, this.orgId, () => this.lastApiVersion);
    for (const store of Object.values(this.stores)) {
      store.onChange = (change) => {
        if (change.api) this.apiWrites.push(change);
        this.webhooks.onChange(change);
      };
    }
    this.engagements = new SalesforceEngagements(
      (id) => {
        for (const object of ['Contact', 'Lead'] as const) {
          const ref = this.stores[object].refOf(id);
          const record = ref === undefined ? undefined : this.stores[object].record(ref);
          if (ref !== undefined && record && record.IsDeleted !== true) return { id: this.stores[object].idOf(ref), object };
        }
        return undefined;
      },
      (id) => parseId(id)?.prefix === KEY_PREFIXES.User,
      () => clock.now(),
      () => this.absentFields(),
    );
  }

  /** `Object.Field` names this org does not have (options.absentFields). */
  absentFields(): ReadonlySet<string> {
    const list = this.options.absentFields ?? [];
    if (list !== this.absentList) {
      this.absentList = list;
      this.absentSet = new Set(list);
    }
    return this.absentSet;
  }

  private absentList: string[] = [];
  private absentSet: ReadonlySet<string> = new Set();

  reconfigure(options: SalesforceOptions): void {
    this.options = options;
    this.webhooks.options = options;
    this.allocation.max = options.dailyApiLimit;
    this.faults.configure(options.faults);
  }

  apiUsage(): { used: number; max: number } {
    return { used: this.allocation.used(Date.now()), max: this.options.dailyApiLimit };
  }

  storeFor(object: string): SalesforceObjectStore | undefined {
    const schema = schemaFor(object);
    return schema && (schema.name === 'Contact' || schema.name === 'Lead') ? this.stores[schema.name] : undefined;
  }

  /** Reads a record of any supported object (Account and User are generated, read-only). */
  readRecord(object: SfObjectName, id: string): SfFields | undefined {
    if (object === 'Contact' || object === 'Lead') {
      const store = this.stores[object];
      const ref = store.refOf(id);
      return ref === undefined ? undefined : store.record(ref);
    }
    if (object === 'User') return this.generator.userById(parseId(id)?.id18 ?? id);
    const parsed = parseId(id);
    if (!parsed || parsed.prefix !== KEY_PREFIXES.Account || parsed.serial >= this.generator.accountCount) return undefined;
    return this.generator.account(parsed.serial);
  }

  /**
   * Checks a write body against the object's fields. JSON-level problems (unknown field, wrong JSON
   * type) fail the whole request, as Salesforce fails to deserialise it; the rest fail the record.
   */
  checkFields(object: WritableObject, input: Record<string, unknown>, options: { admin?: boolean } = {}): { values: SfFields; issues: FieldIssue[] } {
    const schema = SCHEMAS[object];
    const values: SfFields = {};
    const issues: FieldIssue[] = [];
    const readOnly: string[] = [];
    for (const [key, raw] of Object.entries(input)) {
      if (key === 'attributes') continue;
      const field = schema.byLowerName.get(key.toLowerCase());
      if (!field || this.absentFields().has(`${object}.${field.name}`)) {
        issues.push({ level: 'request', errorCode: 'INVALID_FIELD', message: `No such column '${key}' on sobject of type ${object}`, fields: [] });
        continue;
      }
      if (field.name === 'Id') continue;
      if (!field.updateable && !options.admin) {
        readOnly.push(field.name);
        continue;
      }
      let value: SfValue;
      if (raw === null || raw === undefined) value = null;
      else if (field.type === 'boolean') {
        if (typeof raw === 'boolean') value = raw;
        else if (raw === 'true' || raw === 'false') value = raw === 'true';
        else {
          issues.push(jsonError(`Cannot deserialize instance of boolean from ${typeof raw} value ${String(raw)}`, field.name));
          continue;
        }
      } else if (field.type === 'double' || field.type === 'currency' || field.type === 'int') {
        const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
        if (!Number.isFinite(n) || (field.type === 'int' && !Number.isInteger(n))) {
          issues.push(jsonError(`Cannot deserialize instance of ${field.type === 'int' ? 'int' : 'double'} from VALUE_STRING value ${String(raw)} or request may be missing a required field`, field.name));
          continue;
        }
        value = n;
      } else if (typeof raw === 'object') {
        issues.push(jsonError(`Cannot deserialize instance of string from START_OBJECT value`, field.name));
        continue;
      } else {
        value = String(raw);
      }
      if (typeof value === 'string') {
        if (field.length > 0 && value.length > field.length) {
          issues.push({
            level: 'record',
            errorCode: 'STRING_TOO_LONG',
            message: `${field.label}: data value too large: ${value.slice(0, 40)} (max length=${field.length})`,
            fields: [field.name],
          });
          continue;
        }
        if (field.type === 'email' && value !== '' && !EMAIL_PATTERN.test(value)) {
          issues.push({ level: 'record', errorCode: 'INVALID_EMAIL_ADDRESS', message: `${field.label}: invalid email address: ${value}`, fields: [field.name] });
          continue;
        }
        if (field.type === 'reference' && value !== '') {
          const target = field.referenceTo[0] as SfObjectName;
          if (!isWellFormedId(value)) {
            issues.push({ level: 'record', errorCode: 'MALFORMED_ID', message: `${field.label}: id value of incorrect type: ${value}`, fields: [field.name] });
            continue;
          }
          if (!this.readRecord(target, value)) {
            issues.push({ level: 'record', errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: `${field.label}: id value of incorrect type: ${value}`, fields: [field.name] });
            continue;
          }
          value = parseId(value)?.id18 ?? value;
        }
        if (value === '') value = null;
      }
      if (value === null && !field.nillable && field.name === 'LastName') {
        issues.push({ level: 'record', errorCode: 'REQUIRED_FIELD_MISSING', message: `Required fields are missing: [${field.name}]`, fields: [field.name] });
        continue;
      }
      values[field.name] = value;
    }
    if (readOnly.length > 0) {
      issues.push({
        level: 'record',
        errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
        message: `Unable to create/update fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        fields: readOnly,
      });
    }
    return { values, issues };
  }

  /** Record-level checks before an update: existence, deletion, converted leads. */
  checkTarget(object: WritableObject, id: string): { ref?: number; issue?: FieldIssue & { status: number } } {
    const store = this.stores[object];
    const parsed = isWellFormedId(id) ? parseId(id) : undefined;
    if (!parsed || parsed.prefix !== SCHEMAS[object].keyPrefix) {
      return { issue: { level: 'record', status: 400, errorCode: 'MALFORMED_ID', message: `${object} ID: id value of incorrect type: ${id}`, fields: ['Id'] } };
    }
    const ref = store.refOf(id);
    const record = ref === undefined ? undefined : store.record(ref);
    if (ref === undefined || !record) {
      return { issue: { level: 'record', status: 404, errorCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] } };
    }
    if (record.IsDeleted) return { issue: { level: 'record', status: 404, errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] } };
    if (object === 'Lead' && record.IsConverted === true) {
      return { issue: { level: 'record', status: 400, errorCode: 'CANNOT_UPDATE_CONVERTED_LEAD', message: 'cannot reference converted lead', fields: [] } };
    }
    return { ref };
  }

  formatRecord(object: SfObjectName, fields: SfFields, version: string, only?: string[]): Record<string, unknown> {
    const schema = SCHEMAS[object];
    const out: Record<string, unknown> = {
      attributes: { type: object, url: `/services/data/${version}/sobjects/${object}/${String(fields.Id)}` },
    };
    const wanted = only?.map((name) => schema.byLowerName.get(name.toLowerCase())).filter((f) => f !== undefined);
    const absent = this.absentFields();
    for (const field of wanted ?? schema.fields) if (!absent.has(`${object}.${field.name}`)) out[field.name] = formatValue(field, fields[field.name] ?? null);
    return out;
  }

  // ---------------------------------------------------------------- admin operations

  adminRecord(object: WritableObject, id: string): SalesforceAdminRecord {
    const store = this.stores[object];
    const ref = store.refOf(id);
    const fields = ref === undefined ? undefined : store.record(ref);
    if (ref === undefined || !fields) return { object, id, exists: false, deleted: false, fields: {}, writes: {} };
    const formatted = this.formatRecord(object, fields, `v${this.lastApiVersion}`);
    delete formatted.attributes;
    return { object, id: store.idOf(ref), exists: true, deleted: fields.IsDeleted === true, fields: formatted, writes: store.provenanceOf(ref) };
  }

  adminCreate(object: WritableObject, fields: Record<string, unknown>, options: SalesforceAdminOptions = {}): SalesforceAdminRecord {
    const { values, issues } = this.checkFields(object, fields, { admin: true });
    if (issues.length > 0) throw new SalesforceRecordError(400, issues[0]?.errorCode ?? 'INVALID_FIELD', issues.map((i) => i.message).join('; '));
    if (values.LastName === undefined || values.LastName === null) {
      throw new SalesforceRecordError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', ['LastName']);
    }
    const defaults: SfFields =
      object === 'Lead'
        ? { Status: 'Open - Not Contacted', IsConverted: false, HasOptedOutOfEmail: false, Company: values.Company ?? '[not provided]' }
        : { HasOptedOutOfEmail: false };
    const id = this.stores[object].create({ ...defaults, ...values }, { userId: this.actor(options), api: false, at: this.at(options) });
    return this.adminRecord(object, id);
  }

  adminUpdate(object: WritableObject, id: string, fields: Record<string, unknown>, options: SalesforceAdminOptions = {}): SalesforceAdminRecord {
    const store = this.stores[object];
    const ref = this.requireRef(object, id);
    const { values, issues } = this.checkFields(object, fields, { admin: true });
    if (issues.length > 0) throw new SalesforceRecordError(400, issues[0]?.errorCode ?? 'INVALID_FIELD', issues.map((i) => i.message).join('; '));
    store.update(ref, values, { userId: this.actor(options), automation: options.as === 'automation', api: false, at: this.at(options) });
    return this.adminRecord(object, id);
  }

  adminDelete(object: WritableObject, id: string, options: SalesforceAdminOptions = {}): void {
    this.stores[object].delete(this.requireRef(object, id), { userId: this.actor(options), api: false, at: this.at(options) });
  }

  adminUndelete(object: WritableObject, id: string, options: SalesforceAdminOptions = {}): SalesforceAdminRecord {
    this.stores[object].undelete(this.requireRef(object, id), { userId: this.actor(options), api: false, at: this.at(options) });
    return this.adminRecord(object, id);
  }

  /**
   * Changes an Account as a user (or automation) would: its SystemModstamp (and LastModifiedDate
   * unless automation) moves; its Contacts' stamps do not, as in Salesforce, although their
   * `Account.*` values change.
   */
  adminUpdateAccount(id: string, fields: Record<string, unknown>, options: SalesforceAdminOptions = {}): Record<string, unknown> {
    const parsed = parseId(id);
    if (!parsed || parsed.prefix !== KEY_PREFIXES.Account || parsed.serial >= this.generator.accountCount) {
      throw new SalesforceRecordError(404, 'NOT_FOUND', `Account ${id} does not exist`);
    }
    const schema = SCHEMAS.Account;
    const changes: SfFields = {};
    for (const [key, value] of Object.entries(fields)) {
      const field = schema.byLowerName.get(key.toLowerCase());
      if (!field || !field.updateable) throw new SalesforceRecordError(400, 'INVALID_FIELD', `No such column '${key}' on sobject of type Account`);
      changes[field.name] = value === undefined ? null : (value as SfValue);
    }
    const at = Math.floor((this.at(options) ?? this.clock.now()) / 1000) * 1000;
    changes.SystemModstamp = at;
    if (options.as !== 'automation') changes.LastModifiedDate = at;
    const index = parsed.serial;
    this.generator.accountChanges.set(index, { ...(this.generator.accountChanges.get(index) ?? {}), ...changes });
    const formatted = this.formatRecord('Account', this.generator.account(index), `v${this.lastApiVersion}`);
    delete formatted.attributes;
    return formatted;
  }

  /**
   * Merges `loserId` into `masterId` (Contacts or Leads) as Salesforce does: the master keeps its
   * values and is updated (stamps move); the loser goes to the recycle bin with MasterRecordId.
   */
  adminMerge(object: WritableObject, masterId: string, loserId: string, options: SalesforceAdminOptions = {}): SalesforceAdminRecord {
    const store = this.stores[object];
    const masterRef = this.requireRef(object, masterId);
    const loserRef = this.requireRef(object, loserId);
    if (masterRef === loserRef) throw new SalesforceRecordError(400, 'INVALID_OPERATION', 'Cannot merge a record with itself');
    const userId = this.actor(options);
    const at = this.at(options);
    store.update(masterRef, {}, { userId, api: false, at });
    store.delete(loserRef, { userId, api: false, at, masterRecordId: store.idOf(masterRef) });
    return this.adminRecord(object, store.idOf(masterRef));
  }

  /** Hard delete: empties a deleted record out of the recycle bin; nothing is left to see. */
  adminPurge(object: WritableObject, id: string): void {
    this.stores[object].purge(this.requireRef(object, id));
  }

  /** Lead conversion: a new Contact from the lead's data; the lead becomes read-only. */
  adminConvertLead(leadId: string, options: SalesforceAdminOptions = {}): { leadId: string; contactId: string; accountId: string | null } {
    const leads = this.stores.Lead;
    const ref = this.requireRef('Lead', leadId);
    const lead = leads.record(ref) as SfFields;
    if (lead.IsDeleted) throw new SalesforceRecordError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    if (lead.IsConverted) throw new SalesforceRecordError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    const at = this.at(options);
    const userId = this.actor(options);
    const accountIndex = Number.parseInt(String(lead.Id).slice(-6), 36) % this.generator.accountCount;
    const accountId = this.generator.accountId(accountIndex);
    const contactId = this.stores.Contact.create(
      {
        FirstName: lead.FirstName ?? null,
        LastName: lead.LastName ?? 'Unknown',
        Email: lead.Email ?? null,
        Title: lead.Title ?? null,
        MailingCity: lead.City ?? null,
        MailingCountry: lead.Country ?? null,
        LeadSource: lead.LeadSource ?? null,
        HasOptedOutOfEmail: lead.HasOptedOutOfEmail ?? false,
        AccountId: accountId,
        Corridor_Persona__c: lead.Corridor_Persona__c ?? null,
        Corridor_Strategy__c: lead.Corridor_Strategy__c ?? null,
      },
      { userId, api: false, at },
    );
    leads.update(
      ref,
      {
        IsConverted: true,
        Status: 'Closed - Converted',
        ConvertedDate: new Date(at ?? this.clock.now()).toISOString().slice(0, 10),
        ConvertedContactId: contactId,
        ConvertedAccountId: accountId,
      },
      { userId, api: false, at },
    );
    return { leadId: leads.idOf(ref), contactId, accountId };
  }

  writeLog(): SfChange[] {
    return this.apiWrites.map((c) => ({ ...c, changedFields: [...c.changedFields] }));
  }

  idForIndex(object: WritableObject, index: number): string {
    return this.stores[object].idOf(index);
  }

  expireSessions(): number {
    return this.sessions.expireAll();
  }

  /** Spend part of the daily allocation at once (tests of REQUEST_LIMIT_EXCEEDED). */
  consumeApiRequests(count: number): void {
    this.allocation.consumeBulk(count, Date.now());
  }

  async sendChanges(
    changes?: (SalesforceChangeNotification | SalesforceChangeInput)[],
    options?: SalesforceSendOptions,
  ): Promise<WebhookDelivery[]> {
    if (!changes) return this.webhooks.flush();
    const out: WebhookDelivery[] = [];
    for (let i = 0; i < changes.length || i === 0; i += 100) out.push(await this.webhooks.send(changes.slice(i, i + 100), options));
    return out;
  }

  private requireRef(object: WritableObject, id: string): number {
    const ref = this.stores[object].refOf(id);
    if (ref === undefined) throw new SalesforceRecordError(404, 'NOT_FOUND', `${object} ${id} does not exist`);
    return ref;
  }

  private actor(options: SalesforceAdminOptions): string {
    if (options.as === 'automation') return this.generator.userId(AUTOMATION_USER_INDEX);
    if (options.as === 'integration') return this.integrationUserId;
    return this.generator.userId(1);
  }

  private at(options: SalesforceAdminOptions): number | undefined {
    if (options.at === undefined) return undefined;
    return typeof options.at === 'number' ? options.at : Date.parse(options.at);
  }
}

function jsonError(message: string, field: string): FieldIssue {
  return { level: 'request', errorCode: 'JSON_PARSER_ERROR', message: `${message} at [line:1, column:1] (field ${field})`, fields: [] };
}
