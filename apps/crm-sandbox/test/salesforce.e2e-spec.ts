import * as jsforce from 'jsforce';
import { type CrmSandbox, startCrmSandbox } from '../src/sandbox-server';
import {
  DEFAULT_SALESFORCE_CLIENT_ID,
  DEFAULT_SALESFORCE_CLIENT_SECRET,
  DEFAULT_SALESFORCE_PASSWORD,
  DEFAULT_SALESFORCE_USERNAME,
  DEFAULT_SALESFORCE_WEBHOOK_SECRET,
  type SandboxOptionsInput,
} from '../src/sandbox-options';
import { type Receiver, rejection, startReceiver } from './helpers';

jest.setTimeout(60_000);

const CONTACTS = 5000;
const OPTIONS: SandboxOptionsInput = {
  port: 0,
  hubspot: { contacts: 10 },
  salesforce: { contacts: CONTACTS, leads: 1500 },
};
const SYNC_SOQL =
  'SELECT Id, Email, FirstName, LastName, Title, MailingCountry, Account.Name, Account.Industry, Account.AnnualRevenue, ' +
  'Account.NumberOfEmployees, LastModifiedById, SystemModstamp FROM Contact WHERE SystemModstamp >= 2024-01-01T00:00:00Z ' +
  'ORDER BY SystemModstamp, Id';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/;

type Row = Record<string, unknown> & { Id: string };

