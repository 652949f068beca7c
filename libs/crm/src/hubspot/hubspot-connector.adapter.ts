import * as http from 'node:http';
import * as https from 'node:https';
import { Client } from '@hubspot/api-client';
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
  CrmMerge,
  CrmPage,
  CrmTarget,
  CrmTaskInput,
  CrmWarning,
  CRM_WRITEBACK_GROUP_FALLBACK,
  DEFAULT_SEARCH_LAG_MS,
  DiscoveredProperty,
  firstWindow,
  IncomingCustomer,
  LegacySearchWindow,
  MappedAttribute,
  mapRecord,
  nextWindow,
  resumableWindow,
  RequestStats,
  ResolvedFieldMapping,
  resolveFieldMapping,
  SearchWindow,
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
import { isCorridorDefault, WritebackTargets, writebackTargetsOf } from '../writeback-fields';
import { hubspotError, LastResponse } from './hubspot-errors';
import {
  HUBSPOT_DEFAULT_MAPPING,
  HUBSPOT_FALLBACK_PROPERTY_GROUP,
  HUBSPOT_PERSONA_PROPERTY,
  HUBSPOT_PROPERTY_GROUP,
  HUBSPOT_STRATEGY_PROPERTY,
  HUBSPOT_SYSTEM_PROPERTIES,
} from './hubspot-field-defaults';

export const HUBSPOT_LIST_PAGE = 100;
export const HUBSPOT_SEARCH_PAGE = 200;
export const HUBSPOT_BATCH = 100;

type HubSpotPosition =
  | { phase: 'list'; after: string | null; watermark: number }
  | { phase: 'search'; window: SearchWindow | LegacySearchWindow; watermark: number }
  | { phase: 'archived'; after: string | null; watermark: number };

interface HubSpotRecord {
  id: string;
  properties: Record<string, string | null>;
  updatedAt?: Date | string;
}

interface PageBody {
  results: HubSpotRecord[];
  total?: number;
  paging?: { next?: { after?: string } };
}

export interface HubSpotConnectorOptions {
  accessToken: string;
  settings: CrmConnectionSettings;
  budget: RequestBudget;
  maxAttempts?: number;
  /** Bound of one request, answer included (see CallRunnerOptions.callTimeoutMs). */
  callTimeoutMs?: number;
  /** Keep-alive agents that refuse internal addresses CRM_ALLOWED_HOSTS does not admit, at connect time (see guardedAgents). */
  agents: GuardedAgents;
}

/**
 * HubSpot contacts through @hubspot/api-client. Full sync pages the list endpoint (100 a page);
 * incremental sync reads the window [previous cut-off, now − searchLagMs] by keyset on
 * hs_object_id (immune to writes while it pages, never near the 10,000-result cap); the cut-off stays
 * `searchLagMs` behind "now" because the search index lags writes. Both end with the archived listing (deletes). The client's limiter and retries stay
 * off: every request goes through CrmCallRunner and the connection's shared budget.
 */
export class HubSpotConnector implements CrmConnector {
  readonly kind = 'hubspot' as const;
  readonly writebackBatchSize = HUBSPOT_BATCH;
  private readonly client: Client;
  private readonly runner: CrmCallRunner;
  private last: LastResponse | null = null;
  private readonly warnings: CrmWarning[] = [];
  private mappings: ResolvedFieldMapping[];
  private readonly reserved: Set<string>;
  /** Null until discovery ran: custom properties are only mapped after it (see ensureDiscovered). */
  private discovered: DiscoveredProperty[] | null = null;
  private discovery: Promise<DiscoveredProperty[]> | null = null;
  /** The properties write-back fills (settings.writeback.fields over the defaults). */
  private readonly targets: WritebackTargets;

  private readonly basePath: string;

  constructor(private readonly options: HubSpotConnectorOptions) {
    // A timed-out call aborts its requests (node-fetch's under the typed APIs too: they go through these agents).
    abortableAgents(options.agents);
    const basePath = options.settings.basePath?.replace(/\/+$/, '') || undefined;
    this.basePath = basePath ?? 'https://api.hubapi.com';
    this.client = new Client({
      accessToken: options.accessToken,
      basePath,
      numberOfApiCallRetries: 0,
      httpAgent: basePath?.startsWith('http:') ? options.agents.http : options.agents.https,
      middleware: [
        {
          pre: (ctx) => ctx,
          post: (ctx) => {
            const c = ctx as { httpStatusCode: number; headers: Record<string, string> };
            this.last = { status: c.httpStatusCode, headers: c.headers };
            return ctx;
          },
        },
      ],
    });
    sendThroughAgent([this.client.crm.contacts, this.client.crm.properties, this.client.crm.lists, this.client.crm.objects.tasks], (url) =>
      url.startsWith('http:') ? options.agents.http : options.agents.https,
    );
    this.runner = new CrmCallRunner(options.budget, (e) => hubspotError(e, this.last), { maxAttempts: options.maxAttempts, callTimeoutMs: options.callTimeoutMs });
    this.targets = writebackTargetsOf('hubspot', options.settings);
    this.reserved = new Set([HUBSPOT_PERSONA_PROPERTY, HUBSPOT_STRATEGY_PROPERTY, 'lastmodifieddate', 'hs_lastmodifieddate']);
    for (const field of Object.values(this.targets)) this.reserved.add(field);
    this.mappings = this.resolve([]);
  }

