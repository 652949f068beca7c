import express, { type NextFunction, type Request, type Response, Router } from 'express';
import { crmGate } from '../core/http-gate';
import { CURRENT } from '../core/record-store';
import { handleTokenRequest, type Session } from './salesforce-auth';
import type { SfFields } from './salesforce-generator';
import { SCHEMAS, describeGlobalEntry, describeObject, schemaFor, type SfObjectName, type WritableObject } from './salesforce-schema';
import { API_VERSIONS, type FieldIssue, SalesforceError, type SalesforceService } from './salesforce-service';
import { QueryLocatorError, formatDateTime } from './soql-executor';
import { SoqlError } from './soql-parser';

const COMPOSITE_MAX = 200;
const REPLICATION_WINDOW_MS = 30 * 86_400_000;
const UPDATED_ID_LIMIT = 600_000;

interface SalesforceLocals {
  session: Session;
  version: string;
}

function sfError(errorCode: string, message: string, fields?: string[]): Record<string, unknown>[] {
  return [fields ? { message, errorCode, fields } : { message, errorCode }];
}

export function salesforceEndpointLabel(method: string, path: string): string {
  let p = path.replace(/\/+$/, '').replace(/^\/services\/data\/v\d+\.\d+/, '/services/data/vXX.X');
  p = p.replace(/\/query\/[^/]+$/, '/query/{locator}');
  p = p.replace(/\/sobjects\/(\w+)\/(?!describe$|deleted$|updated$)[^/]+$/, '/sobjects/$1/{id}');
  p = p.replace(/\/Soap\/u\/[\d.]+$/, '/Soap/u/{version}');
  return `${method} ${p}`;
}

