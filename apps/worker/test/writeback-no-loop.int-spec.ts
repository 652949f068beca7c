import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHubSpotEvents, parseSalesforceChanges } from '@corridor/crm';
import { CrmWebhookEvent } from '@corridor/domain';
import { Client } from 'pg';
import { markPersonasPublished } from '@corridor/testing';
import { SyncHarness, startSyncHarness } from './crm-sync-harness';

jest.setTimeout(180_000);

/**
 * The demo's sequence at scale: full sync → personas for thousands of customers → write-back (which
 * bumps every record's modification stamp and makes the CRM notify us) → the webhook path applies
 * the notifications → a real customer change arrives by webhook → the next incremental sync.
 * Records whose only change is Corridor's own write-back must keep their content hash on every
 * path (webhook batch read and incremental sync alike): not updated, not re-segmented, not written
 * back again. The sandbox's custom properties (loyalty tier, NPS) are in the mapping only after
 * discovery, which is what the webhook path used to skip.
 */

/** A stand-in for Corridor's webhook endpoint: keeps what the sandbox delivers. */
async function startCollector(): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Personas for every live customer of a connection, as a publish records them (two personas, alternating). */
async function publishPersonas(h: SyncHarness, connectionId: string): Promise<number> {
  await h.db.query(
    `INSERT INTO personas (key, name, description, priority) VALUES ('hot_lead', 'Hot lead', 'Engaged prospects.', 1) ON CONFLICT (key) DO NOTHING`,
  );
  if ((await h.db.query(`SELECT 1 FROM persona_versions WHERE key = 'hot_lead'`)).rowCount === 0) await markPersonasPublished(h.db, ['hot_lead']);
  const { rowCount } = await h.db.query(
    `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
     SELECT c.id, NULL, CASE WHEN c.id % 2 = 0 THEN p1.id ELSE p2.id END, 2, 'rules_published', now()
       FROM customers c, personas p1, personas p2
      WHERE c.connection_id = $1 AND c.deleted_at IS NULL AND c.merged_into_id IS NULL
        AND p1.key = 'everyone_else' AND p2.key = 'hot_lead'`,
    [connectionId],
  );
  return rowCount ?? 0;
}

async function attributesOf(h: SyncHarness, connectionId: string): Promise<Map<string, { hash: string; attributes: Record<string, unknown> }>> {
  const { rows } = await h.db.query(`SELECT external_id, content_hash, attributes FROM customers WHERE connection_id = $1`, [connectionId]);
  return new Map(rows.map((r) => [r.external_id, { hash: r.content_hash, attributes: r.attributes }]));
}