  private resolve(discovered: DiscoveredProperty[]): ResolvedFieldMapping[] {
    return resolveFieldMapping({
      defaults: HUBSPOT_DEFAULT_MAPPING,
      overrides: this.options.settings.fieldMapping,
      discovered,
      autoMapCustom: this.options.settings.autoMapCustomProperties ?? true,
      reservedFields: this.reserved,
    });
  }

  /** The effective mapping (after discovery): which attributes this connection feeds. */
  get fieldMappings(): readonly ResolvedFieldMapping[] {
    return this.mappings;
  }

  /** Mapped properties, plus the write-back targets: their current values are kept (not as data) so write-back can skip what a record already carries. */
  private get properties(): string[] {
    return [...new Set([...HUBSPOT_SYSTEM_PROPERTIES, ...this.mappings.map((m) => m.field), ...Object.values(this.targets)])];
  }

  syncWindow(start: SyncPosition): { from: Date | null; to: Date } {
    const pos = start as unknown as HubSpotPosition;
    return { from: pos.phase === 'search' ? new Date(pos.window.from) : null, to: new Date(pos.watermark) };
  }

  begin(mode: SyncMode, previousWatermark: string | null, now: Date): SyncPosition {
    const watermark = now.getTime() - (this.options.settings.searchLagMs ?? DEFAULT_SEARCH_LAG_MS);
    if (mode === 'full' || previousWatermark === null) return { phase: 'list', after: null, watermark };
    // Inclusive lower bound: records at the previous edge millisecond are read again, never lost.
    return { phase: 'search', window: firstWindow(Number(previousWatermark), true, watermark), watermark };
  }

  async readPage(position: SyncPosition): Promise<CrmPage> {
    await this.ensureDiscovered();
    const pos = position as unknown as HubSpotPosition;
    switch (pos.phase) {
      case 'list':
        return this.readListPage(pos);
      case 'search':
        return this.readSearchPage(pos);
      case 'archived':
        return this.readArchivedPage(pos);
      default:
        throw new CrmError(CRM_ERROR.invalidRequest, 'Unknown HubSpot sync position');
    }
  }

  private async readListPage(pos: Extract<HubSpotPosition, { phase: 'list' }>): Promise<CrmPage> {
    const [res, total] = await Promise.all([
      this.runner.run(['burst'], () =>
        this.raw<PageBody>('GET', '/crm/v3/objects/contacts', {
          limit: HUBSPOT_LIST_PAGE,
          properties: this.properties.join(','),
          archived: 'false',
          ...(pos.after ? { after: pos.after } : {}),
        }),
      ),
      pos.after === null ? this.countAll() : Promise.resolve(undefined),
    ]);
    const after = res.paging?.next?.after ?? null;
    const page = this.toPage(res.results);
    page.next = after ? { phase: 'list', after, watermark: pos.watermark } : { phase: 'archived', after: null, watermark: pos.watermark };
    if (total !== undefined) page.totalHint = total;
    return page;
  }

  /** The full sync's total for a percentage: one search with limit 1. */
  private async countAll(): Promise<number | undefined> {
    try {
      const res = await this.runner.run(['search', 'burst'], () =>
        this.raw<PageBody>('POST', '/crm/v3/objects/contacts/search', undefined, { limit: 1, properties: ['hs_object_id'], filterGroups: [] }),
      );
      return res.total;
    } catch {
      return undefined;
    }
  }

  private async readSearchPage(pos: Extract<HubSpotPosition, { phase: 'search' }>): Promise<CrmPage> {
    const w = resumableWindow(pos.window);
    // Keyset on hs_object_id within the fixed window (see search-window-planner.ts): never an
    // offset, so writes while we page (our own write-back included) cannot shift a record past us.
    const filters = [
      { propertyName: 'lastmodifieddate', operator: w.fromInclusive ? 'GTE' : 'GT', value: String(w.from) },
      { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(w.to) },
      ...(w.afterId ? [{ propertyName: 'hs_object_id', operator: 'GT', value: w.afterId }] : []),
    ];
    const res = await this.runner.run(['search', 'burst'], () =>
      this.raw<PageBody>('POST', '/crm/v3/objects/contacts/search', undefined, {
        filterGroups: [{ filters }],
        sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
        properties: this.properties,
        limit: HUBSPOT_SEARCH_PAGE,
      }),
    );
    const records = res.results;
    const next = nextWindow(w, records, { pageSize: HUBSPOT_SEARCH_PAGE }, res.total);
    const page = this.toPage(records);
    page.next = next ? { phase: 'search', window: next, watermark: pos.watermark } : { phase: 'archived', after: null, watermark: pos.watermark };
    if (w.afterId === null) page.totalHint = res.total;
    return page;
  }

