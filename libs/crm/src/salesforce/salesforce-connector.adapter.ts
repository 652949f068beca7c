import { Connection } from 'jsforce';
import type { Transport } from 'jsforce/lib/transport';
import type { GuardedAgents } from '@corridor/destinations';
import {
  AttributeType,

  catalogAttributesOf,
  ConnectionCheck,
  ConnectionTestResult,
  CRM_ERROR,
  CrmConnectionSettings,
  CrmConnector,
  CrmError,
  CrmPage,
  CrmTarget,
  CrmTaskInput,
  CrmTaskResult,
  DiscoveredProperty,
  MappedAttribute,
  mapRecord,
  RequestStats,
  ResolvedFieldMapping,
  resolveFieldMapping,
  SalesforceCredentials,
  SyncMode,
  SyncPosition,
  WritebackFieldProblem,
  WritebackOutcome,
  WritebackRole,
  WritebackUpdate,
} from '@corridor/domain';
import { abortableAgents } from '../crm-call-attempt';
import { CrmCallRunner } from '../crm-call-runner';
import { RequestBudget } from '../rate-limit/request-budget';
import { WritebackTargets, writebackTargetsOf } from '../writeback-fields';
import { salesforceError } from './salesforce-errors';
import { SalesforceSessionCache } from './salesforce-session-cache';
import { SALESFORCE_TASK_KEY_FIELD, SalesforceTaskFieldCache, taskKeyFieldProblem, TaskKeyFieldProblem } from './salesforce-task-key-field';
import { GuardedSalesforceTransport } from './salesforce-transport';
import {
  overridesFor,
  SALESFORCE_CONTACT_MAPPING,
  SALESFORCE_LEAD_MAPPING,
  SALESFORCE_RESERVED_FIELDS,
  SalesforceObject,
} from './salesforce-field-defaults';

export const SALESFORCE_API_VERSION = '59.0';
export const SALESFORCE_COLLECTION = 200;
const OBJECTS: readonly SalesforceObject[] = ['Contact', 'Lead'];
/** Salesforce has no search lag, but a transaction may commit a moment after its SystemModstamp. */
const SALESFORCE_SAFETY_MS = 5_000;
/** A session rejected sooner than this after a login is not refreshed again (see connection()). */
const RELOGIN_MIN_INTERVAL_MS = 10_000;
export const SESSION_REJECTED = 'Salesforce rejected a fresh session (INVALID_SESSION_ID right after logging in)';

type SalesforcePosition = {
  /** query: Contacts then Leads by SystemModstamp; accounts: Contacts of changed Accounts; deleted: recycle bin. */
  phase: 'query' | 'accounts' | 'deleted';
  object: SalesforceObject;
  /** nextRecordsUrl of the open query; null: (re)issue the query. */
  locator: string | null;
  /** Lower bound (>=) of SystemModstamp; null on a full sync. */
  from: string | null;
  to: string;
  /** Lower bound (>=) of Accounts' SystemModstamp (incremental); its own checkpoint in the watermark. */
  accountsFrom?: string | null;
  /** Highest SystemModstamp already committed: where a re-issued query resumes if the cursor expired. */
  resumeFrom: string | null;
  watermark: string;
  limitsChecked?: boolean;
};

/**
 * The stored watermark: where Contacts/Leads and Accounts were read up to. An older plain ISO
 * watermark (before Accounts were tracked) is both.
 */
interface SalesforceWatermark {
  records: string;
  accounts: string;
}

export function parseSalesforceWatermark(text: string | null): SalesforceWatermark | null {
  if (!text) return null;
  if (text.startsWith('{')) {
    const parsed = JSON.parse(text) as Partial<SalesforceWatermark>;
    if (typeof parsed.records === 'string') return { records: parsed.records, accounts: typeof parsed.accounts === 'string' ? parsed.accounts : parsed.records };
  }
  return { records: text, accounts: text };
}

interface QueryResult {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Array<Record<string, unknown> & { Id: string }>;
}

export interface SalesforceConnectorOptions {
  credentials: SalesforceCredentials;
  /** With `sessions`: the session is reused across connectors (jobs) of this connection. */
  connectionId?: string;
  sessions?: SalesforceSessionCache;
  /** With `connectionId`: whether Task has the key field, kept per connection for a while (else described per connector). */
  taskFields?: SalesforceTaskFieldCache;
  settings: CrmConnectionSettings;
  budget: RequestBudget;
  maxAttempts?: number;
  /** Bound of one request, answer included (see CallRunnerOptions.callTimeoutMs). */
  callTimeoutMs?: number;
  /** Agents that refuse internal addresses CRM_ALLOWED_HOSTS does not admit, at connect time (login and instance URLs alike). */
  agents: GuardedAgents;
}

