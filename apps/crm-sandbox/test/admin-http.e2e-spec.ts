import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import * as jsforce from 'jsforce';
import { type CrmSandbox, startCrmSandbox } from '../src/sandbox-server';
import {
  DEFAULT_HUBSPOT_TOKEN,
  DEFAULT_SALESFORCE_CLIENT_ID,
  DEFAULT_SALESFORCE_CLIENT_SECRET,
  DEFAULT_SALESFORCE_PASSWORD,
  DEFAULT_SALESFORCE_USERNAME,
  type SandboxOptionsInput,
} from '../src/sandbox-options';

jest.setTimeout(60_000);

const OPTIONS: SandboxOptionsInput = { port: 0, hubspot: { contacts: 200, searchLagMs: 0 }, salesforce: { contacts: 200, leads: 100 } };

describe('admin HTTP API (/_sandbox)', () => {
  let sandbox: CrmSandbox;

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const hubspot = (path: string): Promise<Response> =>
    fetch(`${sandbox.url}${path}`, { headers: { authorization: `Bearer ${DEFAULT_HUBSPOT_TOKEN}` } });

  beforeAll(async () => {
    sandbox = await startCrmSandbox(OPTIONS);
  });
  beforeEach(() => {
    sandbox.admin.reset(OPTIONS);
    sandbox.admin.useRealClock();
  });
  afterAll(() => sandbox?.close());

  it('resets and configures, sets the clock, counts requests', async () => {
    expect((await call('GET', '/_sandbox/health')).json).toMatchObject({ ok: true });
    const reset = await call('POST', '/_sandbox/reset', { ...OPTIONS, hubspot: { contacts: 50 } });
    expect(reset.json.hubspot.contacts).toBe(50);
    const clock = await call('POST', '/_sandbox/clock', { set: '2026-11-01T00:00:00.000Z' });
    expect(clock.json).toMatchObject({ iso: '2026-11-01T00:00:00.000Z', frozen: true });
    expect((await call('POST', '/_sandbox/clock', { advanceMs: 1500 })).json.iso).toBe('2026-11-01T00:00:01.500Z');
    await call('PATCH', '/_sandbox/config', { hubspot: { rateLimits: { burstMax: 1 } } });
    expect((await hubspot('/crm/v3/objects/contacts?limit=1')).status).toBe(200);
    const limited = await hubspot('/crm/v3/objects/contacts?limit=1');
    expect(limited.status).toBe(429);
    const stats = await call('GET', '/_sandbox/stats');
    expect(stats.json.hubspot).toMatchObject({ total: 2, rateLimited: 1, byEndpoint: { 'GET /crm/v3/objects/contacts': 2 } });
    await call('POST', '/_sandbox/stats/reset');
    expect((await call('GET', '/_sandbox/stats')).json.hubspot.total).toBe(0);
  });

  it('injects faults on the next matching requests', async () => {
    await call('POST', '/_sandbox/faults/fail-next', { crm: 'hubspot', path: '/crm/v3/objects/contacts', status: 502, count: 2 });
    expect((await hubspot('/crm/v3/objects/contacts')).status).toBe(502);
    expect((await hubspot('/crm/v3/objects/contacts')).status).toBe(502);
    expect((await hubspot('/crm/v3/objects/contacts')).status).toBe(200);
    await call('PATCH', '/_sandbox/config', { hubspot: { faults: { errorRate: 1, errorStatuses: [503] } } });
    expect((await hubspot('/crm/v3/objects/contacts')).status).toBe(503);
    await call('DELETE', '/_sandbox/faults');
    expect((await hubspot('/crm/v3/objects/contacts')).status).toBe(200);
  });

  it('creates, updates, archives, restores, merges and reads HubSpot contacts', async () => {
    const created = await call('POST', '/_sandbox/hubspot/contacts', { properties: { email: 'new.person@example.com', firstname: 'New' } });
    expect(created.status).toBe(200);
    const id = created.json.id as string;
    const updated = await call('PATCH', `/_sandbox/hubspot/contacts/${id}`, { properties: { jobtitle: 'Buyer' }, by: 'user:dana' });
    expect(updated.json.writes.jobtitle).toMatchObject({ value: 'Buyer', by: 'user:dana' });
    expect((await call('DELETE', `/_sandbox/hubspot/contacts/${id}`)).status).toBe(204);
    expect((await call('GET', `/_sandbox/hubspot/contacts/${id}`)).json).toMatchObject({ archived: true });
    expect((await call('POST', `/_sandbox/hubspot/contacts/${id}/restore`)).json).toMatchObject({ archived: false });
    const other = (await call('GET', '/_sandbox/hubspot/index/3')).json.id as string;
    const merged = await call('POST', '/_sandbox/hubspot/contacts/merge', { primaryObjectId: id, objectIdToMerge: other });
    expect(merged.json.properties.hs_merged_object_ids.split(';').sort()).toEqual([id, other].sort());
    expect((await call('GET', `/_sandbox/hubspot/contacts/${other}`)).json.mergedInto).toBe(merged.json.id);
    const touched = await call('POST', '/_sandbox/hubspot/contacts/touch', { fromIndex: 10, toIndex: 20, at: '2026-11-05T00:00:00.000Z' });
    expect(touched.json).toEqual({ count: 10, at: '2026-11-05T00:00:00.000Z' });
    expect((await call('GET', '/_sandbox/hubspot/writes')).json.length).toBeGreaterThan(10);
    expect((await call('PATCH', '/_sandbox/hubspot/contacts/1', { properties: { jobtitle: 'x' } })).status).toBe(404);
    expect((await call('PATCH', `/_sandbox/hubspot/contacts/${id}`, { properties: { nope: 'x' } })).status).toBe(400);
  });

  it('updates, deletes, undeletes and converts Salesforce records and expires sessions', async () => {
    const contact = (await call('GET', '/_sandbox/salesforce/index/Contact/5')).json.id as string;
    const automated = await call('PATCH', `/_sandbox/salesforce/Contact/${contact}`, { fields: { Title: 'Ops' }, as: 'automation', at: '2026-11-03T10:00:00.900Z' });
    expect(automated.json.fields).toMatchObject({ Title: 'Ops', SystemModstamp: '2026-11-03T10:00:00.000+0000' });
    expect(automated.json.fields.LastModifiedDate).not.toBe('2026-11-03T10:00:00.000+0000');
    expect((await call('DELETE', `/_sandbox/salesforce/Contact/${contact}`)).status).toBe(204);
    expect((await call('GET', `/_sandbox/salesforce/Contact/${contact}`)).json).toMatchObject({ deleted: true });
    expect((await call('POST', `/_sandbox/salesforce/Contact/${contact}/undelete`)).json).toMatchObject({ deleted: false });
    const created = await call('POST', '/_sandbox/salesforce/Lead', { fields: { LastName: 'Nguyen', Company: 'Acme' } });
    const converted = await call('POST', `/_sandbox/salesforce/Lead/${created.json.id}/convert`);
    expect(converted.json.contactId).toMatch(/^003/);

    const conn = new jsforce.Connection({
      loginUrl: sandbox.url,
      version: '59.0',
      oauth2: { clientId: DEFAULT_SALESFORCE_CLIENT_ID, clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET, loginUrl: sandbox.url },
    });
    await conn.login(DEFAULT_SALESFORCE_USERNAME, DEFAULT_SALESFORCE_PASSWORD);
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: sandbox.admin.salesforce.integrationUserId, username: DEFAULT_SALESFORCE_USERNAME });
    expect((await call('POST', '/_sandbox/salesforce/sessions/expire')).json.expired).toBeGreaterThanOrEqual(1);
    const usage = await call('POST', '/_sandbox/salesforce/api-usage', { consume: 10 });
    expect(usage.json.used).toBeGreaterThanOrEqual(10);
  });

  it('changes Accounts, merges and purges Salesforce records, GDPR-deletes HubSpot contacts, as the clients see them', async () => {
    const conn = new jsforce.Connection({
      loginUrl: sandbox.url,
      version: '59.0',
      oauth2: { clientId: DEFAULT_SALESFORCE_CLIENT_ID, clientSecret: DEFAULT_SALESFORCE_CLIENT_SECRET, loginUrl: sandbox.url },
    });
    await conn.login(DEFAULT_SALESFORCE_USERNAME, DEFAULT_SALESFORCE_PASSWORD);
    const queryAll = async (soql: string) =>
      (await conn.request(`/services/data/v59.0/queryAll?q=${encodeURIComponent(soql)}`)) as { totalSize: number; records: Array<Record<string, unknown>> };

    // An Account change: its stamp moves, its Contacts' do not, their Account.* values do.
    const { records } = await conn.query<{ Id: string; AccountId: string; SystemModstamp: string }>(
      'SELECT Id, AccountId, SystemModstamp FROM Contact WHERE AccountId != null ORDER BY Id LIMIT 1',
    );
    const contact = records[0]!;
    const account = await call('PATCH', `/_sandbox/salesforce/Account/${contact.AccountId}`, { fields: { Industry: 'Shipping' }, at: '2026-11-03T10:00:00.400Z' });
    expect(account.json).toMatchObject({ Industry: 'Shipping', SystemModstamp: '2026-11-03T10:00:00.000+0000' });
    const after = await conn.query<{ SystemModstamp: string; Account: { Industry: string } }>(
      `SELECT SystemModstamp, Account.Industry FROM Contact WHERE Id = '${contact.Id}'`,
    );
    expect(after.records[0]).toMatchObject({ SystemModstamp: contact.SystemModstamp, Account: { Industry: 'Shipping' } });
    const changed = await conn.query(`SELECT Id FROM Contact WHERE Account.SystemModstamp >= 2026-11-03T10:00:00Z`);
    expect(changed.records.map((r) => r.Id)).toContain(contact.Id);

    // A merge: the loser is in the recycle bin with MasterRecordId.
    const master = (await call('GET', '/_sandbox/salesforce/index/Contact/5')).json.id as string;
    const loser = (await call('GET', '/_sandbox/salesforce/index/Contact/6')).json.id as string;
    // getDeleted covers whole minutes up to a moment ago: merge and delete ten minutes back.
    const at = Date.now() - 600_000;
    expect((await call('POST', '/_sandbox/salesforce/Contact/merge', { masterRecordId: master, recordToMergeId: loser, at })).status).toBe(200);
    const deleted = await queryAll(`SELECT Id, MasterRecordId FROM Contact WHERE IsDeleted = true`);
    expect(deleted.records).toEqual([expect.objectContaining({ Id: loser, MasterRecordId: master })]);

    // A purge: nothing is left, not even in queryAll or getDeleted.
    expect((await call('POST', `/_sandbox/salesforce/Contact/${master}/purge`)).status).toBe(400);
    await call('DELETE', `/_sandbox/salesforce/Contact/${master}`, { at: at + 1000 });
    expect((await call('POST', `/_sandbox/salesforce/Contact/${master}/purge`)).status).toBe(204);
    expect((await queryAll(`SELECT Id FROM Contact WHERE Id = '${master}'`)).totalSize).toBe(0);
    expect((await conn.query('SELECT COUNT() FROM Contact')).totalSize).toBe(198);
    const end = new Date(Date.now() + 120_000).toISOString();
    const start = new Date(Date.now() - 86_400_000).toISOString();
    const bin = (await conn.request(`/services/data/v59.0/sobjects/Contact/deleted/?start=${start}&end=${end}`)) as { deletedRecords: Array<{ id: string }> };
    expect(bin.deletedRecords.map((r) => r.id)).toEqual([loser]);
    await expect(conn.sobject('Contact').retrieve(master)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });

    // A HubSpot GDPR delete: gone from the list, the archived list and GET.
    const gone = (await call('GET', '/_sandbox/hubspot/index/3')).json.id as string;
    expect((await call('POST', `/_sandbox/hubspot/contacts/${gone}/gdpr-delete`)).status).toBe(204);
    expect((await hubspot(`/crm/v3/objects/contacts/${gone}`)).status).toBe(404);
    const archived = (await (await hubspot('/crm/v3/objects/contacts?archived=true&limit=100')).json()) as { results: Array<{ id: string }> };
    expect(archived.results.map((r) => r.id)).not.toContain(gone);
    const live = (await (await hubspot('/crm/v3/objects/contacts?limit=10')).json()) as { results: Array<{ id: string }> };
    expect(live.results.map((r) => r.id)).not.toContain(gone);
  });

  it('requires the admin token when one is configured', async () => {
    sandbox.admin.configure({ adminToken: 'let-me-in' });
    expect((await call('GET', '/_sandbox/stats')).status).toBe(401);
    expect((await call('GET', '/_sandbox/stats', undefined, { 'x-sandbox-admin-token': 'let-me-in' })).status).toBe(200);
    sandbox.admin.configure({ adminToken: '' });
  });
});

describe('main.ts', () => {
  it('starts from the environment and logs one JSON line with its URL', async () => {
    const root = resolve(__dirname, '../../..');
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'apps/crm-sandbox/src/main.ts'], {
      cwd: root,
      env: { ...process.env, SANDBOX_PORT: '0', SANDBOX_HUBSPOT_CONTACTS: '25', TS_NODE_PROJECT: 'tsconfig.json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolveLine, reject) => {
        let buffer = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          if (buffer.includes('\n')) resolveLine(buffer.split('\n')[0] as string);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      const log = JSON.parse(line) as { url: string; hubspot: { contacts: number } };
      expect(log).toMatchObject({ msg: 'crm-sandbox listening', hubspot: { contacts: 25 } });
      const response = await fetch(`${log.url}/crm/v3/objects/contacts?limit=100`, { headers: { authorization: `Bearer ${DEFAULT_HUBSPOT_TOKEN}` } });
      expect(((await response.json()) as { results: unknown[] }).results).toHaveLength(25);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