  private async readArchivedPage(pos: Extract<HubSpotPosition, { phase: 'archived' }>): Promise<CrmPage> {
    const res = await this.runner.run(['burst'], () =>
      this.raw<PageBody>('GET', '/crm/v3/objects/contacts', {
        limit: HUBSPOT_LIST_PAGE,
        properties: 'hs_object_id',
        archived: 'true',
        ...(pos.after ? { after: pos.after } : {}),
      }),
    );
    const after = res.paging?.next?.after ?? null;
    return {
      customers: [],
      merges: [],
      deletedExternalIds: res.results.map((r) => r.id),
      next: after ? { phase: 'archived', after, watermark: pos.watermark } : null,
      watermark: after ? undefined : String(pos.watermark),
    };
  }

  async readByIds(externalIds: readonly string[]): Promise<CrmPage> {
    await this.ensureDiscovered();
    const page: CrmPage = { customers: [], deletedExternalIds: [], merges: [], next: null };
    const unique = [...new Set(externalIds)];
    for (let i = 0; i < unique.length; i += HUBSPOT_BATCH) {
      const ids = unique.slice(i, i + HUBSPOT_BATCH);
      const res = await this.runner.run(['burst'], () =>
        this.client.crm.contacts.batchApi.read({ inputs: ids.map((id) => ({ id })), properties: this.properties, propertiesWithHistory: [] }, false),
      );
      const part = this.toPage(res.results as HubSpotRecord[]);
      page.customers.push(...part.customers);
      page.merges.push(...part.merges);
      const found = new Set<string>();
      for (const r of res.results as HubSpotRecord[]) {
        found.add(r.id);
        for (const m of mergedIdsOf(r)) found.add(m);
      }
      // A batch read resolves merged ids to the new record; ids it cannot find are gone (archived).
      page.deletedExternalIds.push(...ids.filter((id) => !found.has(id)));
    }
    return page;
  }

  /**
   * Every page of customers is mapped with the effective mapping, whoever asks for it: before
   * discovery the mapping is the defaults alone (no auto-mapped custom properties), so a record read
   * then (a webhook's batch read) would lose those attributes, change its content hash, be
   * re-segmented, and be "updated" again by the next sync.
   */
  private async ensureDiscovered(): Promise<void> {
    if (this.discovered) return;
    await (this.discovery ??= this.discoverProperties().finally(() => (this.discovery = null)));
  }

  async discoverProperties(): Promise<DiscoveredProperty[]> {
    const res = await this.runner.run(['burst'], () => this.client.crm.properties.coreApi.getAll('contacts', false));
    const discovered: DiscoveredProperty[] = [];
    for (const p of res.results) {
      if (this.reserved.has(p.name) || p.name.startsWith('corridor_')) continue;
      const { type, enumValues } = hubspotAttributeTypeOf(p.type, p.fieldType, (p.options ?? []).map((o) => o.value));
      discovered.push({
        crmObject: 'contact',
        field: p.name,
        label: p.label,
        type,
        ...(enumValues ? { enumValues } : {}),
        custom: !p.hubspotDefined && !p.name.startsWith('hs_'),
      });
    }
    this.discovered = discovered;
    this.mappings = this.resolve(discovered);
    return discovered;
  }

  catalogAttributes(): MappedAttribute[] {
    return catalogAttributesOf(this.mappings, this.discovered ?? []);
  }

  async checkWritebackFields(): Promise<WritebackFieldProblem[]> {
    const existing = await this.runner.run(['burst'], () => this.client.crm.properties.coreApi.getAll('contacts', false));
    return this.writebackProblems(existing.results as HubSpotProperty[]);
  }