export { SALESFORCE_TASK_KEY_FIELD } from './salesforce-task-key-field';

/**
 * Salesforce Contacts and Leads through jsforce (API 59.0). Queries page with nextRecordsUrl
 * (queryMore) ourselves, so jsforce's 10,000-record maxFetch never applies; incremental sync reads
 * `SystemModstamp >= watermark` (second precision: the edge second is read twice and the content
 * hash makes the repeat a no-op). Converted Leads become aliases of their Contact; deletes come
 * from queryAll (IsDeleted). jsforce logs in again by itself on INVALID_SESSION_ID.
 */
export class SalesforceConnector implements CrmConnector {
  readonly kind = 'salesforce' as const;
  readonly writebackBatchSize = SALESFORCE_COLLECTION;
  private readonly runner: CrmCallRunner;
  private conn: Connection | null = null;
  private transport: GuardedSalesforceTransport | null = null;
  private mappings = new Map<SalesforceObject, ResolvedFieldMapping[]>();
  private fields = new Map<SalesforceObject, Set<string>>();
  private discovered: DiscoveredProperty[] | null = null;
  /** describe() results of this connector's life: discovery's serve the write-back field check too. */
  private described = new Map<SalesforceObject, DescribedField[]>();
  /** The fields write-back fills (settings.writeback.fields over Corridor_Persona__c / Corridor_Strategy__c). */
  private readonly targets: WritebackTargets;
  /** Never read back as data: the standard reserved fields and the write-back targets. */
  private readonly reserved: Set<string>;

  constructor(private readonly options: SalesforceConnectorOptions) {
    // A timed-out call aborts its requests (jsforce's too: they go through these agents).
    abortableAgents(options.agents);
    // The failed answer's status and headers (Retry-After) come from the transport.
    this.runner = new CrmCallRunner(options.budget, (e) => salesforceError(e, this.transport?.lastResponse ?? null), { maxAttempts: options.maxAttempts, callTimeoutMs: options.callTimeoutMs });
    this.targets = writebackTargetsOf('salesforce', options.settings);
    this.reserved = new Set([...SALESFORCE_RESERVED_FIELDS, ...Object.values(this.targets)]);
    for (const o of OBJECTS) this.mappings.set(o, this.resolve(o, []));
  }

  private resolve(object: SalesforceObject, discovered: DiscoveredProperty[]): ResolvedFieldMapping[] {
    const known = this.fields.get(object);
    return resolveFieldMapping({
      defaults: object === 'Contact' ? SALESFORCE_CONTACT_MAPPING : SALESFORCE_LEAD_MAPPING,
      overrides: overridesFor(object, this.options.settings.fieldMapping),
      discovered: discovered.filter((p) => p.crmObject === (object === 'Contact' ? 'contact' : 'lead')),
      autoMapCustom: this.options.settings.autoMapCustomProperties ?? true,
      reservedFields: this.reserved,
      // Only fields the org has: SOQL refuses an unknown field (relationship paths are trusted).
    }).filter((m) => !known || m.field.includes('.') || known.has(m.field));
  }

  fieldMappings(object: SalesforceObject): readonly ResolvedFieldMapping[] {
    return this.mappings.get(object) ?? [];
  }

