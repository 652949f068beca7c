import { Client, Signature } from '@hubspot/api-client';
import { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/contacts';
import type { PublicObjectSearchRequest } from '@hubspot/api-client/lib/codegen/crm/contacts';
import { type CrmSandbox, startCrmSandbox } from '../src/sandbox-server';
import { DEFAULT_HUBSPOT_NO_SCOPE_TOKEN, DEFAULT_HUBSPOT_TOKEN, type SandboxOptionsInput } from '../src/sandbox-options';
import { type Receiver, rejection, startReceiver } from './helpers';

jest.setTimeout(60_000);

const CONTACTS = 12_000;
const OPTIONS: SandboxOptionsInput = {
  port: 0,
  hubspot: { contacts: CONTACTS, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
  salesforce: { contacts: 10, leads: 10 },
};

function search(request: Partial<PublicObjectSearchRequest> & Record<string, unknown>): PublicObjectSearchRequest {
  return { filterGroups: [], sorts: [], properties: [], limit: 10, after: '0', ...request } as PublicObjectSearchRequest;
}

const byTime = (operator: FilterOperatorEnum, value: string | number) => ({
  propertyName: 'lastmodifieddate',
  operator,
  value: String(value),
});

describe('HubSpot sandbox, driven by the real @hubspot/api-client', () => {
  let sandbox: CrmSandbox;
  let client: Client;

  beforeAll(async () => {
    sandbox = await startCrmSandbox(OPTIONS);
    client = new Client({ accessToken: DEFAULT_HUBSPOT_TOKEN, basePath: sandbox.url });
  });
  beforeEach(() => {
    sandbox.admin.reset(OPTIONS);
    sandbox.admin.useRealClock();
  });
  afterAll(() => sandbox?.close());

  it('pages the list endpoint to the end (100 per page) and sees every contact once, in id order', async () => {
    const all = await client.crm.contacts.getAll(100, undefined, ['email']);
    expect(all).toHaveLength(CONTACTS);
    const ids = all.map((c) => Number(c.id));
    expect(new Set(ids).size).toBe(CONTACTS);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(all[0]?.createdAt).toBeInstanceOf(Date);
    expect(sandbox.admin.stats().hubspot.byEndpoint['GET /crm/v3/objects/contacts']).toBe(CONTACTS / 100);
  });

  it('returns requested properties (plus createdate, hs_object_id, lastmodifieddate), empty ones as null, others absent', async () => {
    const page = await client.crm.contacts.basicApi.getPage(100, undefined, ['country', 'nps_score', 'no_such_property']);
    for (const contact of page.results) {
      expect(Object.keys(contact.properties).sort()).toEqual(['country', 'createdate', 'hs_object_id', 'lastmodifieddate', 'nps_score']);
      expect(contact.properties.lastmodifieddate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
    expect(page.results.some((c) => c.properties.nps_score === null)).toBe(true);
    expect(page.paging?.next?.after).toBe(String(1001 + 100));
    const defaults = await client.crm.contacts.basicApi.getPage(1);
    expect(Object.keys(defaults.results[0]?.properties ?? {}).sort()).toEqual([
      'createdate',
      'email',
      'firstname',
      'hs_object_id',
      'lastmodifieddate',
      'lastname',
    ]);
    const tooMany = await rejection(client.crm.contacts.basicApi.getPage(101));
    expect(tooMany.code).toBe(400);
    expect(tooMany.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
  });

  it('answers 401 INVALID_AUTHENTICATION for an unknown token and 403 MISSING_SCOPES without scopes', async () => {
    const bad = await rejection(new Client({ accessToken: 'wrong', basePath: sandbox.url }).crm.contacts.basicApi.getPage(1));
    expect(bad.code).toBe(401);
    expect(bad.body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect((bad.body as { correlationId?: string }).correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const noScope = await rejection(new Client({ accessToken: DEFAULT_HUBSPOT_NO_SCOPE_TOKEN, basePath: sandbox.url }).crm.contacts.basicApi.getPage(1));
    expect(noScope.code).toBe(403);
    expect(noScope.body).toMatchObject({ category: 'MISSING_SCOPES' });
  });

  it('search: ascending by lastmodifieddate, total counts everything, paging past 10,000 is a 400', async () => {
    const request = search({
      filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, 0)] }],
      sorts: [{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }] as unknown as string[],
      properties: ['email'],
      limit: 200,
    });
    const first = await client.crm.contacts.searchApi.doSearch(request);
    expect(first.total).toBe(CONTACTS);
    expect(first.results).toHaveLength(200);
    const times = first.results.map((c) => c.updatedAt.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const last = await client.crm.contacts.searchApi.doSearch({ ...request, after: '9800' });
    expect(last.total).toBe(CONTACTS);
    expect(last.paging?.next?.after).toBe('10000');
    for (const [after, limit] of [
      ['10000', 200],
      ['9900', 200],
    ] as const) {
      const capped = await rejection(client.crm.contacts.searchApi.doSearch({ ...request, after, limit }));
      expect(capped.code).toBe(400);
      expect(capped.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    }
    const overLimit = await rejection(client.crm.contacts.searchApi.doSearch({ ...request, limit: 201 }));
    expect(overLimit.code).toBe(400);
  });

  it('search windows over more than 10,000 equal timestamps are walked with an hs_object_id keyset', async () => {
    const at = Date.parse('2026-07-01T12:00:00.000Z');
    const touched = sandbox.admin.hubspot.touchContacts({ fromIndex: 500, toIndex: 11_000 }, { jobtitle: 'Imported' }, { at });
    expect(touched.count).toBe(10_500);
    const equal = await client.crm.contacts.searchApi.doSearch(
      search({ filterGroups: [{ filters: [byTime(FilterOperatorEnum.Eq, at)] }], limit: 1 }),
    );
    expect(equal.total).toBe(10_500);

    const seen: string[] = [];
    let cursor = 0;
    for (;;) {
      const page = await client.crm.contacts.searchApi.doSearch(
        search({
          filterGroups: [
            {
              filters: [
                byTime(FilterOperatorEnum.Eq, at),
                { propertyName: 'hs_object_id', operator: FilterOperatorEnum.Gt, value: String(cursor) },
              ],
            },
          ],
          sorts: ['hs_object_id'],
          properties: ['jobtitle'],
          limit: 200,
        }),
      );
      if (page.results.length === 0) break;
      seen.push(...page.results.map((c) => c.id));
      cursor = Number(page.results[page.results.length - 1]?.id);
    }
    expect(seen).toHaveLength(10_500);
    expect(new Set(seen).size).toBe(10_500);

    // (time > T) OR (time = T AND id > X), sorted by time: the equal-time tail comes first, in id order.
    const edge = Number(seen[10_000]);
    const window = await client.crm.contacts.searchApi.doSearch(
      search({
        filterGroups: [
          { filters: [byTime(FilterOperatorEnum.Gt, at)] },
          {
            filters: [byTime(FilterOperatorEnum.Eq, at), { propertyName: 'hs_object_id', operator: FilterOperatorEnum.Gt, value: String(edge) }],
          },
        ],
        sorts: ['lastmodifieddate'],
        limit: 200,
      }),
    );
    expect(window.total).toBe(499);
    expect(window.results.map((c) => Number(c.id))).toEqual(seen.slice(10_001, 10_201).map(Number));
  });

  it('search pages by offset over the live result set: a record written while paging moves out, the next page shifts back by one', async () => {
    // HubSpot re-evaluates the query for every page: `after` is an offset into the result set as it
    // is now, not a snapshot. A write moves the record past an upper time bound (or to the end).
    const at = Date.parse('2026-07-02T00:00:00.000Z');
    sandbox.admin.hubspot.touchContacts({ fromIndex: 0, toIndex: 30 }, { jobtitle: 'Windowed' }, { at });
    const request = search({
      filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, at), byTime(FilterOperatorEnum.Lte, at)] }],
      sorts: ['hs_object_id'],
      limit: 10,
    });
    const first = await client.crm.contacts.searchApi.doSearch(request);
    expect(first.total).toBe(30);
    const firstIds = first.results.map((c) => c.id);
    // Someone (a workflow, Corridor's own write-back) writes a record the reader already has.
    await client.crm.contacts.basicApi.update(firstIds[3] as string, { properties: { jobtitle: 'Moved on' } });
    const second = await client.crm.contacts.searchApi.doSearch({ ...request, after: first.paging?.next?.after as string });
    expect(second.total).toBe(29);
    const expectedUnshifted = Array.from({ length: 10 }, (_, i) => sandbox.admin.hubspot.idForIndex(10 + i));
    // The 11th record slid into offset 9: the page starts at the 12th, the 11th is never read.
    expect(second.results.map((c) => c.id)).toEqual([...expectedUnshifted.slice(1), sandbox.admin.hubspot.idForIndex(20)]);
  });

  it('search lags writes: GET and list see a change at once, search only after searchLagMs', async () => {
    sandbox.admin.configure({ hubspot: { searchLagMs: 3000 } });
    const now = Date.parse('2026-11-01T00:00:00.000Z');
    sandbox.admin.setClock(now);
    const id = sandbox.admin.hubspot.idForIndex(42);
    await client.crm.contacts.basicApi.update(id, { properties: { jobtitle: 'Chief Persona Officer' } });
    const got = await client.crm.contacts.basicApi.getById(id, ['jobtitle']);
    expect(got.properties.jobtitle).toBe('Chief Persona Officer');
    expect(got.updatedAt.getTime()).toBe(now);

    const recent = search({ filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, now)] }], properties: ['jobtitle'] });
    expect((await client.crm.contacts.searchApi.doSearch(recent)).total).toBe(0);
    const old = await client.crm.contacts.searchApi.doSearch(
      search({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.Eq, value: id }] }], properties: ['jobtitle'] }),
    );
    expect(old.results[0]?.properties.jobtitle).not.toBe('Chief Persona Officer');

    sandbox.admin.advanceClock(3000);
    const visible = await client.crm.contacts.searchApi.doSearch(recent);
    expect(visible.total).toBe(1);
    expect(visible.results[0]).toMatchObject({ id, properties: expect.objectContaining({ jobtitle: 'Chief Persona Officer' }) });
  });

  it('batch read: 207 with errors for missing ids, 400 for duplicates and for more than 100 inputs', async () => {
    const [a, b] = [sandbox.admin.hubspot.idForIndex(1), sandbox.admin.hubspot.idForIndex(2)];
    const partial = await client.crm.contacts.batchApi.read({ inputs: [{ id: a }, { id: '99999999' }, { id: b }], properties: ['email'], propertiesWithHistory: [] });
    expect(partial.results.map((r) => r.id).sort()).toEqual([a, b].sort());
    expect(partial).toMatchObject({ status: 'COMPLETE', numErrors: 1 });
    expect((partial as unknown as { errors: unknown[] }).errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['99999999'] } });

    const duplicate = await rejection(client.crm.contacts.batchApi.read({ inputs: [{ id: a }, { id: a }], properties: [], propertiesWithHistory: [] }));
    expect(duplicate.code).toBe(400);
    expect(duplicate.body).toMatchObject({ category: 'VALIDATION_ERROR' });
    const inputs = Array.from({ length: 101 }, (_, i) => ({ id: sandbox.admin.hubspot.idForIndex(i) }));
    expect((await rejection(client.crm.contacts.batchApi.read({ inputs, properties: [], propertiesWithHistory: [] }))).code).toBe(400);
  });

  it('batch update: invalid properties fail the whole batch; a write records its writer and moves lastmodifieddate', async () => {
    const id = sandbox.admin.hubspot.idForIndex(7);
    const other = sandbox.admin.hubspot.idForIndex(8);
    const invalid = await rejection(
      client.crm.contacts.batchApi.update({
        inputs: [
          { id, properties: { no_such_thing: 'x', jobtitle: 'ok' } },
          { id: other, properties: { lastmodifieddate: '2026-01-01T00:00:00Z', lifecyclestage: 'bogus' } },
        ],
      }),
    );
    expect(invalid.code).toBe(400);
    const body = invalid.body as { category: string; message: string; errors: { code: string }[] };
    expect(body.category).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('Property values were not valid');
    expect(body.errors.map((e) => e.code).sort()).toEqual(['INVALID_OPTION', 'PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);
    expect(sandbox.admin.hubspot.getContact(id).writes).toEqual({});

    const now = Date.parse('2026-11-02T00:00:00.000Z');
    sandbox.admin.setClock(now);
    const result = await client.crm.contacts.batchApi.update({ inputs: [{ id, properties: { hs_persona: 'persona_2', nps_score: 9 as unknown as string } }] });
    expect(result.results[0]?.properties).toMatchObject({ hs_persona: 'persona_2', nps_score: '9', lastmodifieddate: new Date(now).toISOString() });
    const stored = sandbox.admin.hubspot.getContact(id);
    expect(stored.writes.hs_persona).toEqual({ value: 'persona_2', by: `api:${DEFAULT_HUBSPOT_TOKEN}`, at: now });
    expect(stored.properties.lastmodifieddate).toBe(new Date(now).toISOString());

    const missing = await client.crm.contacts.batchApi.update({ inputs: [{ id: '99999999', properties: { jobtitle: 'x' } }] });
    expect(missing).toMatchObject({ numErrors: 1 });

    const newest = await client.crm.contacts.searchApi.doSearch(
      search({ sorts: [{ propertyName: 'lastmodifieddate', direction: 'DESCENDING' }] as unknown as string[], limit: 1, filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, 0)] }] }),
    );
    expect(newest.results[0]?.id).toBe(id);
  });

  it('archive: gone from list and search, listed with archived=true and archivedAt, GET 404 unless archived=true', async () => {
    const id = sandbox.admin.hubspot.idForIndex(3);
    await client.crm.contacts.basicApi.archive(id);
    expect((await rejection(client.crm.contacts.basicApi.getById(id))).code).toBe(404);
    const archived = await client.crm.contacts.basicApi.getById(id, undefined, undefined, undefined, true);
    expect(archived).toMatchObject({ id, archived: true });
    expect(archived.archivedAt).toBeInstanceOf(Date);
    const list = await client.crm.contacts.basicApi.getPage(100, undefined, undefined, undefined, undefined, true);
    expect(list.results.map((c) => c.id)).toEqual([id]);
    const live = await client.crm.contacts.getAll(100);
    expect(live).toHaveLength(CONTACTS - 1);
    const found = await client.crm.contacts.searchApi.doSearch(
      search({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.Eq, value: id }] }] }),
    );
    expect(found.total).toBe(0);
    sandbox.admin.hubspot.restoreContact(id);
    expect((await client.crm.contacts.basicApi.getById(id)).archived).toBe(false);
  });

  it('pre-archived contacts are listed with archived=true after reset', async () => {
    sandbox.admin.reset({ ...OPTIONS, hubspot: { ...OPTIONS.hubspot, preArchived: 30 } });
    const archived = await client.crm.contacts.getAll(100, undefined, undefined, undefined, undefined, true);
    expect(archived).toHaveLength(30);
    expect(archived.every((c) => c.archived && c.archivedAt instanceof Date)).toBe(true);
  });

  it('merge creates a new id; both old ids vanish from list and search but resolve on GET and batch read', async () => {
    const [a, b] = [sandbox.admin.hubspot.idForIndex(10), sandbox.admin.hubspot.idForIndex(11)];
    const secondaryEmail = sandbox.admin.hubspot.getContact(b).properties.email;
    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: a, objectIdToMerge: b });
    expect(Number(merged.id)).toBeGreaterThan(1000 + CONTACTS);
    expect(merged.properties.hs_merged_object_ids?.split(';').sort()).toEqual([a, b].sort());
    if (secondaryEmail) expect(merged.properties.hs_additional_emails).toContain(secondaryEmail);

    expect((await client.crm.contacts.basicApi.getById(a)).id).toBe(merged.id);
    const read = await client.crm.contacts.batchApi.read({ inputs: [{ id: b }], properties: ['hs_merged_object_ids'], propertiesWithHistory: [] });
    expect(read.results.map((r) => r.id)).toEqual([merged.id]);
    const all = await client.crm.contacts.getAll(100);
    const ids = new Set(all.map((c) => c.id));
    expect(ids.has(a) || ids.has(b)).toBe(false);
    expect(ids.has(merged.id)).toBe(true);
    expect(all).toHaveLength(CONTACTS - 1);
    const searched = await client.crm.contacts.searchApi.doSearch(
      search({ filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: FilterOperatorEnum.In, values: [a, b, merged.id] }] }] }),
    );
    expect(searched.results.map((c) => c.id)).toEqual([merged.id]);
    expect((await client.crm.contacts.basicApi.getPage(10, undefined, undefined, undefined, undefined, true)).results).toHaveLength(0);
  });

  it('batch update: ids that resolve to one record (two merged-away ids) are duplicates, a 400 for the whole batch', async () => {
    const [a, b, c] = [1, 2, 3].map((i) => sandbox.admin.hubspot.idForIndex(i));
    const merged = await client.crm.contacts.basicApi.merge({ primaryObjectId: a, objectIdToMerge: b });
    const properties = { jobtitle: 'Merged twice' };
    const refused = await rejection(client.crm.contacts.batchApi.update({ inputs: [{ id: a, properties }, { id: c, properties }, { id: b, properties }] }));
    expect(refused.code).toBe(400);
    expect(refused.body).toMatchObject({ category: 'VALIDATION_ERROR', context: { ids: [merged.id] } });
    expect(sandbox.admin.hubspot.getContact(c).properties.jobtitle).not.toBe('Merged twice');
    const ok = await client.crm.contacts.batchApi.update({ inputs: [{ id: b, properties }, { id: c, properties }] });
    expect(ok.results.map((r) => r.id).sort()).toEqual([merged.id, c].sort());
  });

  it('properties: list has HubSpot and custom ones; create is 201, an existing name 409, a bad name 400', async () => {
    const all = await client.crm.properties.coreApi.getAll('contacts');
    const byName = new Map(all.results.map((p) => [p.name, p]));
    expect(byName.get('hs_persona')?.type).toBe('enumeration');
    expect(byName.get('loyalty_tier')?.options.map((o) => o.value)).toEqual(['bronze', 'silver', 'gold', 'platinum']);
    expect(byName.get('lifecyclestage')?.options.map((o) => o.value)).toContain('marketingqualifiedlead');
    const input = { name: 'corridor_persona', label: 'Corridor persona', type: 'string', fieldType: 'text', groupName: 'contactinformation' };
    const created = await client.crm.properties.coreApi.create('contacts', input as never);
    expect(created).toMatchObject({ name: 'corridor_persona', type: 'string', hubspotDefined: false });
    const again = await rejection(client.crm.properties.coreApi.create('contacts', input as never));
    expect(again.code).toBe(409);
    const bad = await rejection(client.crm.properties.coreApi.create('contacts', { ...input, name: 'Corridor-Persona' } as never));
    expect(bad.code).toBe(400);
    const id = sandbox.admin.hubspot.idForIndex(5);
    await client.crm.contacts.basicApi.update(id, { properties: { corridor_persona: 'loyal_regular' } });
    expect(sandbox.admin.hubspot.getContact(id).properties.corridor_persona).toBe('loyal_regular');
  });

  it('property groups: listed, created (201, existing 409); a property in a group that does not exist is a 400', async () => {
    const groups = await client.crm.properties.groupsApi.getAll('contacts');
    expect(groups.results.map((g) => g.name)).toContain('contactinformation');
    const input = { name: 'corridor_strategy', label: 'Corridor strategy', type: 'string', fieldType: 'textarea', groupName: 'corridor' };
    const missing = await rejection(client.crm.properties.coreApi.create('contacts', input as never));
    expect(missing.code).toBe(400);
    expect(missing.body).toMatchObject({ category: 'VALIDATION_ERROR', message: expect.stringContaining('corridor') });
    expect(await client.crm.properties.groupsApi.create('contacts', { name: 'corridor', label: 'Corridor', displayOrder: -1 })).toMatchObject({
      name: 'corridor',
      label: 'Corridor',
    });
    expect((await rejection(client.crm.properties.groupsApi.create('contacts', { name: 'corridor', label: 'Corridor' }))).code).toBe(409);
    expect(await client.crm.properties.coreApi.create('contacts', input as never)).toMatchObject({ name: 'corridor_strategy', groupName: 'corridor' });
    // A portal that refuses the group (here by fault injection): the group stays missing.
    sandbox.admin.failNext('hubspot', { path: '/properties/contacts/groups', method: 'POST', status: 403 });
    expect((await rejection(client.crm.properties.groupsApi.create('contacts', { name: 'other', label: 'Other' }))).code).toBe(403);
    expect((await client.crm.properties.groupsApi.getAll('contacts')).results.map((g) => g.name)).not.toContain('other');
  });

  it('burst limit: 429 with the real body and X-HubSpot-RateLimit headers', async () => {
    sandbox.admin.configure({ hubspot: { rateLimits: { burstMax: 5, burstWindowMs: 10_000, retryAfter: 'always' } } });
    const remaining: string[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await client.crm.contacts.basicApi.getPageWithHttpInfo(1);
      remaining.push(response.headers['x-hubspot-ratelimit-remaining'] as string);
      expect(response.headers).toMatchObject({ 'x-hubspot-ratelimit-max': '5', 'x-hubspot-ratelimit-interval-milliseconds': '10000' });
      expect(response.headers['x-hubspot-ratelimit-daily']).toBeUndefined();
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await rejection(client.crm.contacts.basicApi.getPage(1));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(limited.headers).toMatchObject({ 'x-hubspot-ratelimit-remaining': '0', 'retry-after': expect.stringMatching(/^\d+$/) });
    expect(sandbox.admin.stats().hubspot.rateLimited).toBe(1);
  });

  it('search limit: SECONDLY 429s, which the client retries when numberOfApiCallRetries is set', async () => {
    sandbox.admin.configure({ hubspot: { rateLimits: { searchPerSecond: 2 } } });
    const request = search({ filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, 0)] }], limit: 1 });
    await client.crm.contacts.searchApi.doSearch(request);
    await client.crm.contacts.searchApi.doSearch(request);
    const limited = await rejection(client.crm.contacts.searchApi.doSearch(request));
    expect(limited.code).toBe(429);
    expect(limited.body).toMatchObject({ policyName: 'SECONDLY', message: 'You have reached your secondly limit.' });
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const retrying = new Client({ accessToken: DEFAULT_HUBSPOT_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 3 });
    const ok = await retrying.crm.contacts.searchApi.doSearch(request);
    spy.mockRestore();
    expect(ok.total).toBe(CONTACTS);
  });

  it('faults: fail-next 503 is retried by the client, a dropped connection is a network error, all counted', async () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    sandbox.admin.failNext('hubspot', { path: '/crm/v3/objects/contacts', status: 503, count: 1 });
    const retrying = new Client({ accessToken: DEFAULT_HUBSPOT_TOKEN, basePath: sandbox.url, numberOfApiCallRetries: 2 });
    const page = await retrying.crm.contacts.basicApi.getPage(1);
    spy.mockRestore();
    expect(page.results).toHaveLength(1);
    sandbox.admin.failNext('hubspot', { path: '/crm/v3/objects/contacts', status: 'drop' });
    const dropped = await rejection(client.crm.contacts.basicApi.getPage(1));
    expect(dropped.code).not.toBe(200);
    expect(String(dropped.message)).toMatch(/socket hang up|ECONNRESET|network/i);
    sandbox.admin.failNext('hubspot', { path: '/search', status: 500 });
    const failed = await rejection(client.crm.contacts.searchApi.doSearch(search({ filterGroups: [{ filters: [byTime(FilterOperatorEnum.Gte, 0)] }] })));
    expect(failed.code).toBe(500);
    const stats = sandbox.admin.stats().hubspot;
    expect(stats).toMatchObject({ faulted: 3, byStatus: expect.objectContaining({ '503': 1, '500': 1, dropped: 1 }) });
    expect(stats.total).toBe(4);
  });

  describe('webhooks', () => {
    let receiver: Receiver;
    beforeEach(async () => {
      receiver = await startReceiver();
      sandbox.admin.configure({ hubspot: { webhooks: { targetUrl: receiver.url, autoEmit: true, retryDelayMs: 10 } } });
    });
    afterEach(() => receiver.close());

    it('admin mutations emit signed batches that verify with the client Signature helper', async () => {
      const id = sandbox.admin.hubspot.idForIndex(20);
      sandbox.admin.hubspot.updateContact(id, { jobtitle: 'CTO', city: 'Lisbon' });
      const merged = sandbox.admin.hubspot.mergeContacts(sandbox.admin.hubspot.idForIndex(21), sandbox.admin.hubspot.idForIndex(22));
      await sandbox.admin.hubspot.flushWebhooks();
      expect(receiver.received).toHaveLength(1);
      const request = receiver.received[0]!;
      const events = JSON.parse(request.body) as Record<string, unknown>[];
      expect(events.map((e) => e.subscriptionType)).toEqual(['contact.propertyChange', 'contact.propertyChange', 'contact.merge']);
      expect(events[0]).toMatchObject({ objectId: Number(id), propertyName: 'jobtitle', propertyValue: 'CTO', attemptNumber: 0, changeSource: 'CRM_UI' });
      expect(events[2]).toMatchObject({
        objectId: Number(merged.id),
        newObjectId: Number(merged.id),
        primaryObjectId: Number(sandbox.admin.hubspot.idForIndex(21)),
        mergedObjectIds: [Number(sandbox.admin.hubspot.idForIndex(22))],
      });
      expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
      const timestamp = Number(request.headers['x-hubspot-request-timestamp']);
      expect(
        Signature.isValid({
          signatureVersion: 'v3',
          signature: String(request.headers['x-hubspot-signature-v3']),
          clientSecret: 'sandbox-hubspot-client-secret',
          requestBody: request.body,
          url: receiver.url,
          method: 'POST',
          timestamp,
        }),
      ).toBe(true);
    });

    it('sends hand-made batches of at most 100 events and retries failures with a higher attemptNumber', async () => {
      const events = Array.from({ length: 150 }, (_, i) => ({ subscriptionType: 'contact.creation' as const, objectId: 5000 + i }));
      const deliveries = await sandbox.admin.hubspot.sendWebhooks(events);
      expect(deliveries.map((d) => JSON.parse(d.body).length)).toEqual([100, 50]);
      receiver.status = 500;
      const failed = await sandbox.admin.hubspot.sendWebhooks([{ subscriptionType: 'contact.deletion', objectId: 1 }]);
      expect(failed[0]).toMatchObject({ ok: false });
      expect(receiver.received.slice(2).map((r) => JSON.parse(r.body)[0].attemptNumber)).toEqual([0, 1, 2]);
      expect(new Set(receiver.received.slice(2).map((r) => JSON.parse(r.body)[0].eventId)).size).toBe(1);
    });
  });
});