  /** Problems with the write-back targets; Corridor's own properties may be missing (it creates them). */
  private writebackProblems(properties: readonly HubSpotProperty[]): WritebackFieldProblem[] {
    const byName = new Map(properties.map((p) => [p.name, p]));
    const problems: WritebackFieldProblem[] = [];
    for (const [role, field] of Object.entries(this.targets) as Array<[WritebackRole, string]>) {
      const p = byName.get(field);
      if (!p) {
        if (!isCorridorDefault('hubspot', role, field)) {
          problems.push({ role, crmField: field, code: 'CRM_WRITEBACK_FIELD_MISSING', message: `HubSpot contact property "${field}" (${role}) does not exist` });
        }
      } else if (p.modificationMetadata?.readOnlyValue || p.calculated) {
        problems.push({ role, crmField: field, code: 'CRM_WRITEBACK_FIELD_READ_ONLY', message: `HubSpot contact property "${field}" (${role}) is read-only` });
      } else if (role !== 'hsPersona' && p.type !== 'string') {
        problems.push({ role, crmField: field, code: 'CRM_WRITEBACK_FIELD_TYPE', message: `HubSpot contact property "${field}" (${role}) is of type ${p.type}; write-back needs a text property` });
      }
    }
    return problems;
  }

  async ensureWritebackFields(): Promise<void> {
    const existing = await this.runner.run(['burst'], () => this.client.crm.properties.coreApi.getAll('contacts', false));
    const names = new Set(existing.results.map((p) => p.name));
    // A configured (customer's) property is never created: it must exist and be writable.
    const problems = this.writebackProblems(existing.results as HubSpotProperty[]);
    if (problems.length) throw new CrmError(CRM_ERROR.writebackFieldMissing, problems.map((p) => p.message).join('; '));
    const ownMissing = (['persona', 'strategy'] as const).filter((r) => this.targets[r] && isCorridorDefault('hubspot', r, this.targets[r]!) && !names.has(this.targets[r]!));
    if (ownMissing.length === 0) return;
    const groupName = await this.writebackGroup();
    const specs = [
      { name: HUBSPOT_PERSONA_PROPERTY, label: 'Corridor persona', fieldType: 'text' },
      { name: HUBSPOT_STRATEGY_PROPERTY, label: 'Corridor strategy', fieldType: 'textarea' },
    ];
    for (const spec of specs) {
      if (names.has(spec.name) || !Object.values(this.targets).includes(spec.name)) continue;
      await this.ignoreStatus([409], () =>
        this.runner.run(['burst'], () =>
          this.client.crm.properties.coreApi.create('contacts', {
            name: spec.name,
            label: spec.label,
            type: 'string',
            fieldType: spec.fieldType,
            groupName,
            description: 'Written by Corridor; edits are overwritten.',
          } as never),
        ),
      );
    }
  }

  /**
   * The group for Corridor's properties: "corridor", created when missing. A property can only be
   * created in a group that exists (400 otherwise, on every later write-back), so when the portal
   * refuses the group (scope, portal policy) the properties go to an existing group and the refusal
   * is kept as a warning (takeWarnings). Other failures (outage, auth) are thrown: write-back retries.
   */
  private async writebackGroup(): Promise<string> {
    let groups: string[];
    try {
      const res = await this.runner.run(['burst'], () => this.client.crm.properties.groupsApi.getAll('contacts'));
      groups = res.results.filter((g) => !g.archived).map((g) => g.name);
    } catch (e) {
      // An API without property groups (a proxy): try to create ours all the same.
      if (!isRefusal(e)) throw e;
      groups = [];
    }
    if (groups.includes(HUBSPOT_PROPERTY_GROUP)) return HUBSPOT_PROPERTY_GROUP;
    try {
      await this.runner.run(['burst'], () =>
        this.client.crm.properties.groupsApi.create('contacts', { name: HUBSPOT_PROPERTY_GROUP, label: 'Corridor', displayOrder: -1 }),
      );
      return HUBSPOT_PROPERTY_GROUP;
    } catch (e) {
      if ((e as CrmError).status === 409) return HUBSPOT_PROPERTY_GROUP;
      if (!isRefusal(e)) throw e;
      const fallback = groups.includes(HUBSPOT_FALLBACK_PROPERTY_GROUP) || groups.length === 0 ? HUBSPOT_FALLBACK_PROPERTY_GROUP : groups[0];
      this.warnings.push({
        code: CRM_WRITEBACK_GROUP_FALLBACK,
        message: `HubSpot refused to create the property group "${HUBSPOT_PROPERTY_GROUP}" (${(e as CrmError).code}: ${(e as Error).message}); Corridor's properties were created in "${fallback}"`,
      });
      return fallback;
    }
  }

  takeWarnings(): CrmWarning[] {
    return this.warnings.splice(0);
  }