  private async connection(): Promise<Connection> {
    if (this.conn) return this.conn;
    const { credentials, settings, sessions, connectionId } = this.options;
    const loginUrl = (settings.loginUrl ?? 'https://login.salesforce.com').replace(/\/+$/, '');
    const oauth2 = { clientId: credentials.clientId, clientSecret: credentials.clientSecret, loginUrl };
    const cacheKey = sessions && connectionId ? sessions.keyOf(connectionId, credentials, loginUrl, settings.instanceUrl) : null;
    const remember = (c: Connection) => {
      if (sessions && cacheKey && c.accessToken && c.instanceUrl) sessions.set(cacheKey, { accessToken: c.accessToken, instanceUrl: c.instanceUrl });
    };
    const password = Boolean(credentials.username && credentials.password);
    // The OAuth2 grant itself, not conn.login(): login() installs jsforce's own re-login hook in
    // place of refreshFn below, which re-logs in on every INVALID_SESSION_ID without limit.
    const logIn = async (c: Connection) => {
      const res = (
        password
          ? await c.oauth2.authenticate(credentials.username!, credentials.password!)
          : await c.oauth2.requestToken({ grant_type: 'client_credentials' })
      ) as { access_token: string; instance_url?: string };
      c.accessToken = res.access_token;
      c.instanceUrl = res.instance_url ?? settings.instanceUrl ?? loginUrl;
      return res;
    };
    const cached = cacheKey ? sessions!.get(cacheKey) : undefined;
    // jsforce logs in again on every INVALID_SESSION_ID, without limit: a session rejected right
    // after a fresh login (revoked app, IP restriction) would log in forever. Once is enough.
    let loggedInAt = cached ? 0 : Date.now();
    const conn = new Connection({
      loginUrl,
      version: SALESFORCE_API_VERSION,
      oauth2,
      instanceUrl: cached?.instanceUrl ?? settings.instanceUrl ?? loginUrl,
      ...(cached ? { accessToken: cached.accessToken } : {}),
      // Called by jsforce on INVALID_SESSION_ID: log in again (once), then it retries the request.
      refreshFn: (c, callback) => {
        if (Date.now() - loggedInAt < RELOGIN_MIN_INTERVAL_MS) {
          if (sessions && cacheKey) sessions.delete(cacheKey);
          return callback(new Error(SESSION_REJECTED));
        }
        loggedInAt = Date.now();
        logIn(c as Connection).then(
          (res) => callback(undefined, res.access_token, res as never),
          (err: Error) => callback(err),
        );
      },
    });
    // Every request, the OAuth2 grant included, goes through the guarded agents.
    const transport = new GuardedSalesforceTransport(this.options.agents);
    this.transport = transport;
    (conn as unknown as { _transport: Transport })._transport = transport;
    (conn.oauth2 as unknown as { _transport: Transport })._transport = transport;
    // A new token (after an expiry) replaces the cached one for the next jobs.
    conn.on('refresh', () => remember(conn));
    if (!cached) {
      await this.runner.run(['burst'], () => logIn(conn));
      remember(conn);
    }
    this.conn = conn;
    return this.conn;
  }

  private async get<T>(url: string, headers?: Record<string, string>): Promise<T> {
    const conn = await this.connection();
    return this.runner.run(['burst'], () => conn.request<T>({ method: 'GET', url, headers }) as Promise<T>);
  }

  syncWindow(start: SyncPosition): { from: Date | null; to: Date } {
    const pos = start as unknown as SalesforcePosition;
    return { from: pos.from ? new Date(pos.from) : null, to: new Date(pos.to) };
  }

  begin(mode: SyncMode, previousWatermark: string | null, now: Date): SyncPosition {
    const to = soqlDate(new Date(now.getTime() - SALESFORCE_SAFETY_MS));
    const previous = mode === 'full' ? null : parseSalesforceWatermark(previousWatermark);
    const position: SalesforcePosition = {
      phase: 'query',
      object: 'Contact',
      locator: null,
      from: previous?.records ?? null,
      // A full sync reads every live record, however recently changed: what it does not see is swept.
      to,
      accountsFrom: previous?.accounts ?? null,
      resumeFrom: null,
      watermark: JSON.stringify({ records: to, accounts: to } satisfies SalesforceWatermark),
    };
    return position as unknown as SyncPosition;
  }

  async readPage(position: SyncPosition): Promise<CrmPage> {
    const pos = position as unknown as SalesforcePosition;
    if (!pos.limitsChecked) {
      await this.checkDailyBudget();
      pos.limitsChecked = true;
    }
    await this.ensureDiscovered();
    return pos.phase === 'deleted' ? this.readDeletedPage(pos) : this.readQueryPage(pos);
  }

  /** Stops a sync (transiently) before it eats the part of the org's daily allocation others need. */
  private async checkDailyBudget(): Promise<void> {
    const share = this.options.settings.rateLimit?.dailyShare ?? 0.5;
    const limits = await this.get<{ DailyApiRequests?: { Max: number; Remaining: number } }>('/limits');
    const daily = limits.DailyApiRequests;
    if (daily && daily.Max > 0 && daily.Remaining < daily.Max * (1 - share)) {
      throw new CrmError(CRM_ERROR.rateLimited, `Salesforce daily API budget reserved for others (${daily.Remaining} of ${daily.Max} left)`, 60 * 60 * 1000);
    }
  }

  private async ensureDiscovered(): Promise<void> {
    if (!this.discovered) await this.discoverProperties();
  }

  private selectFields(object: SalesforceObject): string {
    const mapped = this.fieldMappings(object).map((m) => m.field);
    const extra = object === 'Lead' ? ['IsConverted', 'ConvertedContactId'] : [];
    return [...new Set(['Id', 'SystemModstamp', ...extra, ...mapped, ...this.writebackFieldsOn(object)])].join(', ');
  }

