import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { crmGate, setHeaders } from '../core/http-gate';
import { CURRENT, type Item } from '../core/record-store';
import type { HubSpotProps } from './hubspot-generator';
import {
  DEFAULT_CONTACT_PROPERTIES,
  FIELD_TYPES_BY_TYPE,
  type HubSpotPropertyDef,
  type HubSpotPropertyType,
  normaliseWrite,
  PROPERTY_NAME_PATTERN,
  type PropertyIssue,
  propertyToJson,
} from './hubspot-properties';
import { parsePropertyList, type SearchRequestInput } from './hubspot-search';
import type { HubSpotService } from './hubspot-service';
import { type ChangeSource, type HubSpotData, HubSpotError, type HubSpotRecord } from './hubspot-store';

const BATCH_MAX = 100;
const LIST_MAX = 100;
/** HubSpot adds these to every object response, asked for or not. */
const SYSTEM_PROPERTIES = ['createdate', 'hs_object_id', 'lastmodifieddate'];

interface AuthedLocals {
  token: string;
}

/** JSON string literal; skips JSON.stringify for the common case of nothing to escape. */
function quote(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(value);
  }
  return `"${value}"`;
}

export function errorBody(message: string, category: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { status: 'error', message, correlationId: randomUUID(), category, ...extra };
}

export function hubSpotEndpointLabel(method: string, path: string): string {
  let normalised = path.replace(/\/+$/, '');
  normalised = normalised.replace(
    /^\/crm\/v3\/objects\/contacts\/(?!search$|batch\/|merge$)[^/]+$/,
    '/crm/v3/objects/contacts/{contactId}',
  );
  normalised = normalised.replace(/^\/crm\/v3\/properties\/contacts\/(?!groups$)[^/]+$/, '/crm/v3/properties/contacts/{propertyName}');
  return `${method} ${normalised}`;
}

function faultBody(status: number): { body: unknown } {
  // A 429 storm: the shape of HubSpot's own burst refusal (another app spent the account's allowance).
  if (status === 429) {
    return {
      body: {
        status: 'error',
        message: 'You have reached your ten_secondly_rolling limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'TEN_SECONDLY_ROLLING',
        category: 'RATE_LIMITS',
      },
    };
  }
  const category = status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR';
  const message =
    status === 502 ? 'Bad Gateway' : status === 503 ? 'Service Unavailable' : status === 504 ? 'Gateway Timeout' : 'internal error';
  return { body: errorBody(message, category) };
}

function propertyIssuesError(service: HubSpotService, issues: (PropertyIssue & { id?: string })[]): HubSpotError {
  const detail = issues.map((issue) => ({
    isValid: false,
    message: issue.message,
    error: issue.error,
    name: issue.name,
    localizedErrorMessage: issue.message,
    portalId: service.options.portalId,
  }));
  return new HubSpotError(400, `Property values were not valid: ${JSON.stringify(detail)}`, 'VALIDATION_ERROR', {
    errors: issues.map((issue) => ({
      message: issue.message,
      code: issue.error,
      context: { propertyName: [issue.name], ...(issue.id ? { id: [issue.id] } : {}) },
    })),
  });
}