  private async ignoreStatus(statuses: number[], fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      if (statuses.includes((e as CrmError).status ?? 0)) return;
      throw e;
    }
  }

  async writeBack(updates: readonly WritebackUpdate[]): Promise<WritebackOutcome[]> {
    const outcomes: WritebackOutcome[] = [];
    for (let i = 0; i < updates.length; i += HUBSPOT_BATCH) {
      const batch = updates.slice(i, i + HUBSPOT_BATCH);
      try {
        outcomes.push(...(await this.writeBatch(batch)));
      } catch (e) {
        const error = e as CrmError;
        if (error.code !== CRM_ERROR.invalidRequest && error.code !== CRM_ERROR.notFound) throw e;
        // Merged-away ids that resolve to one record fail the whole batch (duplicate ids): resolve the
        // batch's ids once (a batch read follows merges) and write one update per record.
        const { unique, resolved, outcomes: dropped } = await this.dedupeByResolvedId(batch);
        outcomes.push(...dropped);
        if (dropped.length) {
          try {
            outcomes.push(...(await this.writeBatch(unique, resolved)));
            continue;
          } catch (again) {
            const ae = again as CrmError;
            if (ae.code !== CRM_ERROR.invalidRequest && ae.code !== CRM_ERROR.notFound) throw again;
          }
        }
        // One bad record fails HubSpot's whole batch: write one by one to isolate it.
        outcomes.push(...(await this.writeOneByOne(unique)));
      }
    }
    return outcomes;
  }

  private propertiesOf(u: WritebackUpdate): Record<string, string> {
    return this.writebackValues(u);
  }

  private async writeBatch(batch: readonly WritebackUpdate[], ids?: ReadonlyMap<string, string>): Promise<WritebackOutcome[]> {
    if (batch.length === 0) return [];
    const idOf = (u: WritebackUpdate) => ids?.get(u.externalId) ?? u.externalId;
    const res = (await this.runner.run(['burst'], () =>
      this.client.crm.contacts.batchApi.update({ inputs: batch.map((u) => ({ id: idOf(u), properties: this.propertiesOf(u) })) }),
    )) as { results: HubSpotRecord[]; errors?: Array<{ category: string; context?: Record<string, string[]> }> };
    const written = new Set<string>();
    for (const r of res.results) {
      written.add(r.id);
      for (const m of mergedIdsOf(r)) written.add(m);
    }
    const failedIds = new Map<string, string>();
    for (const err of res.errors ?? []) for (const id of err.context?.ids ?? []) failedIds.set(id, err.category);
    return batch.map((u): WritebackOutcome => {
      const id = idOf(u);
      if (written.has(id) || written.has(u.externalId)) return { externalId: u.externalId, status: 'written' };
      if (failedIds.get(id) === 'OBJECT_NOT_FOUND' || !failedIds.has(id)) return { externalId: u.externalId, status: 'skipped', code: 'CRM_NOT_FOUND' };
      return { externalId: u.externalId, status: 'failed', code: failedIds.get(id)!, message: 'HubSpot refused the update' };
    });
  }

  /**
   * Keeps one update per CRM record the ids resolve to (the last one: HubSpot would apply it last);
   * the others are skipped (`MERGED`), ids that resolve to nothing are skipped (`CRM_NOT_FOUND`).
   */
  private async dedupeByResolvedId(
    batch: readonly WritebackUpdate[],
  ): Promise<{ unique: WritebackUpdate[]; resolved: Map<string, string>; outcomes: WritebackOutcome[] }> {
    const res = await this.runner.run(['burst'], () =>
      this.client.crm.contacts.batchApi.read(
        { inputs: [...new Set(batch.map((u) => u.externalId))].map((id) => ({ id })), properties: ['hs_merged_object_ids'], propertiesWithHistory: [] },
        false,
      ),
    );
    const resolved = new Map<string, string>();
    for (const r of res.results as HubSpotRecord[]) {
      resolved.set(r.id, r.id);
      for (const m of mergedIdsOf(r)) resolved.set(m, r.id);
    }
    const last = new Map<string, WritebackUpdate>();
    const outcomes: WritebackOutcome[] = [];
    for (const u of batch) {
      const target = resolved.get(u.externalId);
      if (target === undefined) {
        outcomes.push({ externalId: u.externalId, status: 'skipped', code: 'CRM_NOT_FOUND' });
        continue;
      }
      const earlier = last.get(target);
      if (earlier) outcomes.push({ externalId: earlier.externalId, status: 'skipped', code: 'MERGED' });
      last.set(target, u);
    }
    return { unique: [...last.values()], resolved, outcomes };
  }

  private async writeOneByOne(batch: readonly WritebackUpdate[]): Promise<WritebackOutcome[]> {
    const outcomes: WritebackOutcome[] = [];
    for (const u of batch) {
      try {
        await this.runner.run(['burst'], () => this.client.crm.contacts.basicApi.update(u.externalId, { properties: this.propertiesOf(u) }));
        outcomes.push({ externalId: u.externalId, status: 'written' });
      } catch (inner) {
        const ie = inner as CrmError;
        if (ie.code === CRM_ERROR.notFound) outcomes.push({ externalId: u.externalId, status: 'skipped', code: ie.code });
        else if (ie.code === CRM_ERROR.invalidRequest) outcomes.push({ externalId: u.externalId, status: 'failed', code: ie.code, message: ie.message });
        else throw inner;
      }
    }
    return outcomes;
  }

  writebackValues(u: WritebackUpdate): Record<string, string> {
    const hsPersona = this.options.settings.writeback?.hsPersona;
    const t = this.targets;
    return {
      [t.persona!]: u.personaName,
      ...(t.strategy ? { [t.strategy]: u.strategySummary } : {}),
      ...(t.hsPersona && hsPersona && Object.hasOwn(hsPersona, u.personaKey) ? { [t.hsPersona]: hsPersona[u.personaKey] } : {}),
    };
  }

  // ---------------------------------------------------------------- treatments

  async createTask(target: CrmTarget, task: CrmTaskInput): Promise<{ id: string }> {
    // The task goes to the contact's owner (a task without one is nobody's). The same read lists the
    // contact's tasks, read from the record (search would lag a create by seconds).
    const key = task.idempotencyKey;
    const contact = await this.runner.run(['burst'], () =>
      this.client.crm.contacts.basicApi.getById(target.externalId, ['hubspot_owner_id'], undefined, key ? ['tasks'] : undefined),
    );
    if (key) {
      const existing = await this.taskStamped(contact.associations?.tasks?.results?.map((r) => r.id) ?? [], key);
      if (existing) return { id: existing };
    }
    const owner = contact.properties?.hubspot_owner_id;
    const properties: Record<string, string> = {
      hs_timestamp: task.dueAt,
      hs_task_subject: task.subject,
      hs_task_status: 'NOT_STARTED',
      ...(task.body ? { hs_task_body: task.body } : {}),
      ...(task.priority ? { hs_task_priority: task.priority.toUpperCase() } : {}),
      ...(owner ? { hubspot_owner_id: owner } : {}),
      ...(key ? { [HUBSPOT_TASK_KEY_PROPERTY]: key } : {}),
    };
    const create = () =>
      // Never retried here once sent: an answer lost after the task was made would make it twice. The
      // delivery's next attempt finds it by its key instead.
      this.runner.runOnce(['burst'], () =>
        this.client.crm.objects.tasks.basicApi
          .create({
            properties,
            associations: [
              // 204: task → contact, HUBSPOT_DEFINED.
              { to: { id: contact.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 204 }] },
            ],
          })
          .catch((e: unknown) => {
            throw missingKeyProperty(e) ? new MissingTaskKeyProperty() : e;
          }),
      );
    try {
      return { id: (await create()).id };
    } catch (e) {
      if (!(e instanceof MissingTaskKeyProperty)) throw e;
      await this.createTaskKeyProperty();
      return { id: (await create()).id };
    }
  }

  /** The task among `ids` that carries `key` (batch read, 100 at a time). */
  private async taskStamped(ids: readonly string[], key: string): Promise<string | undefined> {
    for (let i = 0; i < ids.length; i += HUBSPOT_BATCH) {
      const inputs = ids.slice(i, i + HUBSPOT_BATCH).map((id) => ({ id }));
      const res = await this.runner.run(['burst'], () =>
        this.raw<{ results: HubSpotRecord[] }>('POST', '/crm/v3/objects/tasks/batch/read', undefined, { inputs, properties: [HUBSPOT_TASK_KEY_PROPERTY] }),
      );
      const found = res.results.find((t) => t.properties[HUBSPOT_TASK_KEY_PROPERTY] === key);
      if (found) return found.id;
    }
    return undefined;
  }

  /** The task property that carries a delivery's key, made once per portal (taskinformation is every portal's task group). */
  private async createTaskKeyProperty(): Promise<void> {
    await this.ignoreStatus([409], () =>
      this.runner.run(['burst'], () =>
        this.raw('POST', '/crm/v3/properties/tasks', undefined, {
          name: HUBSPOT_TASK_KEY_PROPERTY,
          label: 'Corridor delivery id',
          type: 'string',
          fieldType: 'text',
          groupName: 'taskinformation',
          description: 'Set by Corridor: the treatment delivery that created this task (a retry finds it instead of creating another).',
        }),
      ),
    );
  }

  async setProperty(target: CrmTarget, property: string, value: string): Promise<void> {
    await this.runner.run(['burst'], () => this.client.crm.contacts.basicApi.update(target.externalId, { properties: { [property]: value } }));
  }

  async addToList(target: CrmTarget, listId: string): Promise<{ added: boolean }> {
    const res = await this.runner.run(['burst'], () => this.client.crm.lists.membershipsApi.add(listId, [target.externalId]));
    if ((res.recordIdsMissing ?? []).length > 0) throw new CrmError(CRM_ERROR.notFound, `HubSpot: contact ${target.externalId} is not a record list ${listId} can hold`, undefined, 404);
    return { added: (res.recordsIdsAdded ?? []).length > 0 };
  }

  async test(): Promise<ConnectionTestResult> {
    const checks: ConnectionCheck[] = [];
    try {
      await this.runner.run(['burst'], () => this.client.crm.contacts.basicApi.getPage(1, undefined, ['hs_object_id']));
      checks.push({ check: 'auth', status: 'ok', message: 'HubSpot accepted the token' });
      checks.push({ check: 'read_scope', status: 'ok', message: 'Contacts can be read' });
    } catch (e) {
      checks.push(failedCheck(e as CrmError, this.options.settings.basePath ?? 'https://api.hubapi.com'));
      return { ok: false, checks };
    }
    try {
      const props = await this.runner.run(['burst'], () => this.client.crm.properties.coreApi.getAll('contacts', false));
      const names = new Set(props.results.map((p) => p.name));
      const missing = (['persona', 'strategy'] as const)
        .map((r) => this.targets[r])
        .filter((n): n is string => n !== undefined && (n === HUBSPOT_PERSONA_PROPERTY || n === HUBSPOT_STRATEGY_PROPERTY) && !names.has(n));
      const problems = this.writebackProblems(props.results as HubSpotProperty[]);
      for (const p of problems) checks.push({ check: 'writeback_fields', status: 'failed', code: p.code, message: p.message });
      if (missing.length) {
        checks.push({
          check: 'writeback_fields',
          status: 'warning',
          code: 'CRM_WRITEBACK_FIELD_MISSING',
          message: `Write-back properties missing: ${missing.join(', ')}; Corridor creates them (group "corridor") before the first write-back`,
        });
      } else if (!problems.length) {
        checks.push({ check: 'writeback_fields', status: 'ok', message: 'Write-back properties exist' });
      }
      const misplaced = props.results.find((p) => p.name === HUBSPOT_PERSONA_PROPERTY && p.groupName !== HUBSPOT_PROPERTY_GROUP);
      if (misplaced) {
        checks.push({
          check: 'writeback_fields',
          status: 'warning',
          code: CRM_WRITEBACK_GROUP_FALLBACK,
          message: `Corridor's properties are in the group "${misplaced.groupName}", not "${HUBSPOT_PROPERTY_GROUP}": HubSpot refused to create that group (grant crm.schemas.contacts.write), or they were moved`,
        });
      }
    } catch (e) {
      checks.push({ ...failedCheck(e as CrmError, ''), check: 'properties_scope' });
    }
    return { ok: checks.every((c) => c.status !== 'failed'), checks };
  }

  takeStats(): RequestStats {
    return this.runner.takeStats();
  }

  /**
   * Pages of records as plain JSON over the guarded keep-alive agents, with the client's auth and
   * headers: the typed APIs' model deserialisation cost more CPU than the rest of a sync, and the
   * client's generic `apiRequest` takes no agent (it would connect to any address, unchecked).
   * Errors are thrown in ApiException's shape ({code, body, headers}) for the same mapping.
   */
  private async raw<T>(method: 'GET' | 'POST', path: string, qs?: Record<string, string | number>, body?: unknown): Promise<T> {
    const url = new URL(`${this.basePath}${path}`);
    for (const [k, v] of Object.entries(qs ?? {})) url.searchParams.set(k, String(v));
    const payload = body !== undefined ? JSON.stringify(body) : undefined;
    const res = await sendJson(url, method, payload, this.options.accessToken, url.protocol === 'http:' ? this.options.agents.http : this.options.agents.https);
    this.last = { status: res.status, headers: res.headers };
    if (res.status >= 400) {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(res.text);
      } catch {
        // An HTML error page from a proxy: the status says enough.
      }
      throw Object.assign(new Error(`HubSpot answered ${res.status}`), { code: res.status, body: parsed, headers: res.headers });
    }
    return JSON.parse(res.text) as T;
  }

  private toPage(records: readonly HubSpotRecord[]): CrmPage {
    const customers: IncomingCustomer[] = [];
    const merges: CrmMerge[] = [];
    for (const r of records) {
      const modifiedAt = modifiedAtOf(r);
      const writebackValues: Record<string, string | null> = {};
      for (const field of Object.values(this.targets)) writebackValues[field] = r.properties[field] ?? null;
      customers.push({
        externalId: r.id,
        crmObject: 'contact',
        attributes: mapRecord(r.properties, this.mappings),
        writebackValues,
        ...(Number.isFinite(modifiedAt) && modifiedAt > 0 ? { crmModifiedAt: modifiedAt } : {}),
      });
      const merged = mergedIdsOf(r);
      if (merged.length) merges.push({ survivorExternalId: r.id, mergedExternalIds: merged });
    }
    return { customers, merges, deletedExternalIds: [], next: null };
  }
}