  private soql(object: SalesforceObject, from: string | null, to: string | null): string {
    const where = windowOf('SystemModstamp', from, to);
    return `SELECT ${this.selectFields(object)} FROM ${object}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY SystemModstamp ASC, Id ASC`;
  }

  /**
   * Contacts whose Account changed in the window: their `Account.*` attributes changed although
   * their own SystemModstamp did not (Salesforce does not touch Contacts when an Account changes).
   */
  private accountsSoql(from: string, to: string): string {
    return `SELECT ${this.selectFields('Contact')} FROM Contact WHERE ${windowOf('Account.SystemModstamp', from, to).join(' AND ')} ORDER BY Id ASC`;
  }

  /** A full sync's upper bound is only for the watermark: every live record is read. */
  private upperBound(pos: SalesforcePosition): string | null {
    return pos.from === null ? null : pos.to;
  }

  private query(soql: string): Promise<QueryResult> {
    return this.get<QueryResult>(`/query?q=${encodeURIComponent(soql)}`, { 'Sforce-Query-Options': 'batchSize=2000' });
  }

  private async count(soql: string): Promise<number> {
    return (await this.get<QueryResult>(`/query?q=${encodeURIComponent(soql)}`)).totalSize;
  }

  /**
   * What the whole sync will read as customers: Contacts and unconverted Leads in the window (a
   * converted Lead becomes an alias, not a record), and Contacts of changed Accounts.
   */
  private async totalOf(pos: SalesforcePosition): Promise<number> {
    const where = windowOf('SystemModstamp', pos.from, this.upperBound(pos));
    const and = (extra: string[]) => [...where, ...extra];
    const clause = (parts: string[]) => (parts.length ? ` WHERE ${parts.join(' AND ')}` : '');
    let total = await this.count(`SELECT COUNT() FROM Contact${clause(where)}`);
    total += await this.count(`SELECT COUNT() FROM Lead${clause(and(['IsConverted = false']))}`);
    const accountsFrom = this.accountsFrom(pos);
    if (accountsFrom) total += await this.count(`SELECT COUNT() FROM Contact WHERE ${windowOf('Account.SystemModstamp', accountsFrom, pos.to).join(' AND ')}`);
    return total;
  }

  /** Incremental syncs re-read the Contacts of Accounts changed since the Accounts' checkpoint. */
  private accountsFrom(pos: SalesforcePosition): string | null {
    if (pos.from === null) return null;
    return pos.accountsFrom ?? pos.from;
  }

  private async readQueryPage(pos: SalesforcePosition): Promise<CrmPage> {
    let res: QueryResult;
    let first = false;
    const issue = () =>
      pos.phase === 'accounts'
        ? this.query(this.accountsSoql(this.accountsFrom(pos)!, pos.to))
        : this.query(this.soql(pos.object, pos.resumeFrom ?? pos.from, this.upperBound(pos)));
    try {
      if (pos.locator) res = await this.get<QueryResult>(pos.locator);
      else {
        first = true;
        res = await issue();
      }
    } catch (e) {
      // Query cursors expire: re-issue the query from the last committed SystemModstamp (the
      // Accounts phase from its start: a repeat is a no-op by content hash).
      if ((e as CrmError).code !== CRM_ERROR.cursorExpired || !pos.locator) throw e;
      first = true;
      res = await issue();
    }
    const page = this.toPage(pos.object, res.records);
    const last = res.records[res.records.length - 1];
    const resumeFrom = pos.phase === 'query' && last ? soqlDate(new Date(String(last.SystemModstamp))) : pos.resumeFrom;
    if (!res.done && res.nextRecordsUrl) {
      page.next = { ...pos, locator: res.nextRecordsUrl, resumeFrom } as unknown as SyncPosition;
    } else if (pos.phase === 'query' && pos.object === 'Contact') {
      page.next = { ...pos, object: 'Lead', locator: null, resumeFrom: null } as unknown as SyncPosition;
    } else if (pos.phase === 'query' && this.accountsFrom(pos)) {
      page.next = { ...pos, phase: 'accounts', object: 'Contact', locator: null, resumeFrom: null } as unknown as SyncPosition;
    } else {
      page.next = { ...pos, phase: 'deleted', object: 'Contact', locator: null, resumeFrom: null } as unknown as SyncPosition;
    }
    if (first && pos.phase === 'query' && pos.object === 'Contact' && !pos.resumeFrom) page.totalHint = await this.totalOf(pos);
    return page;
  }

