import { DataSource } from 'typeorm';
import { createTestContext, TestContext } from '@corridor/testing';
import { dataSourceOptions } from '../data-source-options';
import { IMPORT_CONNECTION_ID } from '../import-connection';
import { OutboxStore } from './outbox.store';

jest.setTimeout(60_000);

/**
 * The reconciler's second look: events it read as undecided, then asked BullMQ about, are checked
 * again in Postgres. One decided in between must not be re-queued, though its arrival came back
 * through a JS Date (milliseconds) and Postgres stores microseconds.
 */
describe('OutboxStore.toRequeue', () => {
  let ctx: TestContext;
  let db: DataSource;

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
  });
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  });

  it('drops an event decided since it was read as undecided, and keeps one still undecided', async () => {
    const [{ id: customer }] = await db.query(
      `INSERT INTO customers (connection_id, external_id, email, attributes, content_hash) VALUES ($1, 'q-1', 'q1@example.com', '{}', 'h') RETURNING id::text AS id`,
      [IMPORT_CONNECTION_ID],
    );
    const [{ touchpoint }] = await db.query(`SELECT key AS touchpoint FROM touchpoints ORDER BY key LIMIT 1`);
    // Arrivals with microseconds that a JS Date cannot carry.
    for (const key of ['decided', 'undecided']) {
      await db.query(
        `INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, received_at)
         VALUES ('api', $1, $2, $3, now(), now() - interval '1 minute' + interval '0.000789 seconds')`,
        [key, touchpoint, customer],
      );
    }
    const store = new OutboxStore(db);
    const undecided = await store.undecidedEvents(30, 24, 100);
    expect(undecided).toHaveLength(2);
    expect((await db.query(`SELECT to_char(received_at, 'US') AS us FROM touchpoint_events LIMIT 1`))[0].us).not.toMatch(/000$/);

    await db.query(
      `INSERT INTO decisions (event_id, touchpoint_key, customer_id, persona_key, persona_set_version, strategy_version, treatment_key, outcome, decided_at, event_received_at)
       SELECT id, touchpoint_key, customer_id, 'everyone_else', 1, 1, 'promo', 'treated', now(), received_at FROM touchpoint_events WHERE idempotency_key = 'decided'`,
    );
    const [{ id: stillUndecided }] = await db.query(`SELECT id::text AS id FROM touchpoint_events WHERE idempotency_key = 'undecided'`);
    expect(await store.toRequeue(undecided)).toEqual([stillUndecided]);
  });
});
