import { countCustomers, startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

describe('Salesforce sync (sandbox over HTTP, jsforce, real Postgres/Redis)', () => {
  let h: SyncHarness;
  let connectionId: string;
  const sf = () => h.sandbox.admin.salesforce;
  const customerOf = async (externalId: string) =>
    (await h.db.query(`SELECT id::text, crm_object, attributes, deleted_at, merged_into_id::text FROM customers WHERE connection_id = $1 AND external_id = $2`, [connectionId, externalId])).rows[0];

  beforeAll(async () => {
    h = await startSyncHarness({ salesforce: { contacts: 2600, leads: 700, preDeleted: 0 } } as never);
    connectionId = await h.addSalesforce();
  });
  afterAll(() => h?.close());

  it('full sync reads Contacts and Leads past one query batch (queryMore), mapped, custom fields in the catalog', async () => {
    const run = await h.sync.sync({ connectionId, mode: 'full' });
    expect(run).toMatchObject({ status: 'completed', mode: 'full' });
    const counts = await countCustomers(h.db, connectionId);
    // Converted Leads are not customers of their own.
    expect(counts.live).toBe(run!.created);
    expect(run!.records).toBeGreaterThanOrEqual(2600);
    const { rows } = await h.db.query(
      `SELECT crm_object, count(*)::int AS n FROM customers WHERE connection_id = $1 GROUP BY crm_object ORDER BY crm_object`,
      [connectionId],
    );
    expect(rows.find((r) => r.crm_object === 'contact')?.n).toBe(2600);
    expect(rows.find((r) => r.crm_object === 'lead')?.n).toBeGreaterThan(0);
    const contact = await customerOf(sf().idForIndex('Contact', 3));
    expect(contact.attributes).toEqual(expect.objectContaining({ email: expect.any(String), last_name: expect.any(String) }));
    const attrs = await h.db.query(`SELECT name, type, enum_values FROM attributes WHERE source = 'crm'`);
    const byName = Object.fromEntries(attrs.rows.map((a) => [a.name, a]));
    expect(byName.loyalty_tier).toMatchObject({ type: 'enum' });
    expect(byName.nps_score).toMatchObject({ type: 'number' });
    expect(byName.corridor_persona).toBeUndefined();
    await h.takeEvaluations();
  });

  it('incremental: changes (SystemModstamp >=), deletes (queryAll IsDeleted) and converted Leads', async () => {
    const changed = sf().idForIndex('Contact', 7);
    sf().updateRecord('Contact', changed, { Title: 'Chief Tester' });
    const gone = sf().idForIndex('Contact', 8);
    sf().deleteRecord('Contact', gone);
    const leadId = sf().idForIndex('Lead', 4);
    const leadBefore = await customerOf(leadId);
    const converted = sf().convertLead(leadId);
    // SystemModstamp is second-precise and the sync stays 5 s behind now.
    await new Promise((r) => setTimeout(r, 6200));
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed', deleted: 1 });
    expect((await customerOf(changed)).attributes.job_title).toBe('Chief Tester');
    expect((await customerOf(gone)).deleted_at).not.toBeNull();
    if (leadBefore && !leadBefore.merged_into_id) {
      const contact = await customerOf(converted.contactId);
      expect((await customerOf(leadId)).merged_into_id).toBe(contact.id);
    }
    const evals = await h.takeEvaluations();
    expect(evals.data_change).toEqual(expect.arrayContaining([(await customerOf(changed)).id, (await customerOf(gone)).id]));
  }, 30_000);

  it('write-back on Contact and Lead, and the next sync does not see it as a change', async () => {
    const { rows } = await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`);
    const targets = [sf().idForIndex('Contact', 20), sf().idForIndex('Lead', 30)];
    for (const t of targets) {
      const c = await customerOf(t);
      await h.db.query(
        `INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, $2, 1, 'new_customer', now())`,
        [c.id, rows[0].id],
      );
    }
    const result = await h.writeback.writeConnection(connectionId);
    expect(result).toMatchObject({ written: 2, failed: 0 });
    expect(sf().getRecord('Contact', targets[0]).fields).toMatchObject({ Corridor_Persona__c: 'Everyone else' });
    expect(sf().getRecord('Lead', targets[1]).fields).toMatchObject({ Corridor_Strategy__c: 'Everyone else: Customers no other persona matches.' });
    await new Promise((r) => setTimeout(r, 6200));
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed', updated: 0, created: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });
  }, 30_000);

  it('a Lead converted since the last sync is skipped by write-back (CANNOT_UPDATE_CONVERTED_LEAD), not failed', async () => {
    const { rows } = await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`);
    const { rows: leads } = await h.db.query(
      `SELECT id::text, external_id FROM customers WHERE connection_id = $1 AND crm_object = 'lead' AND merged_into_id IS NULL AND deleted_at IS NULL ORDER BY id DESC LIMIT 1`,
      [connectionId],
    );
    await h.db.query(`INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, $2, 1, 'data_change', now())`, [
      leads[0].id,
      rows[0].id,
    ]);
    sf().convertLead(leads[0].external_id);
    const result = await h.writeback.writeConnection(connectionId);
    expect(result).toMatchObject({ written: 0, skipped: 1, failed: 0 });
  });

  it('re-logs in after the session expires (INVALID_SESSION_ID)', async () => {
    sf().expireSessions();
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed' });
  });
});