describe('a write-back is not a customer change, on any path', () => {
  let h: SyncHarness;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    h = await startSyncHarness({
      hubspot: {
        contacts: 3000,
        searchLagMs: 0,
        rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 },
        webhooks: { targetUrl: collector.url, autoEmit: true, emitForApiWrites: true },
      },
      salesforce: { contacts: 1500, leads: 500, preDeleted: 0, webhooks: { targetUrl: collector.url, autoEmit: true, emitForApiWrites: true } },
    } as never);
  });
  afterAll(async () => {
    await h?.close();
    await collector?.close();
  });

  it('HubSpot: full sync → write-back of thousands → webhooks → incremental sync: 0 updated, 0 evaluations', async () => {
    const hs = h.sandbox.admin.hubspot;
    const connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    const full = await h.sync.sync({ connectionId, mode: 'full' });
    expect(full).toMatchObject({ status: 'completed', created: 3000 });
    await h.takeEvaluations();
    const afterFull = await attributesOf(h, connectionId);
    const withCustom = [...afterFull].filter(([, c]) => 'loyalty_tier' in c.attributes || 'nps_score' in c.attributes);
    expect(withCustom.length).toBeGreaterThan(500);

    expect(await publishPersonas(h, connectionId)).toBe(3000);
    // Two write-backs of one connection at once (two workers, two notices): one writes, the other
    // is told the connection is busy, so no record is written twice.
    const both = await Promise.all([h.writeback.writeConnection(connectionId), h.writeback.writeConnection(connectionId)]);
    expect(both.filter((r) => r === 'busy')).toHaveLength(1);
    expect(both.find((r) => r !== 'busy')).toMatchObject({ written: 3000, failed: 0 });
    await hs.flushWebhooks();
    const writebackEvents = collector.bodies.splice(0).flatMap((b) => b as Array<{ propertyName?: string }>);
    expect(writebackEvents.length).toBeGreaterThanOrEqual(3000);
    // Notifications of our own properties are dropped on arrival…
    expect(parseHubSpotEvents(writebackEvents)).toEqual([]);
    // …and even when a notification of a written-back record does reach the batch read (a portal
    // subscribed without property names, a real edit racing the write-back), it finds no change.
    const unfiltered = parseHubSpotEvents(writebackEvents, new Set());
    expect(await h.store.recordWebhookEvents(connectionId, unfiltered)).toBe(unfiltered.length);
    expect(await h.webhooks.applyPending(connectionId)).toEqual({ events: unfiltered.length, changed: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });

    // A real change by webhook, to a contact with custom attributes: applied with all of them.
    const [changedId, before] = withCustom[0];
    hs.updateContact(changedId, { jobtitle: 'Changed in HubSpot' });
    await hs.flushWebhooks();
    const userEvents = collector.bodies.splice(0).flatMap((b) => parseHubSpotEvents(b));
    expect(userEvents).toHaveLength(1);
    await h.store.recordWebhookEvents(connectionId, userEvents);
    expect(await h.webhooks.applyPending(connectionId)).toEqual({ events: 1, changed: 1 });
    const applied = (await attributesOf(h, connectionId)).get(changedId)!;
    expect(applied.attributes).toEqual({ ...before.attributes, job_title: 'Changed in HubSpot' });
    expect((await h.takeEvaluations()).data_change).toHaveLength(1);

    // The scheduled incremental sync reads every written-back record again (lastmodifieddate moved).
    const inc = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(inc!.records).toBeGreaterThanOrEqual(3000);
    expect(inc).toMatchObject({ status: 'completed', created: 0, updated: 0, deleted: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });
    const afterInc = await attributesOf(h, connectionId);
    for (const [id, c] of afterFull) if (id !== changedId) expect(afterInc.get(id)!.hash).toBe(c.hash);
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0 });
  });

  it('Salesforce: full sync → write-back of thousands → change notifications → incremental sync: 0 updated, 0 evaluations', async () => {
    const sf = h.sandbox.admin.salesforce;
    const connectionId = await h.addSalesforce();
    const full = await h.sync.sync({ connectionId, mode: 'full' });
    expect(full).toMatchObject({ status: 'completed' });
    await h.takeEvaluations();
    const afterFull = await attributesOf(h, connectionId);
    const live = full!.created;
    expect(live).toBeGreaterThan(1500);

    expect(await publishPersonas(h, connectionId)).toBe(live);
    const written = await h.writeback.writeConnection(connectionId);
    expect(written).toMatchObject({ written: live, failed: 0 });
    await sf.flushChangeNotifications();
    const changes = collector.bodies.splice(0).flatMap((b) => (b as { changes: Array<{ recordIds: string[] }> }).changes);
    expect(changes.length).toBe(live);
    expect(parseSalesforceChanges({ changes })).toEqual([]);
    const unfiltered: CrmWebhookEvent[] = changes.map((c, i) => ({ eventId: `wb-${i}`, kind: 'upsert', objectIds: c.recordIds, occurredAt: null }));
    await h.store.recordWebhookEvents(connectionId, unfiltered);
    expect(await h.webhooks.applyPending(connectionId)).toEqual({ events: unfiltered.length, changed: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });

    const [changedId, before] = [...afterFull].find(([id, c]) => id.startsWith('003') && 'loyalty_tier' in c.attributes)!;
    sf.updateRecord('Contact', changedId, { Title: 'Changed in Salesforce' });
    await sf.flushChangeNotifications();
    const userEvents = collector.bodies.splice(0).flatMap((b) => parseSalesforceChanges(b));
    expect(userEvents).toHaveLength(1);
    await h.store.recordWebhookEvents(connectionId, userEvents);
    expect(await h.webhooks.applyPending(connectionId)).toEqual({ events: 1, changed: 1 });
    expect((await attributesOf(h, connectionId)).get(changedId)!.attributes).toEqual({ ...before.attributes, job_title: 'Changed in Salesforce' });
    expect((await h.takeEvaluations()).data_change).toHaveLength(1);

    // SystemModstamp is second-precise and the sync stays 5 s behind now.
    await new Promise((r) => setTimeout(r, 6200));
    const inc = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(inc!.records).toBeGreaterThanOrEqual(live);
    expect(inc).toMatchObject({ status: 'completed', created: 0, updated: 0, deleted: 0 });
    expect(await h.takeEvaluations()).toEqual({ new_customer: [], data_change: [] });
    const afterInc = await attributesOf(h, connectionId);
    for (const [id, c] of afterFull) if (id !== changedId) expect(afterInc.get(id)!.hash).toBe(c.hash);
    expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0 });
  });

  it('never skips a change whose transaction commits after a later one', async () => {
    const connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    await h.sync.sync({ connectionId, mode: 'full' });
    await h.takeEvaluations();
    // Two records that do not carry the fallback yet (the tests above wrote personas to this sandbox),
    // so neither write is skipped as redundant.
    const { rows: [x, y] } = await h.db.query(
      `SELECT id FROM customers WHERE connection_id = $1 AND crm_writeback_values->>'corridor_persona' IS DISTINCT FROM 'Everyone else' ORDER BY id LIMIT 2`,
      [connectionId],
    );
    const { rows: [fallback] } = await h.db.query(`SELECT id FROM personas WHERE is_fallback`);
    const insert = `INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, $2, 1, 'data_change', now())`;
    // Transaction "early" takes the lower history id but commits after "late" does.
    const early = new Client({ connectionString: h.ctx.databaseUrl });
    await early.connect();
    try {
      await early.query('BEGIN');
      await early.query(insert, [x.id, fallback.id]);
      await h.db.query(insert, [y.id, fallback.id]);
      // Reading by id alone would write y now and move past early's id for good.
      expect(await h.writeback.writeConnection(connectionId)).toMatchObject({ written: 0, pending: true });
      await early.query('COMMIT');
    } finally {
      await early.end();
    }
    // Both changes are handled (written, or skipped as already carried: an earlier test wrote
    // the same persona to these records); a skipped-for-good change would be in neither count.
    const result = await h.writeback.writeConnection(connectionId);
    expect(result).toMatchObject({ pending: false, failed: 0 });
    expect(result !== 'busy' && result.written + result.skipped).toBe(2);
  });

  it('is not held back by a transaction running in another database of the same server', async () => {
    const connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    await h.sync.sync({ connectionId, mode: 'full' });
    await h.takeEvaluations();
    const { rows: [x] } = await h.db.query(`SELECT id FROM customers WHERE connection_id = $1 ORDER BY id LIMIT 1`, [connectionId]);
    const { rows: [fallback] } = await h.db.query(`SELECT id FROM personas WHERE is_fallback`);
    // A long transaction elsewhere on the server (another tenant, a report, another test file).
    const elsewhere = new Client({ connectionString: h.ctx.databaseUrl.replace(/\/[^/]+$/, '/postgres') });
    await elsewhere.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      await h.db.query(`INSERT INTO persona_history (customer_id, to_persona_id, set_version, cause, changed_at) VALUES ($1, $2, 1, 'data_change', now())`, [x.id, fallback.id]);
      const result = await h.writeback.writeConnection(connectionId);
      expect(result).toMatchObject({ pending: false, failed: 0 });
      expect(result !== 'busy' && result.written + result.skipped).toBe(1);
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await elsewhere.end();
    }
  });
});