  /**
   * The recycle bin through queryAll. A merge's loser is deleted with MasterRecordId: it becomes an
   * alias of the master, not a deleted customer. (Records purged from the bin leave nothing here;
   * the full sync's sweep removes them.)
   */
  private async readDeletedPage(pos: SalesforcePosition): Promise<CrmPage> {
    const where = [`IsDeleted = true`, pos.from ? `SystemModstamp >= ${pos.from}` : null].filter(Boolean).join(' AND ');
    const res = pos.locator
      ? await this.get<QueryResult>(pos.locator)
      : await this.get<QueryResult>(`/queryAll?q=${encodeURIComponent(`SELECT Id, MasterRecordId FROM ${pos.object} WHERE ${where}`)}`);
    const page: CrmPage = { customers: [], merges: [], deletedExternalIds: [], next: null };
    for (const r of res.records) {
      if (typeof r.MasterRecordId === 'string' && r.MasterRecordId) page.merges.push({ survivorExternalId: r.MasterRecordId, mergedExternalIds: [r.Id] });
      else page.deletedExternalIds.push(r.Id);
    }
    if (!res.done && res.nextRecordsUrl) page.next = { ...pos, locator: res.nextRecordsUrl } as unknown as SyncPosition;
    else if (pos.object === 'Contact') page.next = { ...pos, object: 'Lead', locator: null } as unknown as SyncPosition;
    else page.watermark = pos.watermark;
    return page;
  }

  async readByIds(externalIds: readonly string[]): Promise<CrmPage> {
    await this.ensureDiscovered();
    const page: CrmPage = { customers: [], deletedExternalIds: [], merges: [], next: null };
    const byObject: Record<SalesforceObject, string[]> = { Contact: [], Lead: [] };
    for (const id of new Set(externalIds)) {
      if (!/^[a-zA-Z0-9]{15,18}$/.test(id)) continue;
      byObject[id.startsWith('00Q') ? 'Lead' : 'Contact'].push(id);
    }
    for (const object of OBJECTS) {
      for (let i = 0; i < byObject[object].length; i += SALESFORCE_COLLECTION) {
        const ids = byObject[object].slice(i, i + SALESFORCE_COLLECTION);
        const soql = this.soql(object, null, null).replace(' ORDER BY', ` WHERE Id IN (${ids.map((id) => `'${id}'`).join(', ')}) ORDER BY`);
        let res = await this.get<QueryResult>(`/query?q=${encodeURIComponent(soql)}`);
        const records = [...res.records];
        while (!res.done && res.nextRecordsUrl) {
          res = await this.get<QueryResult>(res.nextRecordsUrl);
          records.push(...res.records);
        }
        const part = this.toPage(object, records);
        page.customers.push(...part.customers);
        page.merges.push(...part.merges);
        const found = new Set(records.map((r) => r.Id.slice(0, 15)));
        page.deletedExternalIds.push(...ids.filter((id) => !found.has(id.slice(0, 15))));
      }
    }
    return page;
  }

  async discoverProperties(): Promise<DiscoveredProperty[]> {
    const conn = await this.connection();
    const discovered: DiscoveredProperty[] = [];
    for (const object of OBJECTS) {
      const d = await this.runner.run(['burst'], () => conn.describe(object));
      this.fields.set(object, new Set(d.fields.map((f) => f.name)));
      this.described.set(object, d.fields as DescribedField[]);
      for (const f of d.fields) {
        if (this.reserved.has(f.name)) continue;
        const { type, enumValues } = salesforceAttributeTypeOf(f.type, (f.picklistValues ?? []).filter((p) => p.active).map((p) => p.value));
        discovered.push({
          crmObject: object === 'Contact' ? 'contact' : 'lead',
          field: f.name,
          label: f.label,
          type,
          ...(enumValues ? { enumValues } : {}),
          custom: Boolean(f.custom),
        });
      }
    }
    this.discovered = discovered;
    for (const o of OBJECTS) this.mappings.set(o, this.resolve(o, discovered));
    return discovered;
  }

  catalogAttributes(): MappedAttribute[] {
    const discovered = this.discovered ?? [];
    const contact = catalogAttributesOf(this.fieldMappings('Contact'), discovered.filter((p) => p.crmObject === 'contact'));
    const lead = catalogAttributesOf(this.fieldMappings('Lead'), discovered.filter((p) => p.crmObject === 'lead'));
    const names = new Set(contact.map((a) => a.name));
    return [...contact, ...lead.filter((a) => !names.has(a.name))];
  }

  async ensureWritebackFields(): Promise<void> {
    const problems = await this.checkWritebackFields();
    if (problems.length) {
      throw new CrmError(CRM_ERROR.writebackFieldMissing, `${problems.map((p) => p.message).join('; ')}. Create them (Text, 255) or set settings.writeback.fields`);
    }
  }

