import { CRM_ERROR } from '@corridor/domain';
import { countPerId } from './crm-degraded-support';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

/**
 * A write-back run writes one history batch in several CRM collections (Salesforce: 200 records
 * each). When a later collection fails for good (the CRM down longer than the retries last), the
 * collections already accepted must count as written: the job's retry writes only the rest.
 */
describe('write-back: a collection that fails for good after others were written', () => {
  let h: SyncHarness;
  let connectionId: string;
  const sf = () => h.sandbox.admin.salesforce;

  beforeAll(async () => {
    h = await startSyncHarness({ salesforce: { contacts: 450, leads: 0, preDeleted: 0 } } as never);
    connectionId = await h.addSalesforce();
    expect(await h.sync.sync({ connectionId, mode: 'full' })).toMatchObject({ status: 'completed', created: 450 });
  });
  afterAll(() => h?.close());

  it('the retry writes only the records the failed run did not, each exactly once', async () => {
    const { rows: fallback } = await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`);
    await h.db.query(
      `INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at)
       SELECT id, $2, 1, 'new_customer', now() FROM customers WHERE connection_id = $1`,
      [connectionId, fallback[0].id],
    );
    // Two collections go through; the third meets a 503 on every attempt.
    h.sandbox.admin.failNext('salesforce', { path: '/composite/sobjects', method: 'PATCH', status: 503, after: 2, count: 6 });
    await expect(h.writeback.writeConnection(connectionId)).rejects.toMatchObject({ code: CRM_ERROR.unavailable });
    expect(sf().writeLog()).toHaveLength(400);

    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 50, failed: 0 });
    const perRecord = countPerId(sf().writeLog().map((w) => w.id));
    expect(perRecord.size).toBe(450);
    expect([...perRecord.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  });
});
