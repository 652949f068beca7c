import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHubSpotEvents } from '@corridor/crm';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';

jest.setTimeout(120_000);

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

/**
 * A connection maps "lifecycle stage becomes customer" to the purchase_completed touchpoint: the
 * change raises one event (with its outbox row) whether a sync or a webhook brings it in; other
 * changes, records that already were customers, and the first sync raise nothing.
 */
describe('CRM property change → touchpoint (HubSpot sandbox)', () => {
  let h: SyncHarness;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let connectionId: string;
  const hs = () => h.sandbox.admin.hubspot;

  const eventsOf = async () =>
    (
      await h.db.query(
        `SELECT e.id::text AS id, c.external_id, e.touchpoint_key, e.source, e.properties, (SELECT count(*)::int FROM outbox o WHERE o.ref = e.id::text) AS outbox
           FROM touchpoint_events e JOIN customers c ON c.id = e.customer_id WHERE e.source LIKE 'crm:%' ORDER BY e.id`,
      )
    ).rows;

  beforeAll(async () => {
    collector = await startCollector();
    h = await startSyncHarness({
      hubspot: { contacts: 200, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 }, webhooks: { targetUrl: collector.url, autoEmit: true } },
    } as never);
    await h.db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('purchase_completed', 'Purchase completed', 'purchase', 'web', 2)`);
    connectionId = await h.addHubSpot({
      rateLimit: { burstPer10s: 0, searchPerSecond: 0 },
      touchpoints: [
        { attribute: 'lifecycle_stage', becomes: 'customer', touchpoint: 'purchase_completed' },
        // A touchpoint that does not exist raises nothing.
        { attribute: 'lifecycle_stage', becomes: 'customer', touchpoint: 'no_such_touchpoint' },
      ],
    });
    await h.sync.sync({ connectionId, mode: 'full' });
    await hs().flushWebhooks();
    collector.bodies.splice(0);
  });
  afterAll(async () => {
    await h?.close();
    await collector?.close();
  });

  async function contactsByStage(): Promise<{ notCustomer: string[]; customer: string[] }> {
    const { rows } = await h.db.query(`SELECT external_id, attributes->>'lifecycle_stage' AS stage FROM customers WHERE connection_id = $1 ORDER BY id`, [connectionId]);
    return {
      notCustomer: rows.filter((r) => r.stage && r.stage !== 'customer').map((r) => r.external_id),
      customer: rows.filter((r) => r.stage === 'customer').map((r) => r.external_id),
    };
  }

  it('the first sync raises nothing', async () => {
    expect(await eventsOf()).toEqual([]);
  });

  it('a sync bringing "lifecycle stage became customer" raises purchase_completed once, with its outbox row', async () => {
    const { notCustomer, customer } = await contactsByStage();
    expect(notCustomer.length).toBeGreaterThan(2);
    expect(customer.length).toBeGreaterThan(0);
    hs().updateContact(notCustomer[0], { lifecyclestage: 'customer' });
    hs().updateContact(notCustomer[1], { jobtitle: 'Another change' });
    hs().updateContact(customer[0], { jobtitle: 'Still a customer' });
    await new Promise((r) => setTimeout(r, 20));
    const run = await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(run).toMatchObject({ status: 'completed', updated: 3 });
    const events = await eventsOf();
    expect(events).toEqual([
      {
        id: expect.any(String),
        external_id: notCustomer[0],
        touchpoint_key: 'purchase_completed',
        source: `crm:${connectionId}`,
        properties: { attribute: 'lifecycle_stage', from: expect.any(String), to: 'customer' },
        outbox: 1,
      },
    ]);
    expect(events[0].properties.from).not.toBe('customer');
    // Read again (no change): nothing more.
    await h.sync.sync({ connectionId, mode: 'incremental' });
    expect(await eventsOf()).toHaveLength(1);
  });

  it('a webhook bringing the change raises it too', async () => {
    const { notCustomer } = await contactsByStage();
    await hs().flushWebhooks();
    collector.bodies.splice(0);
    hs().updateContact(notCustomer[0], { lifecyclestage: 'customer' });
    await hs().flushWebhooks();
    const userEvents = collector.bodies.splice(0).flatMap((b) => parseHubSpotEvents(b));
    expect(userEvents.length).toBeGreaterThan(0);
    await h.store.recordWebhookEvents(connectionId, userEvents);
    expect(await h.webhooks.applyPending(connectionId)).toMatchObject({ changed: 1 });
    const events = await eventsOf();
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ external_id: notCustomer[0], touchpoint_key: 'purchase_completed', outbox: 1 });
  });
});
