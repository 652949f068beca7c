import { eventually } from '@corridor/testing';
import { changePersonas, corridorCopy, countPerId, DEGRADED_CALL_TIMEOUT_MS, degradedFaults, expectFaultsAccountedFor } from './crm-degraded-support';
import { countCustomers, startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(180_000);

const CONTACTS = 2500;
const LEADS = 700;
/**
 * Salesforce may answer a query in batches smaller than asked (200 is its floor): smaller batches
 * mean more requests, so each kind of fault meets the sync more than once.
 */
const BATCH = 200;
/** The full sync meets gateway-style 429 storms that say when they end (Retry-After). */
const STORMS_WITH_RETRY_AFTER = degradedFaults({ stormRate: 0.05, stormStatus: 429, stormRetryAfter: true });
/** Then Salesforce's own refusal: 403 REQUEST_LIMIT_EXCEEDED (ConcurrentPerOrgLongTxn), no Retry-After. */
const SALESFORCE_STORMS = degradedFaults({ stormRate: 0.05, stormStatus: 403, stormRetryAfter: false });
/** SystemModstamp is second-precise and the sync stays 5 s behind now: changes are read after this. */
const MODSTAMP_SETTLE_MS = 6200;

/**
 * The HubSpot degraded test's twin for Salesforce (Contacts and Leads through jsforce): syncs and
 * write-backs against the sandbox at a 20 % error rate with latency, dropped connections and rate
 * limit storms complete with exact counts (Corridor's copy equals the sandbox's), and each changed
 * record receives exactly one API write (counted by the sandbox, per record), none redundant.
 */
describe('Salesforce syncs and write-backs against a degraded CRM', () => {
  let h: SyncHarness;
  let connectionId: string;
  const sf = () => h.sandbox.admin.salesforce;
  const contacts: string[] = [];
  const leads: string[] = [];

  beforeAll(async () => {
    process.env.CRM_CALL_TIMEOUT_MS = DEGRADED_CALL_TIMEOUT_MS;
    h = await startSyncHarness({
      salesforce: { contacts: CONTACTS, leads: LEADS, preDeleted: 0, dailyApiLimit: 0, maxBatchSize: BATCH, faults: STORMS_WITH_RETRY_AFTER },
    } as never);
    connectionId = await h.addSalesforce();
    for (let i = 0; i < CONTACTS; i++) contacts.push(sf().idForIndex('Contact', i));
    for (let i = 0; i < LEADS; i++) leads.push(sf().idForIndex('Lead', i));
  }, 120_000);
  afterAll(() => h?.close(), 30_000);

  const copy = () => corridorCopy(h, connectionId, ['email', 'job_title']);

  /**
   * What Corridor should hold, read in-process (not through the faulty HTTP surface): live Contacts
   * and unconverted Leads (a converted Lead is an alias of its Contact).
   */
  function sandboxCopy(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [object, ids] of [['Contact', contacts], ['Lead', leads]] as const) {
      for (const id of ids) {
        const r = sf().getRecord(object, id);
        if (!r.exists || r.deleted || r.fields.IsConverted === true) continue;
        out.set(r.id, `${r.fields.Email ?? ''}|${r.fields.Title ?? ''}`);
      }
    }
    return out;
  }

  /** Updates received through the REST API (Corridor's writes), per record. */
  const apiUpdatesPerRecord = () => countPerId(sf().writeLog().filter((w) => w.changeType === 'UPDATE').map((w) => w.id));

  it('a full sync, then an incremental one, end with Corridor holding exactly what the sandbox holds', async () => {
    const full = await h.sync.sync({ connectionId, mode: 'full' });
    const expectedFull = sandboxCopy();
    expect(full).toMatchObject({ status: 'completed', mode: 'full', created: expectedFull.size });
    expect(await countCustomers(h.db, connectionId)).toMatchObject({ live: expectedFull.size, deleted: 0 });
    expect(await copy()).toEqual(expectedFull);
    const fullStats = h.sandbox.admin.stats().salesforce;

    // Changes in the CRM, Contacts and Leads alike: edited, deleted, created, and Leads converted.
    h.sandbox.admin.resetStats();
    h.sandbox.admin.configure({ salesforce: { faults: SALESFORCE_STORMS } } as never);
    const liveLeads = leads.filter((id) => expectedFull.has(id));
    const deleted = [...contacts.filter((_, i) => i % 50 === 7).slice(0, 7), ...liveLeads.filter((_, i) => i % 40 === 5).slice(0, 3)];
    const converted = liveLeads.filter((id, i) => i % 45 === 11 && !deleted.includes(id)).slice(0, 2);
    const edited = [
      ...contacts.filter((id, i) => i % 16 === 3 && !deleted.includes(id)).slice(0, 60),
      ...liveLeads.filter((id, i) => i % 20 === 9 && !deleted.includes(id) && !converted.includes(id)).slice(0, 15),
    ];
    for (const id of edited) sf().updateRecord(id.startsWith('00Q') ? 'Lead' : 'Contact', id, { Title: `Edited ${id}` });
    for (const id of deleted) sf().deleteRecord(id.startsWith('00Q') ? 'Lead' : 'Contact', id);
    const created = [
      ...Array.from({ length: 9 }, (_, i) => sf().createRecord('Contact', { LastName: `New${i}`, Email: `new-${i}@degraded.test` }).id),
      ...Array.from({ length: 4 }, (_, i) => sf().createRecord('Lead', { LastName: `Lead${i}`, Company: 'Degraded', Email: `lead-${i}@degraded.test` }).id),
    ];
    for (const id of converted) created.push(sf().convertLead(id).contactId);
    contacts.push(...created.filter((id) => id.startsWith('003')));
    leads.push(...created.filter((id) => id.startsWith('00Q')));
    await new Promise((r) => setTimeout(r, MODSTAMP_SETTLE_MS));

    const incremental = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    const expected = sandboxCopy();
    expect(incremental).toMatchObject({ status: 'completed', mode: 'incremental', updated: edited.length, created: created.length, deleted: deleted.length });
    expect(await countCustomers(h.db, connectionId)).toEqual({ live: expected.size, deleted: deleted.length, merged: converted.length });
    expect(expected.size).toBe(expectedFull.size - deleted.length - converted.length + created.length);
    expect(await copy()).toEqual(expected);
    // Each converted Lead follows its Contact.
    const { rows: aliases } = await h.db.query(
      `SELECT l.external_id AS lead, c.external_id AS contact FROM customers l JOIN customers c ON c.id = l.merged_into_id WHERE l.connection_id = $1`,
      [connectionId],
    );
    expect(new Map(aliases.map((a) => [a.lead, a.contact]))).toEqual(new Map(converted.map((id) => [id, sf().getRecord('Lead', id).fields.ConvertedContactId])));
    // The syncs read only: no write reached the CRM.
    expect(sf().writeLog()).toHaveLength(0);

    // The faults did happen, and every request is accounted for by its outcome.
    const stats = h.sandbox.admin.stats().salesforce;
    process.stdout.write(
      `${JSON.stringify({
        fullSync: { requests: fullStats.total, byOutcome: fullStats.byOutcome, retries: full!.retries, rateLimited: full!.rateLimited },
        incremental: { requests: stats.total, byOutcome: stats.byOutcome, retries: incremental!.retries, rateLimited: incremental!.rateLimited },
      })}\n`,
    );
    expectFaultsAccountedFor(fullStats, ['injectedError', 'dropped', 'injectedStorm']);
    expectFaultsAccountedFor(stats, ['injectedError', 'injectedStorm']);
    // Storms of both kinds (429 with Retry-After, 403 without) were waited out as rate limits, not failures.
    expect(full!.rateLimited).toBeGreaterThan(0);
    expect(incremental!.rateLimited).toBeGreaterThan(0);
  });

  it('persona write-backs on Contacts and Leads: exactly one write per changed record, none redundant, and no loop through the next sync', async () => {
    h.sandbox.admin.resetStats();
    // 1,000 customers change persona (as a segmentation run records it), Contacts and Leads mixed.
    const changed = await changePersonas(h, connectionId, 1000, 'mixed');
    expect(changed.filter((c) => c.crm_object === 'lead').length).toBeGreaterThan(50);
    const objectOf = (c: { crm_object: string }) => (c.crm_object === 'lead' ? 'Lead' : 'Contact');

    await eventually(
      async () => changed.every((c) => sf().getRecord(objectOf(c), c.external_id).fields.Corridor_Persona__c === 'Everyone else'),
      'every changed record to carry its persona',
      150_000,
      250,
    );
    // Let a stray retry land before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const perRecord = apiUpdatesPerRecord();
    expect([...perRecord.keys()].sort()).toEqual(changed.map((c) => c.external_id).sort());
    expect([...perRecord.entries()].filter(([, n]) => n !== 1)).toEqual([]);

    const stats = h.sandbox.admin.stats().salesforce;
    process.stdout.write(`${JSON.stringify({ writeback: { requests: stats.total, byOutcome: stats.byOutcome, collections: stats.byEndpoint['PATCH /services/data/vXX.X/composite/sobjects'] } })}\n`);
    expect(stats.byOutcome.injectedError + stats.byOutcome.dropped + stats.byOutcome.injectedStorm).toBeGreaterThan(0);

    // Nothing left to write; the next incremental sync sees Corridor's own writes and changes nothing.
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0, failed: 0 });
    await new Promise((r) => setTimeout(r, MODSTAMP_SETTLE_MS));
    const sync = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(sync).toMatchObject({ status: 'completed', created: 0, updated: 0, deleted: 0 });
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0, failed: 0 });
    expect(sf().writeLog()).toHaveLength(changed.length);
  });
});