function faultBody(status: number, storm: boolean): { body: unknown } {
  // A storm: the org's concurrent long-running request limit is spent (other apps on the same org).
  // Salesforce answers 403 REQUEST_LIMIT_EXCEEDED (stormStatus 403); a gateway's 429 carries the same body.
  if (storm || status === 429) return { body: sfError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.') };
  if (status === 503) return { body: sfError('SERVER_UNAVAILABLE', 'Server temporarily unavailable') };
  if (status >= 500) {
    return { body: sfError('UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)') };
  }
  return { body: sfError('BAD_REQUEST', `Injected failure ${status}`) };
}

function paramsOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const source of [req.query as Record<string, unknown>, (req.body ?? {}) as Record<string, unknown>]) {
    for (const [key, value] of Object.entries(source)) if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/** Salesforce OAuth, SOAP login and the REST resources Corridor uses, for the real jsforce. */
export function salesforceRouter(service: SalesforceService, serverUrl: () => string): Router {
  const router = Router();
  const services = Router();
  const data = Router({ mergeParams: true });

  services.use(
    crmGate({
      stats: service.stats,
      faults: service.faults,
      endpointLabel: (method, path) => salesforceEndpointLabel(method, `/services${path}`),
      faultBody,
    }),
  );

  const loginUrl = (req: Request): string => `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`;
  const instanceUrl = (): string => service.options.instanceUrl ?? serverUrl();

  services.post('/oauth2/token', express.urlencoded({ extended: false }), express.json(), (req, res) => {
    const result = handleTokenRequest(paramsOf(req), service.options, service.sessions, {
      loginUrl: loginUrl(req),
      instanceUrl: instanceUrl(),
      orgId: service.orgId,
      integrationUserId: service.integrationUserId,
    });
    if ('error' in result) {
      res.status(result.status).json({ error: result.error, error_description: result.error_description });
      return;
    }
    res.json(result);
  });

  services.post('/oauth2/revoke', express.urlencoded({ extended: false }), (req, res) => {
    const token = paramsOf(req).token;
    if (token) service.sessions.revoke(token);
    res.status(200).end();
  });

  services.post('/Soap/u/:version', express.text({ type: () => true }), (req, res) => {
    const body = typeof req.body === 'string' ? req.body : '';
    const username = /<username>([^<]*)<\/username>/.exec(body)?.[1];
    const password = /<password>([^<]*)<\/password>/.exec(body)?.[1];
    const unescape = (text: string | undefined): string =>
      (text ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
    const { username: expectedUser, password: expectedPassword, securityToken } = service.options;
    const pw = unescape(password);
    if (unescape(username) !== expectedUser || (pw !== expectedPassword && pw !== `${expectedPassword}${securityToken}`)) {
      res
        .status(500)
        .type('text/xml')
        .send(
          '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>',
        );
      return;
    }
    const session = service.sessions.issue(service.integrationUserId);
    const version = req.params.version;
    res
      .type('text/xml')
      .send(
        `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>` +
          `<metadataServerUrl>${instanceUrl()}/services/Soap/m/${version}/${service.orgId}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>true</sandbox>` +
          `<serverUrl>${instanceUrl()}/services/Soap/u/${version}/${service.orgId}</serverUrl><sessionId>${session.token}</sessionId>` +
          `<userId>${service.integrationUserId}</userId><userInfo><organizationId>${service.orgId}</organizationId><userName>${expectedUser}</userName></userInfo>` +
          `</result></loginResponse></soapenv:Body></soapenv:Envelope>`,
      );
  });

  services.get('/data', (_req, res) => {
    res.json(API_VERSIONS.map((version) => ({ label: `API ${version}`, url: `/services/data/v${version}`, version })));
  });

  services.use('/data/:version', (req: Request, res: Response, next: NextFunction) => {
    const version = String(req.params.version);
    const match = /^v(\d+\.\d)$/.exec(version);
    if (!match || !API_VERSIONS.includes(match[1] as string)) {
      res.status(404).json(sfError('NOT_FOUND', 'The requested resource does not exist'));
      return;
    }
    const header = req.headers.authorization ?? '';
    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(header)?.[1]?.trim();
    const session = token ? service.sessions.use(token) : undefined;
    if (!session) {
      res.status(401).json(sfError('INVALID_SESSION_ID', 'Session expired or invalid'));
      return;
    }
    const now = Date.now();
    const allowed = service.allocation.tryConsume(now);
    const usage = service.apiUsage();
    res.setHeader('Sforce-Limit-Info', `api-usage=${usage.used}/${usage.max}`);
    if (!allowed) {
      res.status(403).json(sfError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'));
      return;
    }
    service.lastApiVersion = match[1] as string;
    (res.locals as SalesforceLocals).session = session;
    (res.locals as SalesforceLocals).version = version;
    next();
  });
  services.use('/data/:version', data);

  data.use(express.json({ limit: '20mb' }));
  const locals = (res: Response): SalesforceLocals => res.locals as SalesforceLocals;

  data.get('/', (req, res) => {
    const base = `/services/data/${locals(res).version}`;
    res.json({
      limits: `${base}/limits`,
      sobjects: `${base}/sobjects`,
      query: `${base}/query`,
      queryAll: `${base}/queryAll`,
      composite: `${base}/composite`,
      identity: `${loginUrl(req)}/id/${service.orgId}/${service.integrationUserId}`,
    });
  });

  data.get('/limits', (_req, res) => {
    const usage = service.apiUsage();
    const fixed = (max: number): { Max: number; Remaining: number } => ({ Max: max, Remaining: max });
    res.json({
      ConcurrentAsyncGetReportInstances: fixed(200),
      ConcurrentSyncReportRuns: fixed(20),
      DailyApiRequests: { Max: usage.max, Remaining: Math.max(0, usage.max - usage.used) },
      DailyAsyncApexExecutions: fixed(250000),
      DailyBulkApiBatches: fixed(15000),
      DailyBulkV2QueryFileStorageMB: fixed(976562),
      DailyBulkV2QueryJobs: fixed(10000),
      DailyGenericStreamingApiEvents: fixed(10000),
      DailyStreamingApiEvents: fixed(10000),
      DataStorageMB: fixed(5),
      FileStorageMB: fixed(20),
      HourlyDashboardRefreshes: fixed(200),
      MonthlyPlatformEventsUsageEntitlement: fixed(0),
      SingleEmail: fixed(15),
    });
  });

  const batchSizeOf = (req: Request): number | undefined => {
    const header = req.headers['sforce-query-options'];
    const match = /batchSize\s*=\s*(\d+)/i.exec(String(header ?? ''));
    return match ? Number(match[1]) : undefined;
  };

  const runQuery = (all: boolean) => (req: Request, res: Response) => {
    const q = req.query.q;
    if (typeof q !== 'string') {
      res.status(400).json(sfError('MALFORMED_QUERY', 'A query string has to be specified'));
      return;
    }
    const page = service.executor.run(q, {
      all,
      version: locals(res).version,
      batchSize: batchSizeOf(req),
      userId: locals(res).session.userId,
    });
    res.json(page);
  };
  data.get('/query', runQuery(false));
  data.get('/queryAll', runQuery(true));
  const more = (req: Request, res: Response): void => {
    res.json(service.executor.more(String(req.params.locator), { version: locals(res).version, batchSize: batchSizeOf(req) }));
  };
  data.get('/query/:locator', more);
  data.get('/queryAll/:locator', more);

  data.get('/sobjects', (_req, res) => {
    const version = locals(res).version;
    res.json({
      encoding: 'UTF-8',
      maxBatchSize: 200,
      sobjects: Object.values(SCHEMAS).map((schema) => describeGlobalEntry(schema, version)),
    });
  });

  const objectOf = (name: string): SfObjectName => {
    const schema = schemaFor(name);
    if (!schema) throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return schema.name;
  };
  const writableOf = (name: string): WritableObject => {
    const object = objectOf(name);
    if (object !== 'Contact' && object !== 'Lead') {
      throw new SalesforceError(403, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
    }
    return object;
  };

  // Task, CampaignMember (treatments): created through REST like any sObject; before the generic routes.
  const engagementCreate = (create: (fields: Record<string, unknown>, userId: string) => { id: string } | { issues: Array<{ errorCode: string; message: string; fields?: string[] }> }) =>
    (req: Request, res: Response): void => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (Object.hasOwn(body, 'Id')) {
        res.status(400).json(sfError('INVALID_FIELD', 'The Id field should not be specified in the sobject data.'));
        return;
      }
      const { attributes: _attributes, ...fields } = body;
      const created = create(fields, locals(res).session.userId);
      if ('issues' in created) {
        res.status(400).json(created.issues.map((i) => ({ message: i.message, errorCode: i.errorCode, fields: i.fields ?? [] })));
        return;
      }
      res.status(201).json({ id: created.id, success: true, errors: [] });
    };
  data.post('/sobjects/Task', engagementCreate((f, u) => service.engagements.createTask(f, u)));
  data.post('/sobjects/CampaignMember', engagementCreate((f, u) => service.engagements.createMember(f, u)));
  const engagementRead = (records: () => Map<string, Record<string, unknown>>, type: string) => (req: Request, res: Response): void => {
    const record = records().get(String(req.params.id));
    if (!record) {
      res.status(404).json(sfError('NOT_FOUND', 'The requested resource does not exist'));
      return;
    }
    // A field the org does not have is not in the answer (the sandbox keeps what was stored before it went).
    const absent = service.absentFields();
    const fields = Object.fromEntries(Object.entries(record).filter(([name]) => !absent.has(`${type}.${name}`)));
    res.json({ attributes: { type, url: `/services/data/${locals(res).version}/sobjects/${type}/${String(req.params.id)}` }, ...fields });
  };
  // Before the record routes: `describe` is not a Task id.
  data.get('/sobjects/:object/describe', (req, res) => {
    const described = describeObject(SCHEMAS[objectOf(String(req.params.object))], locals(res).version);
    const absent = service.absentFields();
    if (absent.size) described.fields = (described.fields as Array<{ name: string }>).filter((f) => !absent.has(`${String(described.name)}.${f.name}`));
    res.json(described);
  });
  data.get('/sobjects/Task/:id', engagementRead(() => service.engagements.tasks, 'Task'));
  data.get('/sobjects/CampaignMember/:id', engagementRead(() => service.engagements.members, 'CampaignMember'));

  const replicationWindow = (req: Request): { start: number; end: number } => {
    const raw = { start: req.query.start, end: req.query.end };
    if (typeof raw.start !== 'string' || typeof raw.end !== 'string') {
      throw new SalesforceError(400, 'MISSING_ARGUMENT', 'Both start and end are required');
    }
    const start = Date.parse(raw.start);
    const end = Date.parse(raw.end);
    if (Number.isNaN(start) || Number.isNaN(end)) {
      throw new SalesforceError(400, 'INVALID_REPLICATION_DATE', 'start and end must be valid dateTime values');
    }
    // Replication works on whole minutes: seconds are dropped from both ends.
    const minute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;
    const now = service.clock.now();
    const s = minute(start);
    const e = minute(Math.min(end, now));
    if (s >= e && start < end) return { start: s, end: s };
    if (start >= end) throw new SalesforceError(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate by more than one minute');
    if (s < now - REPLICATION_WINDOW_MS) {
      throw new SalesforceError(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    }
    return { start: s, end: e };
  };

  data.get('/sobjects/:object/updated', (req, res) => {
    const store = service.storeFor(writableOf(String(req.params.object)));
    const { start, end } = replicationWindow(req);
    const ids: string[] = [];
    if (store && end > start) {
      const scan = store.records.scanByModstamp(CURRENT, 'live', { ms: start, ref: -Infinity }, { ms: end, ref: -Infinity });
      for (let item = scan(); item; item = scan()) {
        ids.push(store.idOf(item.ref));
        if (ids.length > UPDATED_ID_LIMIT) throw new SalesforceError(400, 'EXCEEDED_ID_LIMIT', 'too many ids in the result; narrow the window');
      }
    }
    res.json({ ids, latestDateCovered: formatDateTime(end) });
  });

  data.get('/sobjects/:object/deleted', (req, res) => {
    const store = service.storeFor(writableOf(String(req.params.object)));
    const { start, end } = replicationWindow(req);
    const deletedRecords: { id: string; deletedDate: string }[] = [];
    let earliest = service.clock.now() - 15 * 86_400_000;
    if (store) {
      const all = store.records.scanByModstamp(CURRENT, 'deleted', { ms: -Infinity, ref: -Infinity }, { ms: Infinity, ref: -Infinity });
      const first = all();
      if (first) earliest = Math.min(earliest, first.modstamp);
      if (end > start) {
        const scan = store.records.scanByModstamp(CURRENT, 'deleted', { ms: start, ref: -Infinity }, { ms: end, ref: -Infinity });
        for (let item = scan(); item; item = scan()) {
          if (item.version?.data.purged) continue;
          deletedRecords.push({ id: store.idOf(item.ref), deletedDate: formatDateTime(item.modstamp) });
        }
      }
    }
    res.json({
      deletedRecords,
      earliestDateAvailable: formatDateTime(Math.floor(earliest / 60_000) * 60_000),
      latestDateCovered: formatDateTime(end),
    });
  });

  data.get('/sobjects/:object/:id', (req, res) => {
    const object = objectOf(String(req.params.object));
    const id = String(req.params.id);
    const fields = service.readRecord(object, id);
    if (!fields) {
      res.status(404).json(sfError('NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`));
      return;
    }
    if (fields.IsDeleted === true) {
      res.status(404).json(sfError('ENTITY_IS_DELETED', 'entity is deleted'));
      return;
    }
    const only = typeof req.query.fields === 'string' ? req.query.fields.split(',').map((f) => f.trim()) : undefined;
    res.json(service.formatRecord(object, fields, locals(res).version, only));
  });

  const respondIssues = (res: Response, issues: FieldIssue[], status = 400): void => {
    res.status(status).json(issues.map((i) => ({ message: i.message, errorCode: i.errorCode, fields: i.fields })));
  };

  data.patch('/sobjects/:object/:id', (req, res) => {
    const object = writableOf(String(req.params.object));
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (Object.hasOwn(body, 'Id') || Object.hasOwn(body, 'id')) {
      res.status(400).json(sfError('INVALID_FIELD', 'The Id field should not be specified in the sobject data.'));
      return;
    }
    const { values, issues } = service.checkFields(object, body);
    const requestLevel = issues.filter((i) => i.level === 'request');
    if (requestLevel.length > 0) return respondIssues(res, requestLevel);
    const target = service.checkTarget(object, String(req.params.id));
    if (target.issue) {
      if (target.issue.errorCode === 'MALFORMED_ID' || target.issue.errorCode === 'INVALID_CROSS_REFERENCE_KEY') {
        res.status(404).json(sfError('NOT_FOUND', 'The requested resource does not exist'));
        return;
      }
      return respondIssues(res, [target.issue], target.issue.status);
    }
    if (issues.length > 0) return respondIssues(res, issues);
    service.stores[object].update(target.ref as number, values, { userId: locals(res).session.userId, api: true });
    res.status(204).end();
  });

  data.delete('/sobjects/:object/:id', (req, res) => {
    const store = service.stores[writableOf(String(req.params.object))];
    const ref = store.refOf(String(req.params.id));
    const record = ref === undefined ? undefined : store.record(ref);
    if (ref === undefined || !record) {
      res.status(404).json(sfError('NOT_FOUND', 'The requested resource does not exist'));
      return;
    }
    if (record.IsDeleted === true) {
      res.status(404).json(sfError('ENTITY_IS_DELETED', 'entity is deleted'));
      return;
    }
    store.delete(ref, { userId: locals(res).session.userId, api: true });
    res.status(204).end();
  });

  data.post('/sobjects/:object', (req, res) => {
    const object = writableOf(String(req.params.object));
    const { values, issues } = service.checkFields(object, (req.body ?? {}) as Record<string, unknown>);
    if (issues.length > 0) return respondIssues(res, issues);
    if (values.LastName === undefined || values.LastName === null) {
      return respondIssues(res, [{ level: 'record', errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [LastName]', fields: ['LastName'] }]);
    }
    const defaults: SfFields = object === 'Lead' ? { Status: 'Open - Not Contacted', IsConverted: false, HasOptedOutOfEmail: false } : { HasOptedOutOfEmail: false };
    if (object === 'Lead' && !values.Company) {
      return respondIssues(res, [{ level: 'record', errorCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Company]', fields: ['Company'] }]);
    }
    const id = service.stores[object].create({ ...defaults, ...values }, { userId: locals(res).session.userId, api: true });
    res.status(201).json({ id, success: true, errors: [] });
  });

  data.patch('/composite/sobjects', (req, res) => {
    const body = (req.body ?? {}) as { allOrNone?: unknown; records?: unknown };
    if (!Array.isArray(body.records)) {
      res.status(400).json(sfError('JSON_PARSER_ERROR', 'records is required and must be an array'));
      return;
    }
    const records = body.records as Record<string, unknown>[];
    if (records.length > COMPOSITE_MAX) {
      res.status(400).json(sfError('EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${COMPOSITE_MAX} records into this call`));
      return;
    }
    const allOrNone = body.allOrNone === true;
    const recordMode = service.options.compositeUnknownFieldMode === 'record';
    interface Planned {
      id?: string;
      object?: WritableObject;
      ref?: number;
      values?: SfFields;
      errors: { statusCode: string; message: string; fields: string[] }[];
    }
    const planned: Planned[] = [];
    for (const record of records) {
      const attributes = (record?.attributes ?? {}) as { type?: unknown };
      const rawId = record?.id ?? record?.Id;
      const id = typeof rawId === 'string' ? rawId : undefined;
      const schema = typeof attributes.type === 'string' ? schemaFor(attributes.type) : undefined;
      if (!schema) {
        res.status(400).json(sfError('INVALID_TYPE', 'When using the sObject Collections API, each object must specify a valid type in attributes'));
        return;
      }
      if (schema.name !== 'Contact' && schema.name !== 'Lead') {
        planned.push({ id, errors: [{ statusCode: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'insufficient access rights on object id', fields: [] }] });
        continue;
      }
      const object = schema.name;
      const fieldsInput: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(record)) if (key !== 'id' && key !== 'Id' && key !== 'attributes') fieldsInput[key] = value;
      const { values, issues } = service.checkFields(object, fieldsInput);
      const requestLevel = issues.filter((i) => i.level === 'request' && !(recordMode && i.errorCode === 'INVALID_FIELD'));
      if (requestLevel.length > 0) return respondIssues(res, requestLevel);
      const entry: Planned = { id, object, values, errors: [] };
      if (!id) {
        entry.errors.push({ statusCode: 'MISSING_ARGUMENT', message: 'Id not specified in an update call', fields: [] });
      } else {
        const target = service.checkTarget(object, id);
        if (target.issue) entry.errors.push({ statusCode: target.issue.errorCode, message: target.issue.message, fields: target.issue.fields });
        else entry.ref = target.ref;
      }
      for (const issue of issues) entry.errors.push({ statusCode: issue.errorCode, message: issue.message, fields: issue.fields });
      planned.push(entry);
    }
    const anyFailed = planned.some((p) => p.errors.length > 0);
    const userId = locals(res).session.userId;
    const results = planned.map((p) => {
      if (p.errors.length > 0) return { success: false, errors: p.errors };
      if (allOrNone && anyFailed) {
        return {
          id: p.id,
          success: false,
          errors: [
            {
              statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
              message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
              fields: [],
            },
          ],
        };
      }
      const store = service.stores[p.object as WritableObject];
      store.update(p.ref as number, p.values ?? {}, { userId, api: true });
      return { id: store.idOf(p.ref as number), success: true, errors: [] };
    });
    res.json(results);
  });

  data.use((req: Request, res: Response) => {
    res.status(404).json(sfError('NOT_FOUND', `The requested resource does not exist: ${req.method} ${req.originalUrl}`));
  });

  const errorHandler = (error: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    void _next;
    if (error instanceof SoqlError) {
      res.status(400).json(sfError(error.errorCode, error.message));
      return;
    }
    if (error instanceof QueryLocatorError) {
      res.status(400).json(sfError('INVALID_QUERY_LOCATOR', 'invalid query locator'));
      return;
    }
    if (error instanceof SalesforceError) {
      res.status(error.status).json(sfError(error.errorCode, error.message, error.fields.length > 0 ? error.fields : undefined));
      return;
    }
    const parseFailure = error as { type?: string; message?: string };
    if (parseFailure.type === 'entity.parse.failed') {
      res.status(400).json(sfError('JSON_PARSER_ERROR', `Unexpected character: ${parseFailure.message ?? ''}`));
      return;
    }
    res.status(500).json(sfError('UNKNOWN_EXCEPTION', `An unexpected error occurred: ${(error as Error).message}`));
  };
  data.use(errorHandler);
  services.use(errorHandler);

  // Identity URL (the `id` of the token response), used by jsforce's identity().
  router.get('/id/:orgId/:userId', (req, res) => {
    const header = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = header ?? (typeof req.query.oauth_token === 'string' ? req.query.oauth_token : undefined);
    const session = token ? service.sessions.use(token) : undefined;
    if (!session) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const user = service.generator.userById(String(req.params.userId));
    if (String(req.params.orgId) !== service.orgId || !user) {
      res.status(404).type('text/plain').send('Bad_Id');
      return;
    }
    const base = instanceUrl();
    const version = service.lastApiVersion;
    res.json({
      id: `${loginUrl(req)}/id/${service.orgId}/${String(user.Id)}`,
      asserted_user: true,
      user_id: user.Id,
      organization_id: service.orgId,
      username: user.Username,
      nick_name: String(user.Username).split('@')[0],
      display_name: user.Name,
      email: user.Email,
      email_verified: true,
      active: true,
      user_type: 'STANDARD',
      language: 'en_US',
      locale: 'en_US',
      utcOffset: 0,
      urls: {
        rest: `${base}/services/data/v{version}/`,
        sobjects: `${base}/services/data/v{version}/sobjects/`,
        query: `${base}/services/data/v{version}/query/`,
        limits: `${base}/services/data/v${version}/limits/`,
      },
      is_app_installed: true,
    });
  });

  router.use('/services', services);
  return router;
}
