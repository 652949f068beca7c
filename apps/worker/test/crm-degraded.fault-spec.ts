import { eventually } from '@corridor/testing';
import { changePersonas, corridorCopy as copyOf, countPerId, DEGRADED_CALL_TIMEOUT_MS, degradedFaults, expectFaultsAccountedFor } from './crm-degraded-support';
import { countCustomers, startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(180_000);

const CONTACTS = 3000;
const TOKEN = 'sandbox-hubspot-token';
/** HubSpot's 429 storms carry Retry-After here (HubSpot does not always send it). */
const DEGRADED = degradedFaults();

/**
 * Syncs and write-backs against the CRM sandbox at a 20 % error rate with latency, dropped
 * connections and 429 storms: they complete with exact counts (Corridor's copy equals the
 * sandbox's), and each changed customer's record receives exactly one write (counted by the
 * sandbox, per record), none redundant. The crm-sync and crm-writeback workers run in-process; the
 * real HubSpot client talks to the sandbox over HTTP.
 */
describe('HubSpot syncs and write-backs against a degraded CRM', () => {
  let h: SyncHarness;
  let connectionId: string;
  const hs = () => h.sandbox.admin.hubspot;

  beforeAll(async () => {
    process.env.CRM_CALL_TIMEOUT_MS = DEGRADED_CALL_TIMEOUT_MS;
    h = await startSyncHarness({
      hubspot: { contacts: CONTACTS, preArchived: 0, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 }, faults: DEGRADED },
    });
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
  }, 120_000);
  afterAll(() => h?.close(), 30_000);

  /** Corridor's live customers of the connection: external id → email and job title. */
  const corridorCopy = () => copyOf(h, connectionId, ['email', 'job_title']);

  /** The same, as the sandbox holds it (read in-process, not through the faulty HTTP surface). */
  function sandboxCopy(ids: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const id of ids) {
      const c = hs().getContact(id);
      if (c.exists && !c.archived) out.set(c.id, `${c.properties.email ?? ''}|${c.properties.jobtitle ?? ''}`);
    }
    return out;
  }

  /** Writes received through the API (Corridor's token), per record. */
  const apiWritesPerRecord = () => countPerId(hs().writeLog().filter((w) => w.by === `api:${TOKEN}`).map((w) => w.id));

  it('a full sync, then an incremental one, end with Corridor holding exactly what the sandbox holds', async () => {
    const all = Array.from({ length: CONTACTS }, (_, i) => hs().idForIndex(i));
    const full = await h.sync.sync({ connectionId, mode: 'full' });
    expect(full).toMatchObject({ status: 'completed', mode: 'full', created: CONTACTS });
    expect(await countCustomers(h.db, connectionId)).toEqual({ live: CONTACTS, deleted: 0, merged: 0 });
    expect(await corridorCopy()).toEqual(sandboxCopy(all));

    // Changes in the CRM: 60 edited, 7 archived, 9 created.
    const archived = all.filter((_, i) => i % 50 === 7).slice(0, 7);
    const edited = all.filter((id, i) => i % 16 === 3 && !archived.includes(id)).slice(0, 60);
    for (const id of edited) hs().updateContact(id, { jobtitle: `Edited ${id}` });
    for (const id of archived) hs().archiveContact(id);
    const created = Array.from({ length: 9 }, (_, i) => hs().createContact({ email: `new-${i}@degraded.test`, firstname: `New${i}` }).id);
    await new Promise((r) => setTimeout(r, 20));

    const incremental = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(incremental).toMatchObject({ status: 'completed', mode: 'incremental', updated: edited.length, created: created.length, deleted: archived.length });
    expect(await countCustomers(h.db, connectionId)).toEqual({ live: CONTACTS - archived.length + created.length, deleted: archived.length, merged: 0 });
    expect(await corridorCopy()).toEqual(sandboxCopy([...all, ...created]));
    // The sync read through HubSpot's own reads only: no write reached the CRM.
    expect(apiWritesPerRecord().size).toBe(0);

    // The faults did happen, and every request is accounted for by its outcome.
    const stats = h.sandbox.admin.stats().hubspot;
    process.stdout.write(`${JSON.stringify({ requests: stats.total, byOutcome: stats.byOutcome, fullSync: { requests: full!.requests, retries: full!.retries, rateLimited: full!.rateLimited }, incremental: { requests: incremental!.requests, retries: incremental!.retries } })}\n`);
    expectFaultsAccountedFor(stats, ['injectedError', 'dropped', 'injectedStorm']);
  });

  it('persona write-backs: exactly one write per changed customer, none redundant, and no loop through the next sync', async () => {
    h.sandbox.admin.resetStats();
    // 1,000 customers change persona (as a segmentation run records it), the rest keep theirs.
    const changed = await changePersonas(h, connectionId, 1000);

    await eventually(
      async () => changed.every((c) => hs().getContact(c.external_id).properties.corridor_persona === 'Everyone else'),
      'every changed record to carry its persona',
      150_000,
      250,
    );
    // Let a stray retry land before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const perRecord = apiWritesPerRecord();
    expect([...perRecord.keys()].sort()).toEqual(changed.map((c) => c.external_id).sort());
    expect([...perRecord.values()].every((n) => n === 1)).toBe(true);

    const stats = h.sandbox.admin.stats().hubspot;
    process.stdout.write(`${JSON.stringify({ writeback: { requests: stats.total, byOutcome: stats.byOutcome, batchUpdates: stats.byEndpoint['POST /crm/v3/objects/contacts/batch/update'] } })}\n`);
    expect(stats.byOutcome.injectedError + stats.byOutcome.dropped + stats.byOutcome.injectedStorm).toBeGreaterThan(0);

    // Nothing left to write; the next incremental sync sees Corridor's own writes and changes nothing.
    const again = await h.writeback.writeConnection(connectionId);
    expect(again).toMatchObject({ written: 0, failed: 0 });
    const sync = await h.sync.sync({ connectionId, mode: 'incremental', trigger: 'schedule' });
    expect(sync).toMatchObject({ status: 'completed', created: 0, updated: 0, deleted: 0 });
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0, failed: 0 });
    expect(hs().writeLog().filter((w) => w.by === `api:${TOKEN}`)).toHaveLength(changed.length);
  });
});
