import { createServer, Server, Socket, connect } from 'node:net';
import { DataSource } from 'typeorm';
import { EVENT_SOURCE, TouchpointEventInput } from '@corridor/domain';
import { dataSourceOptions, IMPORT_CONNECTION_ID, TouchpointEventStore } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { errorResponseOf } from '../errors/error-response';
import { EventGroupCommit, IngestRequest } from './event-group-commit';

jest.setTimeout(120_000);

/**
 * A TCP relay to the shared Postgres that the test can freeze (bytes stop, sockets stay open: a
 * database that hangs) or cut (sockets reset: a database that went away), without touching the
 * shared server.
 */
class PostgresRelay {
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  private server!: Server;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(5432, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => this.sockets.delete(s));
      }
      client.on('data', (d) => !this.frozen && upstream.write(d));
      upstream.on('data', (d) => !this.frozen && client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  freeze(): void {
    this.frozen = true;
  }

  /** Resets every connection and refuses new ones. */
  cut(): void {
    if (this.server.listening) this.server.close();
    for (const s of this.sockets) s.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.cut();
  }
}

describe('EventGroupCommit (POST /v1/events, one event per request)', () => {
  let ctx: TestContext;
  let db: DataSource;
  let store: TouchpointEventStore;

  const request = (key: string, over: Partial<TouchpointEventInput> = {}, correlationId = `corr-${key}`): IngestRequest => ({
    source: EVENT_SOURCE.api,
    items: [{ index: 0, event: { touchpoint: 'visit', customer: { kind: 'email', email: 'gc@x.io' }, occurredAt: new Date(), properties: {}, idempotencyKey: key, ...over } }],
    field: (_i, name) => name,
    correlationId,
  });

  beforeAll(async () => {
    ctx = await createTestContext();
    db = await new DataSource(dataSourceOptions({ url: ctx.databaseUrl })).initialize();
    store = new TouchpointEventStore(db);
    await db.query(`INSERT INTO customers (connection_id, external_id, content_hash, email) VALUES ($1, 'gc-1', 'h', 'gc@x.io')`, [IMPORT_CONNECTION_ID]);
    await db.query(`INSERT INTO touchpoints (key, name, stage_key, channel, position) VALUES ('visit', 'Visit', 'explore', 'web', 1)`);
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await ctx?.dispose();
  }, 120_000);

  it('commits concurrent requests in one transaction, each answered with its own result (a duplicate and an unknown touchpoint included)', async () => {
    await new EventGroupCommit(store).ingest(request('gc-earlier'));
    const groups: number[] = [];
    const batcher = new EventGroupCommit(store, { onGroup: (n) => groups.push(n) });
    // Submitted in one turn of the event loop, as requests whose bodies arrive together are.
    const answers = await Promise.all([
      batcher.ingest(request('gc-a')),
      batcher.ingest(request('gc-b')),
      batcher.ingest(request('gc-a', {}, 'corr-gc-a-again')), // the same key in the same group
      batcher.ingest(request('gc-earlier')), // a key committed before
      batcher.ingest(request('gc-c', { touchpoint: 'nowhere' })),
      batcher.ingest(request('gc-d', { customer: { kind: 'email', email: 'nobody@x.io' } })),
    ]);
    expect(answers.map((a) => a.map((r) => [r.index, r.status, 'code' in r ? r.code : '', 'field' in r ? r.field : '']))).toEqual([
      [[0, 'accepted', '', '']],
      [[0, 'accepted', '', '']],
      [[0, 'duplicate', '', '']],
      [[0, 'duplicate', '', '']],
      [[0, 'rejected', 'TOUCHPOINT_NOT_FOUND', 'touchpoint']],
      [[0, 'rejected', 'CUSTOMER_NOT_FOUND', 'customer']],
    ]);
    const ids = answers.slice(0, 3).map((a) => (a[0] as { eventId: string }).eventId);
    expect(ids[2]).toBe(ids[0]);
    const rows: Array<{ key: string; tx: string; corr: string; outbox: number }> = await db.query(
      `SELECT e.idempotency_key AS key, e.xmin::text AS tx, e.correlation_id AS corr,
              (SELECT count(*) FROM outbox o WHERE o.topic = 'decide-event' AND o.ref = e.id::text)::int AS outbox
         FROM touchpoint_events e WHERE e.idempotency_key IN ('gc-a', 'gc-b') ORDER BY 1`,
    );
    expect(rows.map((r) => [r.key, r.corr, r.outbox])).toEqual([
      ['gc-a', 'corr-gc-a', 1],
      ['gc-b', 'corr-gc-b', 1],
    ]);
    // One group, one transaction (one commit, one WAL flush) for both new events.
    expect(groups).toEqual([6]);
    expect(rows[0].tx).toBe(rows[1].tx);
    expect(answers[1][0]).toMatchObject({ eventId: expect.any(String) });
  });

  it('keeps a request the database refuses from failing the others of its group', async () => {
    const batcher = new EventGroupCommit(store);
    const results = await Promise.allSettled([
      batcher.ingest(request('gc-ok-1')),
      // Postgres refuses \u0000 in jsonb: the group's one statement fails, so each request is written alone.
      batcher.ingest(request('gc-bad', { properties: { text: 'a\u0000b' } })),
      batcher.ingest(request('gc-ok-2')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[0] as PromiseFulfilledResult<Array<{ status: string }>>).value[0].status).toBe('accepted');
    expect((results[2] as PromiseFulfilledResult<Array<{ status: string }>>).value[0].status).toBe('accepted');
    expect(await db.query(`SELECT idempotency_key FROM touchpoint_events WHERE idempotency_key LIKE 'gc-ok-%' OR idempotency_key = 'gc-bad' ORDER BY 1`)).toEqual([
      { idempotency_key: 'gc-ok-1' },
      { idempotency_key: 'gc-ok-2' },
    ]);
  });

  it('answers every waiter 503 when Postgres hangs (after the wait timeout) or drops the connections (at once)', async () => {
    const relay = new PostgresRelay();
    await relay.start();
    const url = new URL(ctx.databaseUrl);
    url.host = `127.0.0.1:${relay.port}`;
    const viaRelay = await new DataSource(dataSourceOptions({ url: url.toString(), connectTimeoutMs: 1_000 })).initialize();
    try {
      const batcher = new EventGroupCommit(new TouchpointEventStore(viaRelay), { waitTimeoutMs: 1_500 });
      expect((await batcher.ingest(request('gc-relay-ok')))[0].status).toBe('accepted');

      relay.freeze();
      const started = Date.now();
      const hung = await Promise.allSettled([batcher.ingest(request('gc-hang-1')), batcher.ingest(request('gc-hang-2')), batcher.ingest(request('gc-hang-3'))]);
      const waited = Date.now() - started;
      expect(hung.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const r of hung) expect(errorResponseOf((r as PromiseRejectedResult).reason)).toMatchObject({ status: 503, body: { code: 'DATABASE_UNAVAILABLE' } });
      expect(waited).toBeGreaterThanOrEqual(1_400);
      expect(waited).toBeLessThan(10_000);

      relay.cut();
      const dropStarted = Date.now();
      const dropped = await Promise.allSettled([batcher.ingest(request('gc-drop-1')), batcher.ingest(request('gc-drop-2'))]);
      expect(dropped.map((r) => r.status)).toEqual(['rejected', 'rejected']);
      for (const r of dropped) expect(errorResponseOf((r as PromiseRejectedResult).reason).status).toBe(503);
      // Refused connections fail at once, well before the waiters' timeout.
      expect(Date.now() - dropStarted).toBeLessThan(1_400);
    } finally {
      await viaRelay.destroy().catch(() => undefined);
      await relay.close();
    }
  });
});
