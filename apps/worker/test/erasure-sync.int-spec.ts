import { CustomerDataStore } from '@corridor/persistence';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

/**
 * An erasure survives the next CRM sync (README "Customer data requests"): the sandbox CRM still
 * holds the record, unchanged, and full and incremental syncs leave it erased; once the record
 * changes in the CRM (a newer lastmodifieddate) the sync imports it again. Real HubSpot client
 * over HTTP against the sandbox, the sync service and the upsert it uses, real Postgres.
 */
describe('an erased customer and the CRM sync', () => {
  let h: SyncHarness;
  let connectionId: string;
  let externalId: string;
  let customerId: string;
  const row = async () =>
    (
      await h.db.query(`SELECT attributes, email, erased_at, deleted_at, crm_modified_at FROM customers WHERE connection_id = $1 AND external_id = $2`, [
        connectionId,
        externalId,
      ])
    ).rows[0];

  beforeAll(async () => {
    h = await startSyncHarness({ hubspot: { contacts: 60, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } });
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    const first = await h.sync.sync({ connectionId, mode: 'full' });
    expect(first).toMatchObject({ status: 'completed', created: 60 });
    externalId = h.sandbox.admin.hubspot.idForIndex(7);
    customerId = (await h.db.query(`SELECT id::text FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, externalId])).rows[0].id;
    await h.takeEvaluations();
  });
  afterAll(() => h?.close());

  it('stays erased through full and incremental syncs while the CRM record is unchanged', async () => {
    const original = await row();
    expect(original.email).toEqual(expect.stringContaining('@'));
    const counts = await h.app.get(CustomerDataStore).erase(customerId);
    expect(counts).toMatchObject({ customers: 1 });
    const erased = await row();
    expect(erased).toMatchObject({ attributes: {}, email: null, erased_at: expect.any(Date), deleted_at: expect.any(Date) });
    // The CRM's version at erasure is kept: it is what the next sync compares with.
    expect(erased.crm_modified_at).toEqual(original.crm_modified_at);

    const full = await h.sync.sync({ connectionId, mode: 'full', trigger: 'manual' } as never);
    expect(full).toMatchObject({ status: 'completed', created: 0, updated: 0 });
    expect(await row()).toMatchObject({ attributes: {}, email: null, erased_at: erased.erased_at });

    // Another record changes: an incremental sync brings it, and still not the erased one.
    const other = h.sandbox.admin.hubspot.idForIndex(8);
    h.sandbox.admin.hubspot.updateContact(other, { jobtitle: 'Changed elsewhere' });
    await new Promise((r) => setTimeout(r, 20));
    const incremental = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(incremental).toMatchObject({ status: 'completed', updated: 1, created: 0 });
    expect(await row()).toMatchObject({ attributes: {}, email: null, erased_at: erased.erased_at });
    const evaluations = await h.takeEvaluations();
    expect([...evaluations.new_customer, ...evaluations.data_change]).not.toContain(customerId);
  });

  it('is imported again once the record changes in the CRM', async () => {
    h.sandbox.admin.hubspot.updateContact(externalId, { jobtitle: 'Came back' });
    await new Promise((r) => setTimeout(r, 20));
    const run = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(run).toMatchObject({ status: 'completed', updated: 1, created: 0 });
    const back = await row();
    expect(back).toMatchObject({ erased_at: null, deleted_at: null, email: expect.stringContaining('@') });
    expect(back.attributes.job_title).toBe('Came back');
    expect((await h.takeEvaluations()).data_change).toContain(customerId);
  });
});
