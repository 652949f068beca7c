import { Client } from '@hubspot/api-client';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';
import { syncThroughQueue } from './sync-through-queue';

jest.setTimeout(180_000);

/**
 * Both CRMs have a loyalty tier (HubSpot `loyalty_tier`: bronze … platinum; Salesforce
 * `Loyalty_Tier__c`: Bronze … Platinum), auto-mapped to one attribute. The catalog's values are
 * the union of what the connections offer, one spelling per value (the first synced), not
 * whichever connection synced last.
 */
describe('catalog enum values of an attribute two CRMs feed', () => {
  let h: SyncHarness;

  const tiers = async (): Promise<string[]> =>
    (await h.db.query(`SELECT enum_values FROM attributes WHERE name = 'loyalty_tier'`)).rows[0]?.enum_values;

  beforeAll(async () => {
    h = await startSyncHarness({
      hubspot: { contacts: 50, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
      salesforce: { contacts: 50, leads: 10 },
    } as never);
  });
  afterAll(() => h?.close());

  it('merges the values (case-insensitive, first spelling kept) instead of overwriting them', async () => {
    const hubspot = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    const salesforce = await h.addSalesforce();
    expect(await syncThroughQueue(h, hubspot, 'full')).toMatchObject({ status: 'completed' });
    expect(await tiers()).toEqual(['bronze', 'silver', 'gold', 'platinum']);

    expect(await syncThroughQueue(h, salesforce, 'full')).toMatchObject({ status: 'completed' });
    expect(await tiers()).toEqual(['bronze', 'silver', 'gold', 'platinum']);

    // HubSpot gains a tier: it joins the catalog, and Salesforce's next sync keeps it.
    const client = new Client({ accessToken: 'sandbox-hubspot-token', basePath: h.sandbox.url });
    const property = await client.crm.properties.coreApi.getByName('contacts', 'loyalty_tier');
    await client.crm.properties.coreApi.update('contacts', 'loyalty_tier', {
      options: [...property.options, { label: 'Diamond', value: 'diamond', displayOrder: 4, hidden: false }],
    });
    expect(await syncThroughQueue(h, hubspot, 'incremental')).toMatchObject({ status: 'completed' });
    expect(await tiers()).toEqual(['bronze', 'silver', 'gold', 'platinum', 'diamond']);
    expect(await syncThroughQueue(h, salesforce, 'incremental')).toMatchObject({ status: 'completed' });
    expect(await tiers()).toEqual(['bronze', 'silver', 'gold', 'platinum', 'diamond']);
  });
});