/** A task property: the idempotency key of the delivery that created the task. */
export const HUBSPOT_TASK_KEY_PROPERTY = 'corridor_delivery_id';

/** The portal has no task property for the key yet (HubSpot: PROPERTY_DOESNT_EXIST naming it). */
class MissingTaskKeyProperty extends CrmError {
  constructor() {
    super(CRM_ERROR.invalidRequest, `HubSpot has no task property ${HUBSPOT_TASK_KEY_PROPERTY}`, undefined, 400);
  }
}

function missingKeyProperty(e: unknown): boolean {
  const body = JSON.stringify((e as { body?: unknown })?.body ?? '');
  return body.includes('PROPERTY_DOESNT_EXIST') && body.includes(HUBSPOT_TASK_KEY_PROPERTY);
}

/** What a refused group creation may be; anything else (auth, outage) is not a reason to fall back. */
function isRefusal(e: unknown): boolean {
  const code = (e as CrmError).code;
  return code === CRM_ERROR.invalidRequest || code === CRM_ERROR.forbidden || code === CRM_ERROR.notFound;
}

interface HubSpotProperty {
  name: string;
  type: string;
  calculated?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
}

function mergedIdsOf(r: HubSpotRecord): string[] {
  const raw = r.properties.hs_merged_object_ids;
  if (!raw) return [];
  return raw
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== r.id);
}