  /** The write-back targets on Contact and Lead, checked against describe (discovery's, when it ran). */
  async checkWritebackFields(): Promise<WritebackFieldProblem[]> {
    const problems: WritebackFieldProblem[] = [];
    for (const object of OBJECTS) {
      let fields = this.described.get(object);
      if (!fields) {
        const conn = await this.connection();
        fields = (await this.runner.run(['burst'], () => conn.describe(object))).fields as DescribedField[];
        this.described.set(object, fields);
      }
      const byName = new Map(fields.map((f) => [f.name, f]));
      for (const [role, name] of Object.entries(this.targets) as Array<[WritebackRole, string]>) {
        const f = byName.get(name);
        const crmField = `${object}.${name}`;
        if (!f) problems.push({ role, crmField, code: 'CRM_WRITEBACK_FIELD_MISSING', message: `Salesforce field ${crmField} (${role}) does not exist` });
        else if (f.updateable === false) problems.push({ role, crmField, code: 'CRM_WRITEBACK_FIELD_READ_ONLY', message: `Salesforce field ${crmField} (${role}) is not writable` });
        else if (!['string', 'textarea', 'picklist'].includes(f.type)) {
          problems.push({ role, crmField, code: 'CRM_WRITEBACK_FIELD_TYPE', message: `Salesforce field ${crmField} (${role}) is of type ${f.type}; write-back needs a text field` });
        }
      }
    }
    return problems;
  }

  /** Write-back targets that exist on the object (SOQL refuses unknown fields): read for their current values. */
  private writebackFieldsOn(object: SalesforceObject): string[] {
    const known = this.fields.get(object);
    return known ? Object.values(this.targets).filter((f) => known.has(f)) : [];
  }

  writebackValues(u: WritebackUpdate): Record<string, string> {
    return { [this.targets.persona!]: u.personaName, ...(this.targets.strategy ? { [this.targets.strategy]: u.strategySummary } : {}) };
  }

  async writeBack(updates: readonly WritebackUpdate[]): Promise<WritebackOutcome[]> {
    const conn = await this.connection();
    const outcomes: WritebackOutcome[] = [];
    for (let i = 0; i < updates.length; i += SALESFORCE_COLLECTION) {
      const batch = updates.slice(i, i + SALESFORCE_COLLECTION);
      const body = {
        allOrNone: false,
        records: batch.map((u) => {
          const record: Record<string, unknown> = { attributes: { type: u.crmObject === 'lead' ? 'Lead' : 'Contact' }, id: u.externalId };
          Object.assign(record, this.writebackValues(u));
          return record;
        }),
      };
      const results = await this.runner.run(['burst'], () =>
        conn.request<Array<{ id?: string; success: boolean; errors: Array<{ statusCode: string; message: string }> }>>({
          method: 'PATCH',
          url: '/composite/sobjects',
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        }) as Promise<Array<{ id?: string; success: boolean; errors: Array<{ statusCode: string; message: string }> }>>,
      );
      // Results come back in request order.
      batch.forEach((u, idx) => {
        const r = results[idx];
        if (r?.success) return outcomes.push({ externalId: u.externalId, status: 'written' });
        const code = r?.errors?.[0]?.statusCode ?? 'UNKNOWN';
        if (['CANNOT_UPDATE_CONVERTED_LEAD', 'ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY', 'NOT_FOUND', 'INVALID_ID_FIELD'].includes(code)) {
          return outcomes.push({ externalId: u.externalId, status: 'skipped', code });
        }
        return outcomes.push({ externalId: u.externalId, status: 'failed', code, message: 'Salesforce refused the update' });
      });
    }
    return outcomes;
  }

  // ---------------------------------------------------------------- treatments

  private objectOf(target: CrmTarget): 'Contact' | 'Lead' {
    return target.crmObject === 'lead' ? 'Lead' : 'Contact';
  }

