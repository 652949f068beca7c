import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Client } from 'pg';
import { DEFAULT_CONTACT_POLICIES, DEFAULT_JOURNEY_STAGES, PublishedStrategy } from '@corridor/domain';
import { PERSONA_CHANGES, StrategyVersionRepository } from '@corridor/persistence';
import { eventually } from '@corridor/testing';
import { startCrmSandbox } from '../../crm-sandbox/src/sandbox-server';
import { WorkerModule } from '../../worker/src/worker.module';
import { ApiTestApp, startApiTestApp } from './api-test-app';

jest.setTimeout(240_000);

const OLD_TEXT = 'Everyone else: Customers no other persona matches.';

/** A strategy with one moment of truth where the fallback persona gets an agent script. */
function strategyDocument(treatmentName: string): Omit<PublishedStrategy, 'version' | 'publishedAt'> {
  return {
    stages: [...DEFAULT_JOURNEY_STAGES],
    touchpoints: [
      {
        key: 'renewal_call', name: 'Renewal call', stageKey: DEFAULT_JOURNEY_STAGES[DEFAULT_JOURNEY_STAGES.length - 1].key, channel: 'phone',
        major: true, momentOfTruth: true, owner: 'retention', description: '', builtIn: false, position: 1, eventProperties: [],
      },
    ],
    treatments: [{ key: 'retention_script', name: treatmentName, description: '', channel: 'phone', type: 'agent_script', config: { script: 'Thank them.' } }],
    cells: [{ personaKey: 'everyone_else', touchpointKey: 'renewal_call', options: [{ treatmentKey: 'retention_script' }] }],
    policies: DEFAULT_CONTACT_POLICIES,
  };
}

/**
 * CRM write-back carries published texts only, and keeps up with publishes: the API, the whole
 * worker (watchdog included) and the HubSpot sandbox through the real client. Every customer stays
 * in the fallback persona throughout, so no persona_history row drives these writes.
 */
describe('write-back of published persona texts and strategy (API + worker + sandbox)', () => {
  let api: ApiTestApp;
  let worker: INestApplicationContext;
  let sandbox: Awaited<ReturnType<typeof startCrmSandbox>>;
  let db: Client;
  let connectionId: string;

  beforeAll(async () => {
    sandbox = await startCrmSandbox({ port: 0, hubspot: { contacts: 40, searchLagMs: 0, rateLimits: { burstMax: 0, searchPerSecond: 0, daily: 0 } } } as never);
    api = await startApiTestApp({ env: { WORKER_WATCHDOG_SECONDS: '1' } });
    worker = await NestFactory.createApplicationContext(WorkerModule, { logger: false });
    await worker.init();
    db = new Client({ connectionString: api.ctx.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await worker?.close();
    await api?.close();
    await sandbox?.close();
  });

  const admin = () => api.auth('admin');
  const contacts = async () => {
    const { rows } = await db.query(`SELECT external_id FROM customers WHERE connection_id = $1 AND deleted_at IS NULL ORDER BY id`, [connectionId]);
    return rows.map((r) => sandbox.admin.hubspot.getContact(r.external_id).properties as Record<string, string | undefined>);
  };
  const everyContact = (what: string, holds: (p: Record<string, string | undefined>) => boolean) =>
    eventually(async () => {
      const all = await contacts();
      return all.length > 0 && all.every(holds) ? all : null;
    }, what, 120_000);
  const historyRows = async () => (await db.query(`SELECT count(*)::int AS n FROM ${PERSONA_CHANGES} h`)).rows[0].n as number;

  it('writes the fallback persona after the first sync', async () => {
    const created = await api.http.post('/v1/connections').set(admin()).send({
      kind: 'hubspot',
      name: 'HubSpot',
      accessToken: 'sandbox-hubspot-token',
      basePath: sandbox.url,
      settings: { syncIntervalSeconds: 0, searchLagMs: 0, rateLimit: { burstPer10s: 0, searchPerSecond: 0 } },
    });
    expect(created.status).toBe(201);
    connectionId = created.body.id;
    expect((await api.http.post(`/v1/connections/${connectionId}/sync`).set(admin()).send({ mode: 'full' })).status).toBe(202);
    await everyContact('the persona written', (p) => p.corridor_persona === 'Everyone else' && p.corridor_strategy === OLD_TEXT);
  });

  it('a strategy publish changes the strategy text of customers who keep their persona; a draft description never reaches the CRM', async () => {
    // A draft edit (not published), then a new customer: written back with the published description.
    await api.http.patch('/v1/personas/everyone_else').set(admin()).send({ description: 'Draft words nobody published.' }).expect(200);
    const newcomer = sandbox.admin.hubspot.createContact({ email: 'newcomer@example.com', firstname: 'New' });
    const sync = await api.http.post(`/v1/connections/${connectionId}/sync`).set(admin()).send({ mode: 'incremental' });
    expect(sync.status).toBe(202);
    const props = await eventually(async () => {
      const p = sandbox.admin.hubspot.getContact(newcomer.id).properties as Record<string, string | undefined>;
      return p.corridor_persona ? p : null;
    }, 'the newcomer written back', 120_000);
    expect(props).toMatchObject({ corridor_persona: 'Everyone else', corridor_strategy: OLD_TEXT });

    const history = await historyRows();
    await worker.get(StrategyVersionRepository).publish(strategyDocument('Loyalty script'), null);
    const written = await everyContact('the strategy text', (p) => p.corridor_strategy === `${OLD_TEXT} | Next moments: Renewal call: Loyalty script`);
    expect(written.every((p) => !p.corridor_strategy?.includes('Draft words'))).toBe(true);
    expect(await historyRows()).toBe(history);

    // The next strategy replaces the text again.
    await worker.get(StrategyVersionRepository).publish(strategyDocument('Win-back script'), null);
    await everyContact('the second strategy text', (p) => p.corridor_strategy === `${OLD_TEXT} | Next moments: Renewal call: Win-back script`);
  });

  it("publishing a persona's new description reaches the CRM records of customers who keep the persona", async () => {
    const history = await historyRows();
    await api.http.patch('/v1/personas/everyone_else').set(admin()).send({ name: 'Everybody', description: 'The rest of our customers.' }).expect(200);
    const published = await api.http.post('/v1/personas/publish').set(admin()).send({ wait: 60 });
    expect(published.status).toBe(200);
    expect(published.body.run).toMatchObject({ status: 'completed', result: { changed: 0 } });
    await everyContact(
      'the new description',
      (p) => p.corridor_persona === 'Everybody' && p.corridor_strategy === 'Everybody: The rest of our customers. | Next moments: Renewal call: Win-back script',
    );
    expect(await historyRows()).toBe(history);
    // The connection is recorded as up to date with this publish (the watchdog gives it no more jobs).
    await eventually(async () => {
      const { rows } = await db.query(`SELECT published_key FROM crm_writeback_published WHERE connection_id = $1`, [connectionId]);
      return rows[0]?.published_key === `s${published.body.setVersion}-t2`;
    }, 'the connection marked up to date');
  });
});