function modifiedAtOf(r: HubSpotRecord): number {
  const raw = r.properties.lastmodifieddate;
  const t = raw ? (/^\d+$/.test(raw) ? Number(raw) : Date.parse(raw)) : NaN;
  return Number.isFinite(t) ? t : r.updatedAt ? new Date(r.updatedAt).getTime() : 0;
}

export function hubspotAttributeTypeOf(type: string, fieldType: string, options: string[]): { type: AttributeType; enumValues?: string[] } {
  switch (type) {
    case 'number':
      return { type: 'number' };
    case 'date':
    case 'datetime':
      return { type: 'date' };
    case 'bool':
      return { type: 'boolean' };
    case 'enumeration':
      if (fieldType === 'booleancheckbox') return { type: 'boolean' };
      if (fieldType === 'checkbox') return { type: 'string_list' };
      return { type: 'enum', enumValues: options };
    default:
      return { type: 'string' };
  }
}

function failedCheck(error: CrmError, where: string): ConnectionCheck {
  switch (error.code) {
    case CRM_ERROR.unauthorized:
      return { check: 'auth', status: 'failed', code: error.code, message: 'HubSpot rejected the private-app token (401): check or rotate it' };
    case CRM_ERROR.forbidden:
      return { check: 'read_scope', status: 'failed', code: error.code, message: 'The token lacks a scope (403 MISSING_SCOPES): grant crm.objects.contacts.read/write and crm.schemas.contacts.read/write' };
    case CRM_ERROR.unavailable:
      return { check: 'instance', status: 'failed', code: error.code, message: `Cannot reach HubSpot${where ? ` at ${where}` : ''}: ${error.message}` };
    default:
      return { check: 'instance', status: 'failed', code: error.code, message: error.message };
  }
}

