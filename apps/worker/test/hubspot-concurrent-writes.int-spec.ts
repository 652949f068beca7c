import { PERSONA_CHANGES } from '@corridor/contracts';
import { CustomerRepository } from '@corridor/persistence';
import { eventually } from '@corridor/testing';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';
import { syncThroughQueue } from './sync-through-queue';

jest.setTimeout(300_000);

const CONTACTS = 3_000;
const WAVE = 2_200;
const WRITEBACK = 400;

/**
 * HubSpot's search re-evaluates the query for every page and `after` is an offset into that live
 * result set. Records written while a sync pages (by users, workflows, and Corridor's own persona
 * write-back) leave the window; with offset paging every later result then shifts back and an
 * unread record is skipped for good. Here other writers act between the sync's search requests
 * (the sandbox's beforeSearch hook makes the interleaving deterministic); after a final
 * incremental sync Corridor's copy must equal the CRM's: the same live records with the same
 * attributes as a fresh full sync reads, merged-away ids resolved to their survivors.
 */
describe('HubSpot incremental sync while records change under it', () => {
  let h: SyncHarness;
  let connectionId: string;
  const hs = () => h.sandbox.admin.hubspot;

  const customerIdOf = async (connection: string, externalId: string): Promise<string> =>
    (await h.db.query(`SELECT id::text FROM customers WHERE connection_id = $1 AND external_id = $2`, [connection, externalId])).rows[0]?.id;

  beforeAll(async () => {
    h = await startSyncHarness({
      hubspot: { contacts: CONTACTS, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } },
    } as never);
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    expect(await syncThroughQueue(h, connectionId, 'full')).toMatchObject({ status: 'completed', created: CONTACTS });
  });
  afterAll(async () => {
    if (h) hs().beforeSearch(undefined);
    await h?.close();
  });

  it('writes, merges and our own write-back between pages lose nothing: the copy equals the CRM', async () => {
    // Wave 1: a workflow touches most contacts, in an order unrelated to their ids.
    const order = Array.from({ length: WAVE }, (_, i) => (i * 1_237) % CONTACTS).map((i) => hs().idForIndex(i));
    for (const [n, id] of order.entries()) hs().updateContact(id, { jobtitle: `Wave 1 #${n}` });
    // Two merges before the sync: their survivors (new ids) are in the window and must be read.
    const preMerged = [hs().mergeContacts(order[10], order[11]), hs().mergeContacts(order[1_500], order[1_501])];
    const lastWrite = Date.now();
    await eventually(async () => Date.now() > lastWrite + 2, 'the clock to pass the last write');

    // Personas that Corridor will write back while the sync pages.
    const everyoneElse = (await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`)).rows[0].id;
    const writebackIds = order.slice(20, 20 + WRITEBACK);

    let searches = 0;
    const duringSync: { written: string[]; merged: Array<{ survivor: string; away: string[] }> } = { written: [], merged: [] };
    hs().beforeSearch(async () => {
      searches++;
      if (searches < 2) return;
      const base = (searches - 2) * 200;
      if (searches === 2) {
        // Segmentation assigned personas: the write-back goes through its queue and lands in HubSpot now.
        for (const id of writebackIds) {
          await h.db.query(
            `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, NULL, $2, 1, 'new_customer', now())`,
            [await customerIdOf(connectionId, id), everyoneElse],
          );
        }
        const { rows } = await h.db.query(`SELECT max(id)::text AS max FROM persona_history`);
        await h.jobs.enqueue(PERSONA_CHANGES, { toHistoryId: rows[0].max, count: writebackIds.length });
        await eventually(
          async () => writebackIds.every((id) => hs().getContact(id).properties.corridor_persona === 'Everyone else'),
          'the write-back to reach HubSpot',
          120_000,
          100,
        );
      }
      // A user edits records near the start of the window, and merges two of them.
      for (let j = 0; j < 5; j++) {
        const id = order[(base + 40 * j + 7) % WAVE];
        if (hs().getContact(id).mergedInto) continue;
        hs().updateContact(id, { jobtitle: `Edited during sync ${searches}.${j}` });
        duringSync.written.push(id);
      }
      const [a, b] = [order[(base + 113) % WAVE], order[(base + 157) % WAVE]];
      if (!hs().getContact(a).mergedInto && !hs().getContact(b).mergedInto && a !== b) {
        duringSync.merged.push({ survivor: hs().mergeContacts(a, b).id, away: [a, b] });
      }
    });
    const during = await syncThroughQueue(h, connectionId, 'incremental');
    hs().beforeSearch(undefined);
    expect(during.status).toBe('completed');
    expect(searches).toBeGreaterThanOrEqual(8);
    expect(duringSync.merged.length).toBeGreaterThanOrEqual(3);

    // The next scheduled sync, with nobody writing, must complete the picture.
    const settled = Date.now();
    await eventually(async () => Date.now() > settled + 2, 'the clock to pass the last write');
    expect(await syncThroughQueue(h, connectionId, 'incremental')).toMatchObject({ status: 'completed' });

    // The CRM's truth: what a fresh full sync of the same portal reads.
    const reference = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 }, writeback: { enabled: false } });
    expect(await syncThroughQueue(h, reference, 'full')).toMatchObject({ status: 'completed' });

    const live = `SELECT external_id, attributes FROM customers WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL`;
    const { rows: mismatches } = await h.db.query(
      `WITH inc AS (${live}), ref AS (${live.replace('$1', '$2')})
       SELECT coalesce(inc.external_id, ref.external_id) AS id, inc.attributes AS ours, ref.attributes AS crm
         FROM inc FULL JOIN ref USING (external_id)
        WHERE inc.attributes IS DISTINCT FROM ref.attributes`,
      [connectionId, reference],
    );
    // Listed by id: a lost change shows as the CRM's record differing from ours (or missing).
    expect(mismatches.map((r) => r.id)).toEqual([]);
    const { rows: counts } = await h.db.query(`SELECT count(*)::int AS n FROM customers WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL`, [
      reference,
    ]);
    expect(counts[0].n).toBe(CONTACTS - preMerged.length - duringSync.merged.length);

    // Merged-away ids resolve to their survivor (through merged_into_id and the survivor's aliases).
    const merges = [
      ...preMerged.map((m, i) => ({ survivor: m.id, away: i === 0 ? [order[10], order[11]] : [order[1_500], order[1_501]] })),
      ...duringSync.merged,
    ];
    for (const m of merges) {
      const survivor = await customerIdOf(connectionId, m.survivor);
      expect(survivor).toBeDefined();
      for (const away of m.away) {
        const { rows } = await h.db.query(
          `SELECT c.merged_into_id::text AS into, (SELECT customer_id::text FROM customer_aliases a WHERE a.connection_id = c.connection_id AND a.external_id = c.external_id AND a.customer_id = $3) AS alias
             FROM customers c WHERE c.connection_id = $1 AND c.external_id = $2`,
          [connectionId, away, survivor],
        );
        expect(rows[0]).toEqual({ into: survivor, alias: survivor });
        // What GET /v1/customers?crmId=<merged id> answers: the survivor alone.
        const found = await h.app.get(CustomerRepository).findByExternalId(away, connectionId);
        expect(found.map((c) => c.externalId)).toEqual([m.survivor]);
      }
    }
  });
});