describe('Salesforce sandbox, driven by the real jsforce', () => {
  let sandbox: CrmSandbox;
  let conn: jsforce.Connection;

  const connect = (): jsforce.Connection =>
    new jsforce.Connection({
      loginUrl: sandbox.url,
      version: '59.0',
      oauth2: { clientId: DEFAULT_SALESFORCE_CLIENT_ID, clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET, loginUrl: sandbox.url },
    });

  beforeAll(async () => {
    sandbox = await startCrmSandbox(OPTIONS);
  });
  beforeEach(async () => {
    sandbox.admin.reset(OPTIONS);
    sandbox.admin.useRealClock();
    conn = connect();
    await conn.login(DEFAULT_SALESFORCE_USERNAME, DEFAULT_SALESFORCE_PASSWORD);
  });
  afterAll(() => sandbox?.close());

  it('logs in with the OAuth password grant; bad credentials are invalid_grant', async () => {
    expect(conn.instanceUrl).toBe(sandbox.url);
    expect(conn.userInfo).toMatchObject({ id: sandbox.admin.salesforce.integrationUserId, organizationId: sandbox.admin.salesforce.orgId });
    const bad = await rejection(connect().login(DEFAULT_SALESFORCE_USERNAME, 'wrong'));
    expect(bad).toMatchObject({ name: 'invalid_grant', message: 'authentication failure' });
    const raw = await fetch(`${sandbox.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: DEFAULT_SALESFORCE_CLIENT_ID,
        client_secret: DEFAULT_SALESFORCE_CLIENT_SECRET,
        username: DEFAULT_SALESFORCE_USERNAME,
        password: `${DEFAULT_SALESFORCE_PASSWORD}sandboxSecurityToken`,
      }).toString(),
    });
    const token = (await raw.json()) as Record<string, string>;
    expect(Object.keys(token).sort()).toEqual(['access_token', 'id', 'instance_url', 'issued_at', 'scope', 'signature', 'token_type']);
    expect(token.id).toBe(`${sandbox.url}/id/${sandbox.admin.salesforce.orgId}/${sandbox.admin.salesforce.integrationUserId}`);
  });

  it('supports the client-credentials flow', async () => {
    const cc = connect();
    const user = await cc.authorize({ grant_type: 'client_credentials' });
    expect(user.id).toBe(sandbox.admin.salesforce.integrationUserId);
    const result = await cc.query('SELECT COUNT() FROM Contact');
    expect(result.totalSize).toBe(CONTACTS);
  });

  it('query + queryMore walk every contact in batches of 2,000, ordered by SystemModstamp, Id', async () => {
    const first = await conn.query<Row>(SYNC_SOQL);
    expect(first).toMatchObject({ totalSize: CONTACTS, done: false });
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/query\/01g[0-9A-Za-z]{15}-2000$/);
    const raw = (await conn.request(`/query?q=${encodeURIComponent(SYNC_SOQL)}`)) as { nextRecordsUrl: string; records: unknown[] };
    expect(raw.nextRecordsUrl).toMatch(/^\/services\/data\/v59\.0\/query\/01g[0-9A-Za-z]{15}-2000$/);
    const all = [...first.records];
    let next = first.nextRecordsUrl;
    while (next) {
      const page = await conn.queryMore<Row>(next);
      all.push(...page.records);
      next = page.done ? undefined : page.nextRecordsUrl;
    }
    expect(all).toHaveLength(CONTACTS);
    expect(new Set(all.map((r) => r.Id)).size).toBe(CONTACTS);
    const keys = all.map((r) => `${String(r.SystemModstamp)}|${r.Id}`);
    expect(keys).toEqual([...keys].sort());
    const stamps = all.map((r) => String(r.SystemModstamp));
    expect(stamps.every((s) => TIMESTAMP.test(s))).toBe(true);
    expect(new Set(stamps).size).toBeLessThan(CONTACTS);

    const small = await conn.query<Row>(SYNC_SOQL, { headers: { 'Sforce-Query-Options': 'batchSize=500' } });
    expect(small.records).toHaveLength(500);
    expect(small.nextRecordsUrl).toMatch(/-500$/);
    const limited = await conn.query<Row>(`${SYNC_SOQL} LIMIT 2500`);
    expect(limited).toMatchObject({ totalSize: 2500, done: false });
  });

  it('records carry attributes, relationship fields as nested objects, and second-precision timestamps', async () => {
    const result = await conn.query<Row>(`${SYNC_SOQL} LIMIT 200`);
    const withAccount = result.records.find((r) => r.Account !== null) as Row;
    expect(withAccount.attributes).toEqual({ type: 'Contact', url: `/services/data/v59.0/sobjects/Contact/${withAccount.Id}` });
    expect(withAccount.Account).toMatchObject({
      attributes: { type: 'Account', url: expect.stringMatching(/^\/services\/data\/v59\.0\/sobjects\/Account\/001/) },
      Name: expect.any(String),
    });
    expect(Object.keys(withAccount.Account as object)).toEqual(['attributes', 'Name', 'Industry', 'AnnualRevenue', 'NumberOfEmployees']);
    expect(result.records.some((r) => r.Account === null)).toBe(true);
    const stamp = String(withAccount.SystemModstamp);
    const iso = stamp.replace('+0000', 'Z');
    const same = await conn.query(`SELECT COUNT() FROM Contact WHERE SystemModstamp = ${iso}`);
    expect(same.totalSize).toBeGreaterThanOrEqual(1);
    const clustered = await conn.query<Row>(`SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp >= 2024-01-01T00:00:00Z ORDER BY SystemModstamp, Id LIMIT 2000`);
    const counts = new Map<string, number>();
    for (const r of clustered.records) counts.set(String(r.SystemModstamp), (counts.get(String(r.SystemModstamp)) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBeGreaterThan(1);
  });

  it('query cursors expire', async () => {
    const first = await conn.query<Row>(SYNC_SOQL);
    sandbox.admin.advanceClock(16 * 60 * 1000);
    const expired = await rejection(conn.queryMore(first.nextRecordsUrl as string));
    expect(expired).toMatchObject({ errorCode: 'INVALID_QUERY_LOCATOR' });
  });

  it('reports SOQL errors as the REST API does', async () => {
    const quoted = await rejection(conn.query("SELECT Id FROM Contact WHERE SystemModstamp >= '2026-01-01T00:00:00Z'"));
    expect(quoted).toMatchObject({ errorCode: 'INVALID_QUERY_FILTER_OPERATOR' });
    expect(String(quoted.message)).toContain('ERROR at Row:1:Column:');
    expect(await rejection(conn.query('SELECT Id, Persona FROM Contact'))).toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect(await rejection(conn.query("SELECT Id FROM Contact WHERE Email = 'a' AND Title = 'b' OR Title = 'c'"))).toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
    expect(await rejection(conn.query('SELECT Id FROM Widget__c'))).toMatchObject({ errorCode: 'INVALID_TYPE' });
  });

  it('describes Contact and Lead with types, picklists, custom fields and relationships', async () => {
    const contact = await conn.sobject('Contact').describe();
    const fields = new Map(contact.fields.map((f) => [f.name, f]));
    expect(fields.get('Corridor_Persona__c')).toMatchObject({ type: 'string', custom: true, updateable: true });
    expect(fields.get('Loyalty_Tier__c')?.picklistValues?.map((p) => p.value)).toEqual(['Bronze', 'Silver', 'Gold', 'Platinum']);
    expect(fields.get('AccountId')).toMatchObject({ type: 'reference', relationshipName: 'Account', referenceTo: ['Account'] });
    expect(fields.get('SystemModstamp')).toMatchObject({ type: 'datetime', updateable: false });
    const lead = await conn.sobject('Lead').describe();
    expect(lead.fields.find((f) => f.name === 'IsConverted')).toMatchObject({ type: 'boolean', updateable: false });
    expect(lead.keyPrefix).toBe('00Q');
  });

  it('an org without a field (absentFields): describe omits it, SOQL and writes naming it are INVALID_FIELD; configure brings it back', async () => {
    sandbox.admin.configure({ salesforce: { absentFields: ['Contact.Corridor_Persona__c'] } } as never);
    try {
      const contact = await conn.sobject('Contact').describe();
      expect(contact.fields.map((f) => f.name)).not.toContain('Corridor_Persona__c');
      expect(contact.fields.map((f) => f.name)).toContain('Corridor_Strategy__c');
      expect((await conn.sobject('Lead').describe()).fields.map((f) => f.name)).toContain('Corridor_Persona__c');
      expect(await rejection(conn.query('SELECT Id, Corridor_Persona__c FROM Contact'))).toMatchObject({ errorCode: 'INVALID_FIELD' });
      const id = sandbox.admin.salesforce.idForIndex('Contact', 1);
      expect(await rejection(conn.sobject('Contact').update([{ Id: id, Corridor_Persona__c: 'x' }]))).toMatchObject({ errorCode: 'INVALID_FIELD' });
    } finally {
      sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
    }
    expect((await conn.query('SELECT Id, Corridor_Persona__c FROM Contact LIMIT 1')).records).toHaveLength(1);
  });

  it('Task without Corridor_Delivery_Id__c (absentFields): describe omits it, a create naming it is INVALID_FIELD, one without it is made; configure brings it back', async () => {
    const who = sandbox.admin.salesforce.idForIndex('Contact', 2);
    const withField = (await conn.sobject('Task').describe()).fields.find((f) => f.name === 'Corridor_Delivery_Id__c');
    expect(withField).toMatchObject({ type: 'string', length: 64, custom: true, createable: true, filterable: true });
    sandbox.admin.configure({ salesforce: { absentFields: ['Task.Corridor_Delivery_Id__c'] } } as never);
    try {
      expect((await conn.sobject('Task').describe()).fields.map((f) => f.name)).not.toContain('Corridor_Delivery_Id__c');
      expect(await rejection(conn.sobject('Task').create({ Subject: 'stamped', WhoId: who, Corridor_Delivery_Id__c: 'k-1' }))).toMatchObject({ errorCode: 'INVALID_FIELD' });
      expect(await rejection(conn.query(`SELECT Id FROM Task WHERE Corridor_Delivery_Id__c = 'k-1'`))).toMatchObject({ errorCode: 'INVALID_FIELD' });
      const made = (await conn.sobject('Task').create({ Subject: 'unstamped', WhoId: who })) as { id: string; success: boolean };
      expect(made.success).toBe(true);
      const read = (await conn.sobject('Task').retrieve(made.id)) as Record<string, unknown>;
      expect(read).toMatchObject({ Subject: 'unstamped' });
      expect(read).not.toHaveProperty('Corridor_Delivery_Id__c');
    } finally {
      sandbox.admin.configure({ salesforce: { absentFields: [] } } as never);
    }
    const stamped = (await conn.sobject('Task').create({ Subject: 'stamped', WhoId: who, Corridor_Delivery_Id__c: 'k-2' })) as { id: string };
    expect((await conn.query(`SELECT Id FROM Task WHERE Corridor_Delivery_Id__c = 'k-2'`)).records.map((r) => r.Id)).toEqual([stamped.id]);
  });

  it('composite update: results in request order; converted leads and bad ids fail alone; writes are attributed', async () => {
    sandbox.admin.setClock('2026-11-20T08:30:15.250Z');
    const [a, b] = [sandbox.admin.salesforce.idForIndex('Contact', 3), sandbox.admin.salesforce.idForIndex('Contact', 4)];
    const results = await conn.sobject('Contact').update([
      { Id: a, Corridor_Persona__c: 'Loyal Regular', Corridor_Strategy__c: 'retain' },
      { Id: '003xx000004TmiQAAS', Corridor_Persona__c: 'x' },
      { Id: b, Corridor_Persona__c: 'Budget Buyer' },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[0]).toEqual({ id: a, success: true, errors: [] });
    expect((results[1] as { errors: { statusCode: string }[] }).errors[0]?.statusCode).toBe('MALFORMED_ID');
    const stored = sandbox.admin.salesforce.getRecord('Contact', a);
    const integration = sandbox.admin.salesforce.integrationUserId;
    expect(stored.fields).toMatchObject({
      Corridor_Persona__c: 'Loyal Regular',
      LastModifiedById: integration,
      SystemModstamp: '2026-11-20T08:30:15.000+0000',
      LastModifiedDate: '2026-11-20T08:30:15.000+0000',
    });
    expect(stored.writes.Corridor_Persona__c).toMatchObject({ value: 'Loyal Regular', by: integration });

    // Writing the same value again still bumps the stamps.
    sandbox.admin.advanceClock(5000);
    await conn.sobject('Contact').update({ Id: a, Corridor_Persona__c: 'Loyal Regular' });
    expect(sandbox.admin.salesforce.getRecord('Contact', a).fields.SystemModstamp).toBe('2026-11-20T08:30:20.000+0000');

    const converted = await conn.query<Row>('SELECT Id FROM Lead WHERE IsConverted = true LIMIT 1');
    const leadResult = await conn.sobject('Lead').update([{ Id: converted.records[0]!.Id, Corridor_Persona__c: 'x' }]);
    expect(leadResult[0]).toMatchObject({ success: false, errors: [{ statusCode: 'CANNOT_UPDATE_CONVERTED_LEAD' }] });

    const rolledBack = await conn.sobject('Contact').update(
      [
        { Id: b, Corridor_Persona__c: 'never' },
        { Id: a, Email: 'not-an-email' },
      ],
      { allOrNone: true },
    );
    expect(rolledBack.map((r) => (r as { errors: { statusCode: string }[] }).errors[0]?.statusCode)).toEqual([
      'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      'INVALID_EMAIL_ADDRESS',
    ]);
    expect(sandbox.admin.salesforce.getRecord('Contact', b).fields.Corridor_Persona__c).toBe('Budget Buyer');

    const unknown = await rejection(conn.sobject('Contact').update([{ Id: a, Persona__c: 'x' }]));
    expect(unknown).toMatchObject({ errorCode: 'INVALID_FIELD' });
    const readOnly = await conn.sobject('Contact').update([{ Id: a, SystemModstamp: '2026-01-01T00:00:00Z' }]);
    expect(readOnly[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['SystemModstamp'] }] });
    const tooMany = await rejection(
      conn.request({
        method: 'PATCH',
        url: '/composite/sobjects',
        body: JSON.stringify({ records: Array.from({ length: 201 }, () => ({ attributes: { type: 'Contact' }, id: a })) }),
        headers: { 'content-type': 'application/json' },
      }),
    );
    expect(tooMany).toMatchObject({ errorCode: 'EXCEEDED_ID_LIMIT' });
  });

  it('getDeleted, getUpdated and queryAll report deletions and changes', async () => {
    const start = Date.parse('2026-11-10T10:00:00.000Z');
    sandbox.admin.setClock(start);
    const deleted = sandbox.admin.salesforce.idForIndex('Contact', 10);
    const updated = sandbox.admin.salesforce.idForIndex('Contact', 11);
    sandbox.admin.advanceClock(30_000);
    sandbox.admin.salesforce.deleteRecord('Contact', deleted);
    sandbox.admin.salesforce.updateRecord('Contact', updated, { Title: 'VP Growth' }, { as: 'automation' });
    sandbox.admin.advanceClock(5 * 60_000);
    const end = new Date(start + 3 * 60_000);
    const gone = await conn.sobject('Contact').deleted(new Date(start), end);
    expect(gone.deletedRecords).toEqual([{ id: deleted, deletedDate: '2026-11-10T10:00:30.000+0000' }]);
    expect(gone.latestDateCovered).toBe('2026-11-10T10:03:00.000+0000');
    const changed = await conn.sobject('Contact').updated(new Date(start), end);
    expect(changed.ids).toEqual([updated]);
    const automation = sandbox.admin.salesforce.getRecord('Contact', updated).fields;
    expect(automation.SystemModstamp).toBe('2026-11-10T10:00:30.000+0000');
    expect(automation.LastModifiedDate).not.toBe(automation.SystemModstamp);

    const all = await conn.query<Row>('SELECT Id, IsDeleted FROM Contact WHERE IsDeleted = true', { scanAll: true });
    expect(all.records.map((r) => [r.Id, r.IsDeleted])).toEqual([[deleted, true]]);
    expect((await conn.query('SELECT Id FROM Contact WHERE IsDeleted = true')).totalSize).toBe(0);
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(CONTACTS - 1);
    expect(await rejection(conn.sobject('Contact').deleted(new Date(start - 40 * 86_400_000), end))).toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
    });
  });

  it('reports limits: /limits, Sforce-Limit-Info, and 403 REQUEST_LIMIT_EXCEEDED when spent', async () => {
    const limits = (await conn.request('/limits')) as { DailyApiRequests: { Max: number; Remaining: number } };
    expect(limits.DailyApiRequests.Max).toBe(100_000);
    expect(limits.DailyApiRequests.Remaining).toBeLessThan(100_000);
    await conn.query('SELECT COUNT() FROM Contact');
    expect(conn.limitInfo.apiUsage).toMatchObject({ limit: 100_000, used: 100_000 - limits.DailyApiRequests.Remaining + 1 });
    sandbox.admin.salesforce.consumeApiRequests(100_000);
    const spent = await rejection(conn.query('SELECT COUNT() FROM Contact'));
    expect(spent).toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' });
  });

  it('expired sessions answer 401 INVALID_SESSION_ID and jsforce logs in again', async () => {
    await conn.query('SELECT COUNT() FROM Contact');
    sandbox.admin.salesforce.expireSessions();
    const raw = await fetch(`${sandbox.url}/services/data/v59.0/limits`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const before = sandbox.admin.stats().salesforce.byEndpoint['POST /services/oauth2/token'];
    const result = await conn.query('SELECT COUNT() FROM Contact');
    expect(result.totalSize).toBe(CONTACTS);
    expect(sandbox.admin.stats().salesforce.byEndpoint['POST /services/oauth2/token']).toBe((before ?? 0) + 1);
    sandbox.admin.advanceClock(2 * 60 * 60 * 1000 + 1);
    expect((await conn.query('SELECT COUNT() FROM Lead')).totalSize).toBe(1500);
  });

  it('converts a lead into a contact through the admin API', async () => {
    const open = await conn.query<Row>('SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1');
    const leadId = open.records[0]!.Id;
    const { contactId } = sandbox.admin.salesforce.convertLead(leadId);
    const lead = await conn.query<Row>(`SELECT IsConverted, ConvertedContactId, ConvertedContact.Email, Status FROM Lead WHERE Id = '${leadId}'`);
    expect(lead.records[0]).toMatchObject({ IsConverted: true, ConvertedContactId: contactId, Status: 'Closed - Converted' });
    const contact = await conn.query<Row>(`SELECT Id FROM Contact WHERE Id = '${contactId}'`);
    expect(contact.totalSize).toBe(1);
  });

  it('jsforce retries a GET that failed with 503', async () => {
    sandbox.admin.failNext('salesforce', { path: '/query', status: 503 });
    const result = await conn.query('SELECT COUNT() FROM Contact');
    expect(result.totalSize).toBe(CONTACTS);
    expect(sandbox.admin.stats().salesforce.byStatus['503']).toBe(1);
  });

  describe('change notifications', () => {
    let receiver: Receiver;
    beforeEach(async () => {
      receiver = await startReceiver();
      sandbox.admin.configure({ salesforce: { webhooks: { targetUrl: receiver.url, autoEmit: true, retryDelayMs: 10 } } });
    });
    afterEach(() => receiver.close());

    it('posts CDC-like JSON with the shared secret for admin and API changes', async () => {
      const id = sandbox.admin.salesforce.idForIndex('Contact', 1);
      sandbox.admin.salesforce.updateRecord('Contact', id, { Title: 'Head of Data' });
      await conn.sobject('Contact').update([{ Id: id, Corridor_Persona__c: 'x' }]);
      await sandbox.admin.salesforce.flushChangeNotifications();
      const bodies = receiver.received.map((r) => JSON.parse(r.body) as { orgId: string; changes: Record<string, unknown>[] });
      const changes = bodies.flatMap((b) => b.changes);
      expect(changes).toEqual([
        expect.objectContaining({ changeType: 'UPDATE', entityName: 'Contact', recordIds: [id], changedFields: ['Title'], changeOrigin: 'com/salesforce/ui' }),
        expect.objectContaining({ changeType: 'UPDATE', recordIds: [id], changedFields: ['Corridor_Persona__c'], changeOrigin: 'com/salesforce/api/rest/59.0' }),
      ]);
      expect(receiver.received.every((r) => r.headers['x-corridor-webhook-secret'] === DEFAULT_SALESFORCE_WEBHOOK_SECRET)).toBe(true);
      expect(bodies[0]?.orgId).toBe(sandbox.admin.salesforce.orgId);
    });
  });
});