/** The public HubSpot CRM v3 surface Corridor uses, for the real @hubspot/api-client. */
export function hubSpotRouter(service: HubSpotService): Router {
  const router = Router();
  const crm = Router();
  const store = service.store;

  crm.use(
    crmGate({
      stats: service.stats,
      faults: service.faults,
      endpointLabel: (method, path) => hubSpotEndpointLabel(method, `/crm${path}`),
      faultBody,
    }),
  );

  crm.use((req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const token = match?.[1]?.trim() ?? '';
    const known = token ? service.isKnownToken(token) : 'unknown';
    if (known === 'unknown') {
      res.status(401).json(
        errorBody(
          'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          'INVALID_AUTHENTICATION',
        ),
      );
      return;
    }
    if (known === 'no-scope') {
      res.status(403).json(
        errorBody(
          "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
          'MISSING_SCOPES',
          {
            errors: [
              {
                message: 'One or more of the following scopes are required.',
                context: { requiredGranularScopes: ['crm.objects.contacts.read', 'crm.objects.contacts.write'] },
              },
            ],
            links: { scopes: 'https://developers.hubspot.com/scopes' },
          },
        ),
      );
      return;
    }
    const isSearch = req.method === 'POST' && /^\/v3\/objects\/contacts\/search\/?$/.test(req.path);
    const outcome = service.acquire(token, isSearch);
    setHeaders(res, outcome.headers);
    if (outcome.refused) {
      const { policy, retryAfterMs } = outcome.refused;
      if (service.shouldSendRetryAfter()) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
      const message =
        policy === 'SECONDLY'
          ? 'You have reached your secondly limit.'
          : policy === 'DAILY'
            ? 'You have reached your daily limit.'
            : 'You have reached your ten_secondly_rolling limit.';
      res.status(429).json({
        status: 'error',
        message,
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: policy,
        groupName: `publicapi:private-app:${service.options.appId}:${service.options.portalId}`,
        category: 'RATE_LIMITS',
      });
      return;
    }
    (res.locals as AuthedLocals).token = token;
    next();
  });

  crm.use(express.json({ limit: '20mb' }));

  const apiSource = (): ChangeSource => ({ changeSource: 'INTEGRATION', sourceId: String(service.options.appId), api: true });
  const writer = (res: Response): string => `api:${(res.locals as AuthedLocals).token}`;
  const baseUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;

  /** Output property names, resolved once per request rather than per record. */
  const outputNames = (properties: string[] | undefined): string[] => {
    const names = properties && properties.length > 0 ? [...properties, ...SYSTEM_PROPERTIES] : DEFAULT_CONTACT_PROPERTIES;
    return [...new Set(names)].filter((name) => store.catalog.has(name)).sort();
  };

  const toJson = (record: HubSpotRecord, properties: string[] | undefined, names = outputNames(properties)): Record<string, unknown> => {
    const props: Record<string, string | null> = {};
    for (const name of names) props[name] = record.props[name] ?? null;
    const out: Record<string, unknown> = {
      id: record.id,
      properties: props,
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: new Date(record.updatedAt).toISOString(),
      archived: record.archived,
    };
    if (record.archived && record.archivedAt !== undefined) out.archivedAt = new Date(record.archivedAt).toISOString();
    return out;
  };

  /**
   * Record pages are written as JSON text directly: building an object per record only for
   * JSON.stringify to walk it again was the sandbox's main cost in bulk pulls.
   */
  const recordText = (record: HubSpotRecord, keys: string[], names: string[]): string => {
    let props = '';
    for (let i = 0; i < names.length; i++) {
      const value = record.props[names[i] as string];
      props += `${i === 0 ? '' : ','}${keys[i]}${value === null || value === undefined ? 'null' : quote(value)}`;
    }
    const archivedAt =
      record.archived && record.archivedAt !== undefined ? `,"archivedAt":"${new Date(record.archivedAt).toISOString()}"` : '';
    // createdate/lastmodifieddate already hold the ISO strings of createdAt/updatedAt.
    const createdAt = record.props.createdate ?? new Date(record.createdAt).toISOString();
    const updatedAt = record.props.lastmodifieddate ?? new Date(record.updatedAt).toISOString();
    return (
      `{"id":"${record.id}","properties":{${props}},"createdAt":"${createdAt}",` +
      `"updatedAt":"${updatedAt}","archived":${record.archived}${archivedAt}}`
    );
  };

  const pageText = (items: Item<HubSpotData>[], names: string[]): string => {
    const keys = names.map((name) => `${JSON.stringify(name)}:`);
    return `[${items.map((item) => recordText(store.materialize(item.ref, item.version), keys, names)).join(',')}]`;
  };

  const sendJsonText = (res: Response, text: string): void => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(text);
  };

  const boolParam = (value: unknown): boolean => String(value).toLowerCase() === 'true';

  /** Ref a request's id names, following merges; undefined when nothing answers to it. */
  const lookup = (id: unknown, idProperty: unknown, archived: boolean): number | undefined => {
    if (id === undefined || id === null) return undefined;
    let ref: number | undefined;
    if (idProperty === 'email') ref = store.findByEmail(String(id));
    else if (idProperty === undefined || idProperty === 'hs_object_id' || idProperty === '') ref = store.refOf(String(id));
    else throw new HubSpotError(400, `Unable to use ${String(idProperty)} as an idProperty: it is not a unique property.`, 'VALIDATION_ERROR');
    if (ref === undefined) return undefined;
    const resolved = store.resolveMerged(ref);
    const record = store.record(resolved);
    if (!record || record.archived !== archived) return undefined;
    return resolved;
  };

  const batchInputs = (body: unknown): { id?: unknown; properties?: unknown; idProperty?: unknown }[] => {
    const inputs = (body as { inputs?: unknown } | undefined)?.inputs;
    if (!Array.isArray(inputs)) throw new HubSpotError(400, 'Invalid input JSON on line 1: inputs is required', 'VALIDATION_ERROR');
    if (inputs.length > BATCH_MAX) {
      throw new HubSpotError(400, `Batch input must contain between 1 and ${BATCH_MAX} inputs; got ${inputs.length}`, 'VALIDATION_ERROR', {
        context: { count: [String(inputs.length)] },
      });
    }
    return inputs as { id?: unknown; properties?: unknown; idProperty?: unknown }[];
  };

  const assertUniqueIds = (ids: string[]): void => {
    const seen = new Set<string>();
    const duplicates = new Set<string>();
    for (const id of ids) (seen.has(id) ? duplicates : seen).add(id);
    if (duplicates.size > 0) {
      const list = [...duplicates];
      throw new HubSpotError(400, `Duplicate IDs found in batch input: [${list.join(', ')}]. IDs must be unique`, 'VALIDATION_ERROR', {
        context: { ids: list },
      });
    }
  };

  const ordered = <T>(items: T[]): T[] => {
    const mode = service.options.batchResultOrder;
    if (mode === 'reversed') return [...items].reverse();
    if (mode === 'shuffled') {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = (i * 7919 + out.length) % (i + 1);
        [out[i], out[j]] = [out[j] as T, out[i] as T];
      }
      return out;
    }
    return items;
  };

  const batchEnvelope = (results: unknown[], missing: string[], started: string, what = 'get'): [number, Record<string, unknown>] => {
    const body: Record<string, unknown> = {
      status: 'COMPLETE',
      results: ordered(results),
      startedAt: started,
      completedAt: new Date().toISOString(),
    };
    if (missing.length === 0) return [200, body];
    body.numErrors = 1;
    body.errors = [
      {
        status: 'error',
        category: 'OBJECT_NOT_FOUND',
        message: `Could not ${what} some CONTACT objects, they may be deleted or not exist. Check that ids are valid.`,
        context: { ids: missing },
        errors: [],
        links: {},
      },
    ];
    return [207, body];
  };

  const writeValues = (raw: unknown, id?: string): { values: HubSpotProps; issues: (PropertyIssue & { id?: string })[] } => {
    const input = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const { values, issues } = normaliseWrite(store.catalog, input);
    return { values, issues: issues.map((issue) => ({ ...issue, id })) };
  };

  // ---------------------------------------------------------------- objects

  crm.get('/v3/objects/contacts', (req, res) => {
    const archived = boolParam(req.query.archived);
    let limit = req.query.limit === undefined ? 10 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new HubSpotError(400, `Invalid limit: ${String(req.query.limit)}`, 'VALIDATION_ERROR');
    if (limit > LIST_MAX) {
      if (service.options.listLimitOverMax === 'reject') {
        throw new HubSpotError(400, `limit must be less than or equal to ${LIST_MAX}; got ${limit}`, 'VALIDATION_ERROR', {
          context: { limit: [String(limit)] },
        });
      }
      limit = LIST_MAX;
    }
    let refLo = 0;
    if (req.query.after !== undefined && req.query.after !== '') {
      const ref = store.refOf(String(req.query.after));
      if (ref === undefined) throw new HubSpotError(400, `Invalid after: ${String(req.query.after)}`, 'VALIDATION_ERROR');
      refLo = ref;
    }
    const properties = parsePropertyList(req.query.properties);
    const names = outputNames(properties);
    const scan = store.records.scanByRef(CURRENT, archived ? 'deleted' : 'live', refLo, Infinity);
    const items: Item<HubSpotData>[] = [];
    let next: Item<HubSpotData> | undefined;
    for (let item = scan(); item; item = scan()) {
      if (archived && (item.version?.data.mergedInto !== undefined || item.version?.data.gdprDeleted)) continue;
      if (items.length === limit) {
        next = item;
        break;
      }
      items.push(item);
    }
    service.stats.recordResults('GET /crm/v3/objects/contacts', items.length);
    let paging = '';
    if (next) {
      const after = store.idOf(next.ref);
      const query = new URLSearchParams();
      query.set('limit', String(limit));
      query.set('after', after);
      if (properties) query.set('properties', properties.join(','));
      if (archived) query.set('archived', 'true');
      paging = `,"paging":${JSON.stringify({ next: { after, link: `${baseUrl(req)}/crm/v3/objects/contacts?${query.toString()}` } })}`;
    }
    sendJsonText(res, `{"results":${pageText(items, names)}${paging}}`);
  });

  crm.post('/v3/objects/contacts/search', async (req, res) => {
    // Test hook: other writers act between a reader's pages (the query is re-evaluated after them).
    if (service.beforeSearch) await service.beforeSearch(req.body as SearchRequestInput);
    const result = service.search.execute((req.body ?? {}) as SearchRequestInput);
    service.stats.recordResults('POST /crm/v3/objects/contacts/search', result.items.length);
    const names = outputNames(result.properties);
    const paging = result.nextAfter === undefined ? '' : `,"paging":{"next":{"after":"${result.nextAfter}"}}`;
    sendJsonText(res, `{"total":${result.total},"results":${pageText(result.items, names)}${paging}}`);
  });

  crm.post('/v3/objects/contacts/batch/read', (req, res) => {
    const started = new Date().toISOString();
    const body = (req.body ?? {}) as { properties?: unknown; idProperty?: unknown };
    const inputs = batchInputs(req.body);
    const ids = inputs.map((input) => String(input.id ?? ''));
    assertUniqueIds(ids);
    const archived = boolParam(req.query.archived);
    const names = outputNames(parsePropertyList(body.properties));
    const results: Record<string, unknown>[] = [];
    const seen = new Set<number>();
    const missing: string[] = [];
    for (const id of ids) {
      const ref = lookup(id, body.idProperty, archived);
      if (ref === undefined) {
        missing.push(id);
        continue;
      }
      if (seen.has(ref)) continue;
      seen.add(ref);
      results.push(toJson(store.record(ref) as HubSpotRecord, undefined, names));
    }
    const [status, envelope] = batchEnvelope(results, missing, started);
    res.status(status).json(envelope);
  });

  crm.post('/v3/objects/contacts/batch/update', (req, res) => {
    const started = new Date().toISOString();
    const inputs = batchInputs(req.body);
    const ids = inputs.map((input) => String(input.id ?? ''));
    assertUniqueIds(ids);
    const issues: (PropertyIssue & { id?: string })[] = [];
    const planned: { id: string; ref: number | undefined; values: HubSpotProps }[] = [];
    for (const input of inputs) {
      const id = String(input.id ?? '');
      const { values, issues: found } = writeValues(input.properties, id);
      issues.push(...found);
      planned.push({ id, ref: lookup(id, input.idProperty, false), values });
    }
    // Merged-away ids resolve to their record: two of them (or one and the record's own id) in one
    // batch are duplicates, and HubSpot refuses the whole batch.
    assertUniqueIds(planned.filter((p) => p.ref !== undefined).map((p) => store.idOf(p.ref!)));
    if (issues.length > 0) throw propertyIssuesError(service, issues);
    const emails = new Map<string, string>();
    for (const { id, ref, values } of planned) {
      const email = values.email?.toLowerCase();
      if (!email || ref === undefined) continue;
      const owner = store.findByEmail(email);
      if ((owner !== undefined && owner !== ref) || (emails.has(email) && emails.get(email) !== id)) {
        throw new HubSpotError(409, `Contact already exists. Existing ID: ${owner !== undefined ? store.idOf(owner) : emails.get(email)}`, 'CONFLICT');
      }
      emails.set(email, id);
    }
    const results: Record<string, unknown>[] = [];
    const missing: string[] = [];
    for (const { id, ref, values } of planned) {
      if (ref === undefined) {
        missing.push(id);
        continue;
      }
      store.update(ref, values, writer(res), apiSource());
      results.push(toJson(store.record(ref) as HubSpotRecord, Object.keys(values)));
    }
    const [status, envelope] = batchEnvelope(results, missing, started, 'update');
    res.status(status).json(envelope);
  });

  crm.post('/v3/objects/contacts/batch/create', (req, res) => {
    const started = new Date().toISOString();
    const inputs = batchInputs(req.body);
    const issues: PropertyIssue[] = [];
    const planned = inputs.map((input) => {
      const { values, issues: found } = writeValues(input.properties);
      issues.push(...found);
      return values;
    });
    if (issues.length > 0) throw propertyIssuesError(service, issues);
    const results = planned.map((values) =>
      toJson(store.create(values, writer(res), apiSource()), Object.keys(values)),
    );
    res.status(201).json({ status: 'COMPLETE', results: ordered(results), startedAt: started, completedAt: new Date().toISOString() });
  });

  crm.post('/v3/objects/contacts/batch/archive', (req, res) => {
    const inputs = batchInputs(req.body);
    for (const input of inputs) {
      const ref = lookup(input.id, undefined, false);
      if (ref !== undefined) store.archive(ref, apiSource());
    }
    res.status(204).end();
  });

  crm.post('/v3/objects/contacts/merge', (req, res) => {
    const body = (req.body ?? {}) as { primaryObjectId?: unknown; objectIdToMerge?: unknown };
    if (body.primaryObjectId === undefined || body.objectIdToMerge === undefined) {
      throw new HubSpotError(400, 'primaryObjectId and objectIdToMerge are required', 'VALIDATION_ERROR');
    }
    const primary = store.refOf(String(body.primaryObjectId));
    const secondary = store.refOf(String(body.objectIdToMerge));
    if (primary === undefined || secondary === undefined) {
      throw new HubSpotError(400, 'Object ids are not valid for merge.', 'VALIDATION_ERROR');
    }
    const merged = store.merge(primary, secondary, writer(res), apiSource());
    res.json(toJson(merged, [...DEFAULT_CONTACT_PROPERTIES, 'hs_merged_object_ids', 'hs_additional_emails']));
  });

  crm.post('/v3/objects/contacts', (req, res) => {
    const { values, issues } = writeValues((req.body as { properties?: unknown } | undefined)?.properties);
    if (issues.length > 0) throw propertyIssuesError(service, issues);
    const record = store.create(values, writer(res), apiSource());
    res.status(201).json(toJson(record, Object.keys(values)));
  });

  crm.get('/v3/objects/contacts/:contactId', (req, res) => {
    const archived = boolParam(req.query.archived);
    const ref = lookup(req.params.contactId, req.query.idProperty, archived);
    if (ref === undefined) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    const record = store.record(ref) as HubSpotRecord;
    const out = toJson(record, parsePropertyList(req.query.properties));
    // ?associations=tasks: the contact's tasks, read from the record itself (no search-index lag).
    if (parsePropertyList(req.query.associations)?.includes('tasks')) {
      const tasks = service.engagements.tasksOf(record.id).map((id) => ({ id, type: 'contact_to_task' }));
      if (tasks.length) out.associations = { tasks: { results: tasks } };
    }
    res.json(out);
  });

  crm.patch('/v3/objects/contacts/:contactId', (req, res) => {
    const ref = lookup(req.params.contactId, req.query.idProperty, false);
    const { values, issues } = writeValues((req.body as { properties?: unknown } | undefined)?.properties, req.params.contactId);
    if (issues.length > 0) throw propertyIssuesError(service, issues);
    if (ref === undefined) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    store.update(ref, values, writer(res), apiSource());
    res.json(toJson(store.record(ref) as HubSpotRecord, Object.keys(values)));
  });

  crm.delete('/v3/objects/contacts/:contactId', (req, res) => {
    const ref = lookup(req.params.contactId, undefined, false);
    if (ref !== undefined) store.archive(ref, apiSource());
    res.status(204).end();
  });

  // ---------------------------------------------------------------- properties

  crm.get('/v3/properties/contacts', (_req, res) => {
    res.json({ results: [...store.catalog.values()].map(propertyToJson) });
  });

  crm.get('/v3/properties/contacts/groups', (_req, res) => {
    res.json({ results: [...store.propertyGroups.values()] });
  });

  crm.post('/v3/properties/contacts/groups', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const problems: string[] = [];
    if (!PROPERTY_NAME_PATTERN.test(name)) problems.push(`name "${name}" must match ${PROPERTY_NAME_PATTERN.source}`);
    if (typeof body.label !== 'string' || body.label === '') problems.push('label is required');
    if (problems.length > 0) throw new HubSpotError(400, problems.join('; '), 'VALIDATION_ERROR');
    if (store.propertyGroups.has(name)) {
      throw new HubSpotError(409, `A property group named '${name}' already exists.`, 'OBJECT_ALREADY_EXISTS');
    }
    const group = { name, label: String(body.label), displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1, archived: false };
    store.propertyGroups.set(name, group);
    res.status(201).json(group);
  });

  crm.get('/v3/properties/contacts/:propertyName', (req, res) => {
    const prop = store.catalog.get(req.params.propertyName);
    if (!prop) throw new HubSpotError(404, `Unable to find property ${req.params.propertyName}`, 'OBJECT_NOT_FOUND');
    res.json(propertyToJson(prop));
  });

  crm.post('/v3/properties/contacts', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name : '';
    const problems: string[] = [];
    if (!PROPERTY_NAME_PATTERN.test(name)) problems.push(`name "${name}" must match ${PROPERTY_NAME_PATTERN.source}`);
    if (typeof body.label !== 'string' || body.label === '') problems.push('label is required');
    if (typeof body.groupName !== 'string' || body.groupName === '') problems.push('groupName is required');
    const type = body.type as HubSpotPropertyType;
    const fieldType = String(body.fieldType ?? '');
    if (!Object.hasOwn(FIELD_TYPES_BY_TYPE, type)) problems.push(`type "${String(body.type)}" is not valid`);
    else if (!FIELD_TYPES_BY_TYPE[type].includes(fieldType)) problems.push(`fieldType "${fieldType}" is not valid for type "${type}"`);
    const optionsInput = Array.isArray(body.options) ? (body.options as Record<string, unknown>[]) : [];
    if (type === 'enumeration' && fieldType !== 'booleancheckbox' && optionsInput.length === 0) {
      problems.push('enumeration properties need options');
    }
    if (problems.length === 0 && !store.propertyGroups.has(String(body.groupName))) {
      problems.push(`property group "${String(body.groupName)}" does not exist`);
    }
    if (problems.length > 0) throw new HubSpotError(400, problems.join('; '), 'VALIDATION_ERROR');
    if (store.catalog.has(name)) {
      throw new HubSpotError(409, `Property named '${name}' already exists.`, 'OBJECT_ALREADY_EXISTS', {
        subCategory: 'PropertyValidationError.PROPERTY_EXISTS',
      });
    }
    const now = service.clock.now();
    const prop: HubSpotPropertyDef = {
      name,
      label: String(body.label),
      type,
      fieldType,
      groupName: String(body.groupName),
      description: typeof body.description === 'string' ? body.description : '',
      options: optionsInput.map((option, i) => ({
        label: String(option.label ?? option.value ?? ''),
        value: String(option.value ?? ''),
        displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : i,
        hidden: option.hidden === true,
      })),
      readOnlyValue: false,
      hubspotDefined: false,
      calculated: false,
      hasUniqueValue: body.hasUniqueValue === true,
      formField: body.formField === true,
      hidden: body.hidden === true,
      displayOrder: typeof body.displayOrder === 'number' ? body.displayOrder : -1,
      createdAt: now,
      updatedAt: now,
    };
    store.catalog.set(name, prop);
    res.status(201).json(propertyToJson(prop));
  });

  crm.patch('/v3/properties/contacts/:propertyName', (req, res) => {
    const prop = store.catalog.get(req.params.propertyName);
    if (!prop) throw new HubSpotError(404, `Unable to find property ${req.params.propertyName}`, 'OBJECT_NOT_FOUND');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (typeof body.label === 'string') prop.label = body.label;
    if (typeof body.description === 'string') prop.description = body.description;
    if (typeof body.groupName === 'string') {
      if (!store.propertyGroups.has(body.groupName)) throw new HubSpotError(400, `property group "${body.groupName}" does not exist`, 'VALIDATION_ERROR');
      prop.groupName = body.groupName;
    }
    if (Array.isArray(body.options)) {
      prop.options = (body.options as Record<string, unknown>[]).map((option, i) => ({
        label: String(option.label ?? option.value ?? ''),
        value: String(option.value ?? ''),
        displayOrder: typeof option.displayOrder === 'number' ? option.displayOrder : i,
        hidden: option.hidden === true,
      }));
    }
    prop.updatedAt = service.clock.now();
    res.json(propertyToJson(prop));
  });

  // ---------------------------------------------------------------- tasks and lists (treatments)

  crm.post('/v3/objects/tasks', (req, res) => {
    res.status(201).json(service.engagements.taskJson(service.engagements.createTask(req.body)));
  });

  crm.post('/v3/objects/tasks/batch/read', (req, res) => {
    const input = (req.body ?? {}) as { inputs?: Array<{ id?: unknown }>; properties?: unknown };
    if (!Array.isArray(input.inputs)) throw new HubSpotError(400, 'Invalid input JSON: inputs is required', 'VALIDATION_ERROR');
    if (input.inputs.length > 100) throw new HubSpotError(400, 'Batch input is limited to 100 inputs', 'VALIDATION_ERROR');
    const names = Array.isArray(input.properties) ? input.properties.map(String) : undefined;
    const results = input.inputs.map((i) => service.engagements.tasks.get(String(i?.id ?? ''))).filter((t) => t !== undefined);
    res.json({ status: 'COMPLETE', results: results.map((t) => service.engagements.taskJson(t, names)) });
  });

  crm.get('/v3/properties/tasks/:propertyName', (req, res) => {
    const prop = service.engagements.taskProperties.get(req.params.propertyName);
    if (!prop) throw new HubSpotError(404, `Unable to find property ${req.params.propertyName}`, 'OBJECT_NOT_FOUND');
    res.json(prop);
  });

  crm.post('/v3/properties/tasks', (req, res) => {
    res.status(201).json(service.engagements.createTaskProperty(req.body));
  });

  crm.get('/v3/objects/tasks/:taskId', (req, res) => {
    const task = service.engagements.tasks.get(req.params.taskId);
    if (!task) throw new HubSpotError(404, 'resource not found', 'OBJECT_NOT_FOUND');
    res.json(service.engagements.taskJson(task));
  });

  crm.put('/v3/lists/:listId/memberships/add', (req, res) => {
    const { recordIdsAdded, recordIdsMissing } = service.engagements.addMembers(req.params.listId, req.body);
    // The v3 lists API spells the added ids `recordsIdsAdded` (sic), as the official client reads them.
    res.json({ recordsIdsAdded: recordIdsAdded, recordIdsMissing, recordIdsRemoved: [] });
  });

  crm.get('/v3/lists/:listId/memberships', (req, res) => {
    const list = service.engagements.lists.get(req.params.listId);
    if (!list) throw new HubSpotError(404, `List ${req.params.listId} does not exist`, 'OBJECT_NOT_FOUND');
    res.json({ results: [...list.members].map((recordId) => ({ recordId })), total: list.members.size });
  });

  crm.use((req: Request, res: Response) => {
    res.status(404).json(errorBody(`No endpoint for ${req.method} /crm${req.path} in the sandbox`, 'OBJECT_NOT_FOUND'));
  });

  crm.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    void _next;
    if (error instanceof HubSpotError) {
      res.status(error.status).json(errorBody(error.message, error.category, error.extra));
      return;
    }
    const parseFailure = error as { type?: string; status?: number; message?: string };
    if (parseFailure.type === 'entity.parse.failed' || parseFailure.status === 400) {
      res.status(400).json(errorBody(`Invalid input JSON on line 1: ${parseFailure.message ?? ''}`, 'VALIDATION_ERROR'));
      return;
    }
    res.status(500).json(errorBody(`internal error: ${(error as Error).message}`, 'INTERNAL_ERROR'));
  });

  router.use('/crm', crm);
  return router;
}
