import { PERSONA_CHANGES } from '@corridor/contracts';
import { countCustomers, startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

describe('HubSpot sync (sandbox over HTTP, real client, real Postgres/Redis)', () => {
  let h: SyncHarness;
  let connectionId: string;

  beforeAll(async () => {
    h = await startSyncHarness({
      hubspot: { contacts: 1200, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
    });
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
  });
  afterAll(() => h?.close());

  it('full sync: every contact once, mapped to catalog attributes, custom properties in the catalog', async () => {
    const run = await h.sync.sync({ connectionId, mode: 'full' });
    expect(run).toMatchObject({ status: 'completed', mode: 'full', trigger: 'first', created: 1200, records: 1200, percent: 100 });
    expect(await countCustomers(h.db, connectionId)).toEqual({ live: 1200, deleted: 0, merged: 0 });
    const { rows } = await h.db.query(`SELECT attributes FROM customers WHERE connection_id = $1 AND attributes ? 'lifecycle_stage' LIMIT 50`, [connectionId]);
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(['subscriber', 'lead', 'marketing_qualified_lead', 'sales_qualified_lead', 'opportunity', 'customer', 'evangelist', 'other']).toContain(
        r.attributes.lifecycle_stage,
      );
    }
    const attrs = await h.db.query(`SELECT name, type, enum_values, source FROM attributes WHERE source = 'crm' ORDER BY name`);
    const byName = Object.fromEntries(attrs.rows.map((a) => [a.name, a]));
    expect(byName.loyalty_tier).toMatchObject({ type: 'enum', enum_values: ['bronze', 'silver', 'gold', 'platinum'] });
    expect(byName.nps_score).toMatchObject({ type: 'number' });
    // Corridor's own properties never become attributes.
    expect(byName.corridor_persona).toBeUndefined();
    const evals = await h.takeEvaluations();
    expect(evals.new_customer).toHaveLength(1200);
  });

  it('incremental: only changed contacts are written and re-segmented', async () => {
    const ids = [0, 5, 9].map((i) => h.sandbox.admin.hubspot.idForIndex(i));
    for (const id of ids) h.sandbox.admin.hubspot.updateContact(id, { jobtitle: `Changed ${id}` });
    await new Promise((r) => setTimeout(r, 20));
    const run = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(run).toMatchObject({ status: 'completed', mode: 'incremental', updated: 3, created: 0 });
    const evals = await h.takeEvaluations();
    expect(evals.data_change.sort()).toHaveLength(3);
    const { rows } = await h.db.query(`SELECT attributes->>'job_title' AS t FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, ids[0]]);
    expect(rows[0].t).toBe(`Changed ${ids[0]}`);
  });
});

describe('HubSpot deletes, merges, write-back, faults, resume', () => {
  let h: SyncHarness;
  let connectionId: string;
  const hs = () => h.sandbox.admin.hubspot;
  const customerOf = async (externalId: string) =>
    (await h.db.query(`SELECT id::text, deleted_at, merged_into_id::text FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, externalId])).rows[0];
  const addHistory = async (customerId: string) => {
    const { rows } = await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`);
    await h.db.query(
      `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, NULL, $2, 1, 'new_customer', now())`,
      [customerId, rows[0].id],
    );
  };

  beforeAll(async () => {
    h = await startSyncHarness({
      hubspot: { contacts: 1200, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 }, retryAfter: 'never' } as never,
    });
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    await h.sync.sync({ connectionId, mode: 'full' });
    await h.takeEvaluations();
  });
  afterAll(() => h?.close());

  it('archived contacts are marked deleted and re-segmented', async () => {
    const id = hs().idForIndex(11);
    hs().archiveContact(id);
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed', deleted: 1 });
    const c = await customerOf(id);
    expect(c.deleted_at).not.toBeNull();
    expect((await h.takeEvaluations()).data_change).toContain(c.id);
  });

  it('a merge (new record id) makes both old records aliases of the survivor, with their persona history', async () => {
    const [a, b] = [hs().idForIndex(20), hs().idForIndex(21)];
    const [ca, cb] = [await customerOf(a), await customerOf(b)];
    await addHistory(ca.id);
    await addHistory(cb.id);
    const merged = hs().mergeContacts(a, b);
    expect(merged.id).not.toBe(a);
    const before = await countCustomers(h.db, connectionId);
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed', created: 1, merged: 2 });
    const survivor = await customerOf(merged.id);
    expect((await customerOf(a)).merged_into_id).toBe(survivor.id);
    expect((await customerOf(b)).merged_into_id).toBe(survivor.id);
    const aliases = await h.db.query(`SELECT external_id FROM customer_aliases WHERE customer_id = $1 ORDER BY external_id`, [survivor.id]);
    expect(aliases.rows.map((r) => r.external_id)).toEqual([a, b].sort());
    const history = await h.db.query(`SELECT count(*)::int AS n FROM persona_history WHERE customer_id = $1`, [survivor.id]);
    expect(history.rows[0].n).toBe(2);
    expect(await countCustomers(h.db, connectionId)).toMatchObject({ live: before.live - 1 });
    const evals = await h.takeEvaluations();
    expect(evals.data_change).toEqual(expect.arrayContaining([ca.id, cb.id]));
  });

  it('write-back: persona visible in HubSpot, and the next sync neither re-writes nor re-segments', async () => {
    const ids = [30, 31, 32].map((i) => hs().idForIndex(i));
    for (const id of ids) await addHistory((await customerOf(id)).id);
    const result = await h.writeback.writeConnection(connectionId);
    // 3, plus the merge survivor of the test above (it carries the merged records' history).
    expect(result).toMatchObject({ written: 4, failed: 0 });
    for (const id of ids) {
      expect(hs().getContact(id).properties).toMatchObject({
        corridor_persona: 'Everyone else',
        corridor_strategy: 'Everyone else: Customers no other persona matches.',
      });
    }
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run!.records).toBeGreaterThanOrEqual(3); // lastmodifieddate moved: HubSpot returns them again
    expect(run).toMatchObject({ status: 'completed', updated: 0, created: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0 });
  });

  it('write-back maps the persona to hs_persona when configured', async () => {
    const other = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 }, writeback: { hsPersona: { everyone_else: 'persona_2' } } });
    await h.sync.sync({ connectionId: other, mode: 'full' });
    const id = hs().idForIndex(50);
    const { rows } = await h.db.query(`SELECT id::text FROM customers WHERE connection_id = $1 AND external_id = $2`, [other, id]);
    await addHistory(rows[0].id);
    expect(await h.writeback.writeConnection(other)).toMatchObject({ written: 1 });
    expect(hs().getContact(id).properties).toMatchObject({ hs_persona: 'persona_2', corridor_persona: 'Everyone else' });
  });

  it('webhook merge and deletion events are applied from webhook_events (batch read), once', async () => {
    const [a, b] = [hs().idForIndex(60), hs().idForIndex(61)];
    const merged = hs().mergeContacts(a, b);
    const gone = hs().idForIndex(62);
    hs().archiveContact(gone);
    const events = [
      { eventId: 'm-1', kind: 'merge' as const, objectIds: [merged.id, a, b], occurredAt: new Date() },
      { eventId: 'd-1', kind: 'delete' as const, objectIds: [gone], occurredAt: new Date() },
    ];
    expect(await h.store.recordWebhookEvents(connectionId, events)).toBe(2);
    expect(await h.store.recordWebhookEvents(connectionId, events)).toBe(0);
    // The in-process crm-sync worker may already be applying them; either way they apply once.
    await h.webhooks.applyPending(connectionId);
    const deadline = Date.now() + 10_000;
    while ((await h.store.pendingWebhookEvents(connectionId, 10)).length) {
      if (Date.now() > deadline) throw new Error('events not applied');
      await new Promise((r) => setTimeout(r, 100));
    }
    const survivor = await customerOf(merged.id);
    expect(survivor).toBeDefined();
    expect((await customerOf(a)).merged_into_id).toBe(survivor.id);
    expect((await customerOf(b)).merged_into_id).toBe(survivor.id);
    expect((await customerOf(gone)).deleted_at).not.toBeNull();
  });

  it('a PERSONA_CHANGES notice on the crm-writeback queue fans out and writes back', async () => {
    const id = hs().idForIndex(40);
    await addHistory((await customerOf(id)).id);
    const { rows } = await h.db.query(`SELECT max(id)::text AS max, count(*)::int AS n FROM persona_history`);
    await h.jobs.enqueue(PERSONA_CHANGES, { toHistoryId: rows[0].max, count: 1 });
    const deadline = Date.now() + 15_000;
    while (hs().getContact(id).properties.corridor_persona !== 'Everyone else') {
      if (Date.now() > deadline) throw new Error('write-back did not happen');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('recovers from 429 (with and without Retry-After) and 5xx', async () => {
    const other = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    h.sandbox.admin.failNext('hubspot', { path: '/crm/v3/objects/contacts', method: 'GET', status: 429, count: 2 });
    h.sandbox.admin.failNext('hubspot', { path: '/crm/v3/objects/contacts', method: 'GET', status: 502, count: 2 });
    h.sandbox.admin.failNext('hubspot', { path: '/crm/v3/objects/contacts', method: 'GET', status: 'drop', count: 1 });
    const run = await h.sync.sync({ connectionId: other, mode: 'full' });
    expect(run).toMatchObject({ status: 'completed', created: (await countCustomers(h.db, connectionId)).live });
    expect(run!.rateLimited).toBeGreaterThanOrEqual(2);
    expect(run!.retries).toBeGreaterThanOrEqual(5);
  });

});