  async createTask(target: CrmTarget, task: CrmTaskInput): Promise<CrmTaskResult> {
    const conn = await this.connection();
    // The record's owner gets the task; an org whose records carry no OwnerId leaves it to
    // Salesforce (the creating user), as the API does.
    const record = await this.runner.run(['burst'], () => conn.sobject(this.objectOf(target)).retrieve(target.externalId) as Promise<Record<string, unknown>>);
    const owner = typeof record?.OwnerId === 'string' ? record.OwnerId : undefined;
    const key = task.idempotencyKey;
    // Describe says whether the org has the key field (an admin adds it): without it the task is
    // still made, unstamped, and says why it is not exactly once.
    let problem = key ? await this.taskKeyField() : null;
    if (key && !problem) {
      // A previous attempt whose answer was lost may have made it: SOQL reads the Task table directly.
      const stamped = await this.taskStamped(conn, key);
      if (stamped === 'unstamped') {
        // The field went since describe was asked (cached): ask again next time.
        this.options.taskFields?.forget(this.options.connectionId ?? '');
        this.taskKeyFieldState = null;
        problem = taskKeyFieldProblem([]);
      } else if (stamped !== null) return { id: stamped };
    }
    const priority = task.priority === 'high' ? 'High' : task.priority === 'low' ? 'Low' : 'Normal';
    // Never retried here once sent (see runOnce): the delivery's next attempt looks the key up first.
    const created = await this.runner.runOnce(['burst'], () =>
      conn.sobject('Task').create({
        Subject: task.subject,
        ...(task.body ? { Description: task.body } : {}),
        ActivityDate: task.dueAt.slice(0, 10),
        Priority: priority,
        Status: 'Not Started',
        WhoId: target.externalId,
        ...(owner ? { OwnerId: owner } : {}),
        ...(key && !problem ? { [SALESFORCE_TASK_KEY_FIELD]: key } : {}),
      }) as Promise<{ id?: string; success: boolean }>,
    );
    return { id: String(created.id), ...(key && problem ? { notIdempotent: problem } : {}) };
  }

  /** This connector's answer, when no per-connection cache was given (connection tests). */
  private taskKeyFieldState: Promise<TaskKeyFieldProblem> | null = null;

  /** Whether Task has a usable key field (null) or why not, from describe, cached per connection. */
  private taskKeyField(fresh = false): Promise<TaskKeyFieldProblem> {
    const describe = async (): Promise<TaskKeyFieldProblem> => {
      const conn = await this.connection();
      const d = await this.runner.run(['burst'], () => conn.sobject('Task').describe());
      return taskKeyFieldProblem(d.fields as Array<{ name: string; type: string; createable?: boolean; filterable?: boolean }>);
    };
    const { taskFields, connectionId } = this.options;
    if (fresh) return describe();
    if (taskFields && connectionId) return taskFields.get(connectionId, describe);
    this.taskKeyFieldState ??= describe().catch((e) => {
      this.taskKeyFieldState = null;
      throw e;
    });
    return this.taskKeyFieldState;
  }

  /**
   * The Task stamped with `key` (null: none yet). 'unstamped': SOQL does not know the field (it
   * went after describe was asked).
   */
  private async taskStamped(conn: Connection, key: string): Promise<string | null | 'unstamped'> {
    const soql = `SELECT Id FROM Task WHERE ${SALESFORCE_TASK_KEY_FIELD} = '${key.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}' LIMIT 1`;
    return this.runner.run(['burst'], () =>
      (conn.request({ method: 'GET', url: `/query?q=${encodeURIComponent(soql)}` }) as Promise<QueryResult>).then(
        (res) => (typeof res.records[0]?.Id === 'string' ? (res.records[0].Id as string) : null),
        (e: { errorCode?: string }) => {
          if (e?.errorCode === 'INVALID_FIELD') return 'unstamped' as const;
          throw e;
        },
      ),
    );
  }

  async setProperty(target: CrmTarget, property: string, value: string): Promise<void> {
    const conn = await this.connection();
    await this.runner.run(['burst'], () => conn.sobject(this.objectOf(target)).update({ Id: target.externalId, [property]: value }) as Promise<unknown>);
  }

  async addToList(target: CrmTarget, campaignId: string): Promise<{ added: boolean }> {
    const conn = await this.connection();
    const field = target.crmObject === 'lead' ? 'LeadId' : 'ContactId';
    return this.runner.run(['burst'], () =>
      (conn.sobject('CampaignMember').create({ CampaignId: campaignId, [field]: target.externalId }) as Promise<unknown>).then(
        () => ({ added: true }),
        (e: { errorCode?: string }) => {
          // Already a member: the treatment's effect is there.
          if (e?.errorCode === 'DUPLICATE_VALUE') return { added: false };
          throw e;
        },
      ),
    );
  }

