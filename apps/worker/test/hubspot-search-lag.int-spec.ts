import { parseHubSpotEvents } from '@corridor/crm';
import { SyncHarness, startSyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

/**
 * HubSpot's search index lags writes by seconds and can return a record as it was before a change
 * that a webhook (read through the batch API, which does not lag) already brought in. The demo hit
 * it: an incremental sync right after a webhook put the customer back to its old data and persona.
 * A version older than the one stored must never overwrite it.
 */
describe('a lagging search index never reverts a newer version', () => {
  let h: SyncHarness;

  beforeAll(async () => {
    h = await startSyncHarness({ hubspot: { contacts: 200, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
  });
  afterAll(() => h?.close());

  it('keeps what the webhook stored when the search returns the record as it was', async () => {
    const hs = h.sandbox.admin.hubspot;
    const connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 }, searchLagMs: 0 });
    expect(await h.sync.sync({ connectionId, mode: 'full' })).toMatchObject({ status: 'completed', created: 200 });
    const id = hs.idForIndex(7);
    const jobTitle = async () =>
      (await h.db.query(`SELECT attributes->>'job_title' AS t FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, id])).rows[0].t;

    // An earlier edit, old enough to be in the (now lagging) search index…
    h.sandbox.admin.configure({ hubspot: { searchLagMs: 4000 } } as never);
    hs.updateContact(id, { jobtitle: 'Old title' });
    await new Promise((r) => setTimeout(r, 4500));
    // …then a newer one, which arrives by webhook and is read through the batch API.
    hs.updateContact(id, { jobtitle: 'New title' });
    const events = parseHubSpotEvents([
      { eventId: 9001, subscriptionId: 1, portalId: 1, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(id), propertyName: 'jobtitle', propertyValue: 'New title', changeSource: 'CRM_UI' },
    ]);
    await h.store.recordWebhookEvents(connectionId, events);
    expect(await h.webhooks.applyPending(connectionId)).toEqual({ events: 1, changed: 1 });
    expect(await jobTitle()).toBe('New title');
    await h.takeEvaluations();

    // The incremental sync's search still sees the old version of the record.
    const inc = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(inc!.records).toBeGreaterThanOrEqual(1);
    expect(inc).toMatchObject({ status: 'completed', updated: 0 });
    expect(await jobTitle()).toBe('New title');
    expect((await h.takeEvaluations()).data_change).toEqual([]);
  });
});
