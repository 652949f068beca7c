import { SYNC_CONNECTION } from '@corridor/contracts';
import { SyncMode, SyncRun } from '@corridor/domain';
import { eventually } from '@corridor/testing';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(180_000);

/** SystemModstamp has second precision and the sync stays 5 s behind now. */
const PAST_SAFETY_MARGIN_MS = 6_500;
const LOGIN = 'POST /services/oauth2/token';

/**
 * Issue 7 (Salesforce): Account changes reach Contacts, merges become aliases, full syncs sweep
 * records gone without a trace, sessions are reused across jobs, and the total hint is right.
 * Every sync here is a `sync-connection` job on the crm-sync queue, run by the worker's processor.
 */
describe('Salesforce sync fidelity (sandbox over HTTP, jsforce, jobs through the queue)', () => {
  let h: SyncHarness;
  let connectionId: string;
  const sf = () => h.sandbox.admin.salesforce;
  const customerOf = async (externalId: string) =>
    (
      await h.db.query(
        `SELECT id::text, attributes, deleted_at, merged_into_id::text, crm_modified_at FROM customers WHERE connection_id = $1 AND external_id = $2`,
        [connectionId, externalId],
      )
    ).rows[0];

  /** What "sync now" does: a run row, then the job; waits for the worker to finish it. */
  const syncThroughQueue = async (mode: SyncMode, id = connectionId): Promise<SyncRun> => {
    const run = await h.store.createRun(id, mode, 'manual');
    await h.jobs.enqueue(SYNC_CONNECTION, { connectionId: id, runId: run.id, mode, trigger: 'manual' });
    return eventually(
      async () => {
        const r = await h.store.getRun(run.id);
        return r.status === 'completed' || r.status === 'failed' ? r : null;
      },
      `sync run ${run.id} to finish`,
      120_000,
      100,
    );
  };

  /** Live records in the CRM, as customers: Contacts and unconverted Leads (none are created here). */
  const crmLiveCount = (): number => {
    let n = 0;
    for (const [object, count] of [['Contact', 400], ['Lead', 120]] as const) {
      for (let i = 0; i < count; i++) {
        const record = sf().getRecord(object, sf().idForIndex(object, i));
        if (record.exists && !record.deleted && record.fields.IsConverted !== true) n++;
      }
    }
    return n;
  };

  const liveCustomers = async (id = connectionId): Promise<number> =>
    (await h.db.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL`, [id])).rows[0].n;

  beforeAll(async () => {
    h = await startSyncHarness({ salesforce: { contacts: 400, leads: 120, preDeleted: 0 }, hubspot: { contacts: 300, searchLagMs: 0 } } as never);
    connectionId = await h.addSalesforce();
  });
  afterAll(() => h?.close());

  it('the total hint counts Contacts and unconverted Leads: a full run reports exactly what it reads', async () => {
    const run = await syncThroughQueue('full');
    expect(run).toMatchObject({ status: 'completed', mode: 'full' });
    expect(run.records).toBeGreaterThan(400);
    // Was the Contact query's totalSize alone (400 of ~500).
    expect(run.totalHint).toBe(run.records);
    expect(run.percent).toBe(100);
  });

  it("an Account change reaches its Contacts' company, industry, revenue and employees (their own SystemModstamp unchanged)", async () => {
    const contactIds = [...Array(400).keys()].map((i) => sf().idForIndex('Contact', i));
    const withAccount = contactIds.map((id) => sf().getRecord('Contact', id)).find((r) => typeof r.fields.AccountId === 'string')!;
    const accountId = String(withAccount.fields.AccountId);
    const colleagues = contactIds.filter((id) => sf().getRecord('Contact', id).fields.AccountId === accountId);
    const stampsBefore = colleagues.map((id) => sf().getRecord('Contact', id).fields.SystemModstamp);
    const before = await customerOf(withAccount.id);
    expect(before.attributes.industry).not.toBe('Shipping');

    sf().updateAccount(accountId, { Name: 'Renamed Holdings', Industry: 'Shipping', AnnualRevenue: 4_200_000, NumberOfEmployees: 4321 });
    // As in Salesforce: the Contacts' own stamps do not move.
    expect(colleagues.map((id) => sf().getRecord('Contact', id).fields.SystemModstamp)).toEqual(stampsBefore);
    await new Promise((r) => setTimeout(r, PAST_SAFETY_MARGIN_MS));

    const run = await syncThroughQueue('incremental');
    expect(run).toMatchObject({ status: 'completed', mode: 'incremental' });
    for (const id of colleagues) {
      expect((await customerOf(id)).attributes).toMatchObject({ company: 'Renamed Holdings', industry: 'Shipping', annual_revenue: 4_200_000, employees: 4321 });
    }
    expect(run.updated).toBe(colleagues.length);
    expect(run.totalHint).toBe(run.records);
    // Re-segmentation hears of them.
    const evals = await h.takeEvaluations();
    expect(evals.data_change).toEqual(expect.arrayContaining([before.id]));

    // The Accounts' checkpoint moved on: the next sync does not read those Contacts again.
    const cursor = (await h.db.query(`SELECT watermark FROM sync_cursors WHERE connection_id = $1`, [connectionId])).rows[0];
    expect(JSON.parse(cursor.watermark)).toEqual({ records: expect.any(String), accounts: expect.any(String) });
    const quiet = await syncThroughQueue('incremental');
    expect(quiet).toMatchObject({ status: 'completed', records: 0 });
  });

  it('a merge (loser deleted with MasterRecordId) makes the loser an alias of the master, not a deleted customer', async () => {
    const master = sf().idForIndex('Contact', 11);
    const loser = sf().idForIndex('Contact', 12);
    const masterCustomer = await customerOf(master);
    sf().mergeRecords('Contact', master, loser);
    await new Promise((r) => setTimeout(r, PAST_SAFETY_MARGIN_MS));

    const run = await syncThroughQueue('incremental');
    expect(run).toMatchObject({ status: 'completed', merged: 1, deleted: 0 });
    const merged = await customerOf(loser);
    expect(merged).toMatchObject({ merged_into_id: masterCustomer.id, deleted_at: null });
    const alias = await h.db.query(`SELECT customer_id::text FROM customer_aliases WHERE connection_id = $1 AND external_id = $2`, [connectionId, loser]);
    expect(alias.rows[0]?.customer_id).toBe(masterCustomer.id);
  });

  it('a full sync sweeps records purged from the recycle bin (no delete record), only once the run completes', async () => {
    const purgedContact = sf().idForIndex('Contact', 30);
    const purgedLead = sf().idForIndex('Lead', 31);
    for (const [object, id] of [['Contact', purgedContact], ['Lead', purgedLead]] as const) {
      expect(sf().getRecord(object, id)).toMatchObject({ exists: true, deleted: false });
      sf().deleteRecord(object, id);
      sf().purgeRecord(object, id);
      expect(sf().getRecord(object, id).exists).toBe(false);
    }
    await new Promise((r) => setTimeout(r, PAST_SAFETY_MARGIN_MS));
    // Incremental syncs cannot see what left no trace.
    await syncThroughQueue('incremental');
    expect((await customerOf(purgedContact)).deleted_at).toBeNull();

    // A full run that fails (permanently, on its last phase) sweeps nothing.
    h.sandbox.admin.failNext('salesforce', {
      path: '/queryAll',
      status: 400,
      count: 1,
      body: [{ message: 'No such column', errorCode: 'INVALID_FIELD' }],
    });
    const failed = await syncThroughQueue('full');
    expect(failed.status).toBe('failed');
    expect((await customerOf(purgedContact)).deleted_at).toBeNull();
    expect((await customerOf(purgedLead)).deleted_at).toBeNull();

    const run = await syncThroughQueue('full');
    expect(run).toMatchObject({ status: 'completed', mode: 'full' });
    expect((await customerOf(purgedContact)).deleted_at).not.toBeNull();
    expect((await customerOf(purgedLead)).deleted_at).not.toBeNull();
    expect(run.deleted).toBeGreaterThanOrEqual(2);
    // Exactly the CRM's live records; the merged-away customer stays an alias.
    expect(await liveCustomers()).toBe(crmLiveCount());
    expect((await customerOf(sf().idForIndex('Contact', 12))).merged_into_id).not.toBeNull();
    const evals = await h.takeEvaluations();
    expect(evals.data_change).toEqual(expect.arrayContaining([(await customerOf(purgedContact)).id]));
    // The run's bookkeeping of seen ids is gone.
    expect((await h.db.query(`SELECT count(*)::int AS n FROM sync_run_seen`)).rows[0].n).toBe(0);
  });

  it('a HubSpot GDPR delete (no archived record left) is swept by the next full sync', async () => {
    const hubspotId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    const hs = h.sandbox.admin.hubspot;
    expect(await syncThroughQueue('full', hubspotId)).toMatchObject({ status: 'completed' });
    const gone = hs.idForIndex(17);
    hs.gdprDeleteContact(gone);
    expect(hs.getContact(gone).exists).toBe(false);
    const run = await syncThroughQueue('full', hubspotId);
    expect(run).toMatchObject({ status: 'completed', deleted: 1 });
    const row = (await h.db.query(`SELECT deleted_at FROM customers WHERE connection_id = $1 AND external_id = $2`, [hubspotId, gone])).rows[0];
    expect(row.deleted_at).not.toBeNull();
    expect(await liveCustomers(hubspotId)).toBe(299);
  });

  it('jobs reuse the Salesforce session; after INVALID_SESSION_ID one new login serves the next jobs', async () => {
    // Make sure this process holds a session, then count logins from here on.
    await syncThroughQueue('incremental');
    h.sandbox.admin.resetStats();
    for (let i = 0; i < 3; i++) expect(await syncThroughQueue('incremental')).toMatchObject({ status: 'completed' });
    expect(h.sandbox.admin.stats().salesforce.byEndpoint[LOGIN] ?? 0).toBe(0);

    sf().expireSessions();
    for (let i = 0; i < 3; i++) expect(await syncThroughQueue('incremental')).toMatchObject({ status: 'completed' });
    expect(h.sandbox.admin.stats().salesforce.byEndpoint[LOGIN]).toBe(1);
    expect(h.sandbox.admin.stats().salesforce.byStatus['401']).toBe(1);
  });

  it('a session rejected right after logging in again fails the job (CRM_UNAUTHORIZED) after one login, not a login loop', async () => {
    await syncThroughQueue('incremental');
    h.sandbox.admin.resetStats();
    h.sandbox.admin.failNext('salesforce', {
      path: '/limits',
      status: 401,
      count: 50,
      body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
    });
    try {
      const run = await syncThroughQueue('incremental');
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/^CRM_UNAUTHORIZED/);
      expect(h.sandbox.admin.stats().salesforce.byEndpoint[LOGIN]).toBe(1);
    } finally {
      h.sandbox.admin.clearFaults('salesforce');
    }
    // The org accepts sessions again: the next job logs in afresh and completes.
    expect(await syncThroughQueue('incremental')).toMatchObject({ status: 'completed' });
  });
});
