import { Client } from '@hubspot/api-client';
import { PERSONA_CHANGES } from '@corridor/contracts';
import { CrmConnectorFactory } from '@corridor/crm';
import { CRM_WRITEBACK_GROUP_FALLBACK } from '@corridor/domain';
import { eventually } from '@corridor/testing';
import { startSyncHarness, SyncHarness } from './crm-sync-harness';
import { syncThroughQueue } from './sync-through-queue';

jest.setTimeout(120_000);

/**
 * HubSpot creates a property only in a group that exists. When the portal refuses Corridor's
 * group, the write-back properties must go to an existing group (not to the missing one, which
 * fails with 400 on every write-back), and the connection must say so.
 */
describe('HubSpot write-back when the property group cannot be created', () => {
  let h: SyncHarness;
  let connectionId: string;
  const hs = () => h.sandbox.admin.hubspot;

  const personaFor = async (externalIds: string[]) => {
    const everyoneElse = (await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`)).rows[0].id;
    for (const externalId of externalIds) {
      await h.db.query(
        `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
         SELECT id, NULL, $3, 1, 'new_customer', now() FROM customers WHERE connection_id = $1 AND external_id = $2`,
        [connectionId, externalId, everyoneElse],
      );
    }
    const { rows } = await h.db.query(`SELECT max(id)::text AS max FROM persona_history`);
    await h.jobs.enqueue(PERSONA_CHANGES, { toHistoryId: rows[0].max, count: externalIds.length });
  };

  beforeAll(async () => {
    h = await startSyncHarness({ hubspot: { contacts: 200, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    connectionId = await h.addHubSpot({ rateLimit: { burstPer10s: 0, searchPerSecond: 0 } });
    expect(await syncThroughQueue(h, connectionId, 'full')).toMatchObject({ status: 'completed' });
  });
  afterAll(() => h?.close());

  it('falls back to an existing group, writes personas, and the connection test warns', async () => {
    // The portal refuses the group every time it is asked.
    h.sandbox.admin.failNext('hubspot', { path: '/properties/contacts/groups', method: 'POST', status: 403, count: 100 });
    const first = [hs().idForIndex(1), hs().idForIndex(2)];
    await personaFor(first);
    await eventually(async () => first.every((id) => hs().getContact(id).properties.corridor_persona === 'Everyone else'), 'the write-back', 60_000);

    const client = new Client({ accessToken: 'sandbox-hubspot-token', basePath: h.sandbox.url });
    for (const name of ['corridor_persona', 'corridor_strategy']) {
      expect(await client.crm.properties.coreApi.getByName('contacts', name)).toMatchObject({ name, groupName: 'contactinformation' });
    }
    expect((await client.crm.properties.groupsApi.getAll('contacts')).results.map((g) => g.name)).not.toContain('corridor');

    // Later write-backs keep working (they used to fail with 400, permanently).
    const later = [hs().idForIndex(3)];
    await personaFor(later);
    await eventually(async () => hs().getContact(later[0]).properties.corridor_persona === 'Everyone else', 'the second write-back', 60_000);

    const connection = await h.connections.get(connectionId);
    const result = await h.app.get(CrmConnectorFactory).create(connection).test();
    expect(result.ok).toBe(true);
    expect(result.checks).toContainEqual(expect.objectContaining({ check: 'writeback_fields', status: 'warning', code: CRM_WRITEBACK_GROUP_FALLBACK }));
  });
});