  async test(): Promise<ConnectionTestResult> {
    const checks: ConnectionCheck[] = [];
    const where = this.options.settings.loginUrl ?? 'https://login.salesforce.com';
    try {
      await this.connection();
      checks.push({ check: 'auth', status: 'ok', message: 'Salesforce accepted the credentials' });
    } catch (e) {
      const error = e as CrmError;
      checks.push(
        error.code === CRM_ERROR.unauthorized
          ? { check: 'auth', status: 'failed', code: error.code, message: 'Salesforce rejected the credentials (client id/secret, username/password or security token)' }
          : { check: 'instance', status: 'failed', code: error.code, message: `Cannot reach Salesforce at ${where}: ${error.message}` },
      );
      return { ok: false, checks };
    }
    try {
      await this.get<QueryResult>(`/query?q=${encodeURIComponent('SELECT Id FROM Contact LIMIT 1')}`);
      checks.push({ check: 'read_scope', status: 'ok', message: 'Contacts can be read' });
      const problems = await this.checkWritebackFields();
      for (const p of problems) checks.push({ check: 'writeback_fields', status: 'failed', code: p.code, message: p.message });
      if (!problems.length) checks.push({ check: 'writeback_fields', status: 'ok', message: 'Write-back fields exist on Contact and Lead and are writable' });
      // Asked afresh: an admin who just added the field sees it at once (workers pick it up within their cache's TTL).
      const taskKey = await this.taskKeyField(true).then(
        (problem) => ({ problem, unreachable: null }),
        (e: CrmError) => ({ problem: null, unreachable: e }),
      );
      // Unreachable (down, or hung mid-describe): the field's state is unknown, and so is the instance's health.
      checks.push(
        taskKey.unreachable
          ? {
              check: 'task_key_field',
              status: taskKey.unreachable.code === CRM_ERROR.unavailable ? 'failed' : 'warning',
              code: taskKey.unreachable.code ?? CRM_ERROR.unavailable,
              message: `Could not describe Task to look for ${SALESFORCE_TASK_KEY_FIELD}: ${taskKey.unreachable.message}`,
            }
          : taskKey.problem
            ? { check: 'task_key_field', status: 'warning', code: taskKey.problem.code, message: taskKey.problem.message }
            : { check: 'task_key_field', status: 'ok', message: `Task.${SALESFORCE_TASK_KEY_FIELD} exists: CRM task treatments are created exactly once` },
      );
    } catch (e) {
      const error = e as CrmError;
      checks.push({
        check: error.code === CRM_ERROR.unavailable ? 'instance' : 'read_scope',
        status: 'failed',
        code: error.code,
        message: error.code === CRM_ERROR.unavailable ? `Cannot reach the Salesforce instance: ${error.message}` : error.message,
      });
    }
    return { ok: checks.every((c) => c.status !== 'failed'), checks };
  }

  takeStats(): RequestStats {
    return this.runner.takeStats();
  }

  private toPage(object: SalesforceObject, records: QueryResult['records']): CrmPage {
    const page: CrmPage = { customers: [], deletedExternalIds: [], merges: [], next: null };
    const mappings = this.fieldMappings(object);
    for (const r of records) {
      if (object === 'Lead' && r.IsConverted === true && typeof r.ConvertedContactId === 'string') {
        // A converted Lead follows its Contact: it becomes an alias, not a second customer.
        page.merges.push({ survivorExternalId: r.ConvertedContactId, mergedExternalIds: [r.Id] });
        continue;
      }
      const modifiedAt = r.SystemModstamp ? Date.parse(String(r.SystemModstamp)) : NaN;
      const writebackValues: Record<string, string | null> = {};
      for (const field of Object.values(this.targets)) if (field in r) writebackValues[field] = r[field] === null || r[field] === undefined ? null : String(r[field]);
      page.customers.push({
        externalId: r.Id,
        crmObject: object === 'Lead' ? 'lead' : 'contact',
        attributes: mapRecord(r, mappings),
        ...(Object.keys(writebackValues).length ? { writebackValues } : {}),
        ...(Number.isFinite(modifiedAt) ? { crmModifiedAt: modifiedAt } : {}),
      });
    }
    return page;
  }
}

/** SOQL bounds on a datetime field (datetimes unquoted). */
function windowOf(field: string, from: string | null, to: string | null): string[] {
  return [from ? `${field} >= ${from}` : null, to ? `${field} <= ${to}` : null].filter((c): c is string => c !== null);
}

interface DescribedField {
  name: string;
  type: string;
  updateable?: boolean;
}

function soqlDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function salesforceAttributeTypeOf(type: string, picklist: string[]): { type: AttributeType; enumValues?: string[] } {
  switch (type) {
    case 'double':
    case 'currency':
    case 'percent':
    case 'int':
    case 'long':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
    case 'datetime':
      return { type: 'date' };
    case 'picklist':
      return { type: 'enum', enumValues: picklist };
    case 'multipicklist':
      return { type: 'string_list' };
    default:
      return { type: 'string' };
  }
}