/** One JSON request through `agent`; the whole body read as text. */
function sendJson(url: URL, method: string, payload: string | undefined, accessToken: string, agent: http.Agent): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? http : https).request(
      url,
      {
        method,
        agent,
        headers: {
          Accept: 'application/json, */*;q=0.8',
          Authorization: `Bearer ${accessToken}`,
          ...(payload !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

interface CodegenRequest {
  getUrl(): string;
  getAgent(): unknown;
  setAgent(agent: unknown): void;
}

/**
 * The typed APIs ignore the `httpAgent` option (the generated code only runs configured middleware
 * when a call passes options of its own), so they would connect through Node's global agent to any
 * address, unchecked. This sets the guarded agent on every request those APIs send.
 */
function sendThroughAgent(discoveries: readonly object[], agentFor: (url: string) => http.Agent): void {
  const seen = new WeakSet<object>();
  const visit = (value: unknown, depth: number): void => {
    if (!value || typeof value !== 'object' || seen.has(value) || depth > 4) return;
    seen.add(value);
    const httpApi = (value as { httpApi?: { send?: (request: CodegenRequest) => unknown } }).httpApi;
    if (httpApi && typeof httpApi.send === 'function') {
      const send = httpApi.send.bind(httpApi);
      httpApi.send = (request: CodegenRequest) => {
        request.setAgent(agentFor(request.getUrl()));
        return send(request);
      };
      return;
    }
    for (const child of Object.values(value)) visit(child, depth + 1);
  };
  for (const d of discoveries) visit(d, 0);
}
