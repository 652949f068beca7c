import { startSyncHarness, SyncHarness } from './crm-sync-harness';
import { syncThroughQueue } from './sync-through-queue';

jest.setTimeout(300_000);

const SEARCH = 'POST /crm/v3/objects/contacts/search';

/**
 * HubSpot search refuses to page past 10,000 results (the sandbox answers 400 like HubSpot), and
 * bulk updates give thousands of contacts one lastmodifieddate: the sync must read every one of
 * them exactly once, without paging past the cap and without looping (keyset on hs_object_id).
 */
describe('HubSpot incremental sync past the 10,000-result search cap', () => {
  let h: SyncHarness;
  let connectionId: string;

  beforeAll(async () => {
    h = await startSyncHarness({
      hubspot: { contacts: 30_000, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
    } as never);
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    const full = await syncThroughQueue(h, connectionId, 'full');
    expect(full).toMatchObject({ status: 'completed', created: 30_000 });
  });
  afterAll(() => h?.close());

  it('25,000 contacts changed at the same millisecond: all read, no 400, no loop', async () => {
    const touched = h.sandbox.admin.hubspot.touchContacts({ fromIndex: 0, toIndex: 25_000 }, { jobtitle: 'Bulk import' });
    expect(touched.count).toBe(25_000);
    h.sandbox.admin.resetStats();
    const run = await syncThroughQueue(h, connectionId, 'incremental');
    expect(run).toMatchObject({ status: 'completed', updated: 25_000, created: 0 });
    const stats = h.sandbox.admin.stats().hubspot;
    expect(stats.byStatus['400'] ?? 0).toBe(0);
    // Each record read once, 200 a page: a tie group larger than the cap used to be read up to the
    // cap by time and then again by id (35,000 records in 175 pages for these 25,000).
    expect(stats.resultsByEndpoint[SEARCH]).toBe(25_000);
    expect(stats.byEndpoint[SEARCH]).toBe(125);
    const { rows } = await h.db.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1 AND attributes->>'job_title' = 'Bulk import'`, [connectionId]);
    expect(rows[0].n).toBe(25_000);
  });

  it('equal timestamps at window edges: groups of 9,000 / 4,000 / single records around the cap', async () => {
    // HubSpot stamps writes with its clock: these land just after the last sync's watermark.
    const base = Date.now() + 5;
    const hs = h.sandbox.admin.hubspot;
    hs.touchContacts({ fromIndex: 0, toIndex: 9_000 }, { jobtitle: 'Edge A' }, { at: base });
    hs.touchContacts({ fromIndex: 9_000, toIndex: 13_000 }, { jobtitle: 'Edge B' }, { at: base + 1 });
    for (let i = 13_000; i < 13_050; i++) hs.touchContacts({ fromIndex: i, toIndex: i + 1 }, { jobtitle: 'Edge C' }, { at: base + 2 + (i % 5) });
    hs.touchContacts({ fromIndex: 20_000, toIndex: 27_000 }, { jobtitle: 'Edge D' }, { at: base + 10 });
    await new Promise((r) => setTimeout(r, 50));
    h.sandbox.admin.resetStats();
    const run = await syncThroughQueue(h, connectionId, 'incremental');
    expect(run).toMatchObject({ status: 'completed', updated: 9_000 + 4_000 + 50 + 7_000 });
    const stats = h.sandbox.admin.stats().hubspot;
    expect(stats.byStatus['400'] ?? 0).toBe(0);
    expect(stats.resultsByEndpoint[SEARCH]).toBe(20_050);
    expect(stats.byEndpoint[SEARCH]).toBe(Math.ceil(20_050 / 200));
    const { rows } = await h.db.query(
      `SELECT attributes->>'job_title' AS t, count(*)::int AS n FROM customers WHERE connection_id = $1 AND attributes->>'job_title' LIKE 'Edge %' GROUP BY 1 ORDER BY 1`,
      [connectionId],
    );
    expect(rows).toEqual([
      { t: 'Edge A', n: 9_000 },
      { t: 'Edge B', n: 4_000 },
      { t: 'Edge C', n: 50 },
      { t: 'Edge D', n: 7_000 },
    ]);
  });
});
