import { createServer, Server, Socket, connect } from 'node:net';
import { DataSource } from 'typeorm';
import { EVENT_SOURCE, TouchpointEventInput } from '@corridor/domain';
import { dataSourceOptions, IMPORT_CONNECTION_ID, TouchpointEventStore } from '@corridor/persistence';
import { createTestContext, TestContext } from '@corridor/testing';
import { errorResponseOf } from '../errors/error-response';
import { loadConfig } from '@corridor/config';
import { EventGroupCommit, GROUP_COMMIT_DEFAULTS, groupCommitSettings, IngestRequest } from './event-group-commit';

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

  // Each group commit has a pool of its own: closed after each test.
  const batchers: EventGroupCommit[] = [];
  const groupCommit = (...args: ConstructorParameters<typeof EventGroupCommit>) => {
    const b = new EventGroupCommit(...args);
    batchers.push(b);
    return b;
  };
  afterEach(async () => {
    for (const b of batchers.splice(0)) await b.onModuleDestroy();
  });

  it('commits concurrent requests in one transaction, each answered with its own result (a duplicate and an unknown touchpoint included)', async () => {
    await groupCommit(store).ingest(request('gc-earlier'));
    const groups: number[] = [];
    const batcher = groupCommit(store, { onGroup: (n) => groups.push(n) });
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
    const batcher = groupCommit(store);
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

  it('answers a group blocked by another session\'s lock 503 EVENT_WRITE_TIMEOUT within the lock timeout, writes nothing of it, and lets the next groups through', async () => {
    // Another session inserts the key gc-lock-a and keeps its transaction open: a group writing the
    // same key waits on that transaction, as it would behind any lock on what it writes.
    const locker = db.createQueryRunner();
    await locker.connect();
    await locker.startTransaction();
    const [{ id: customerId }] = await locker.query(`SELECT id::text AS id FROM customers WHERE email = 'gc@x.io'`);
    await locker.query(`INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at) VALUES ($1, 'gc-lock-a', 'visit', $2, now())`, [EVENT_SOURCE.api, customerId]);
    try {
      const groups: number[] = [];
      // A long queue wait: any 503 here comes from the group's own bound, not from the queue.
      const batcher = groupCommit(store, { lockTimeoutMs: 500, statementTimeoutMs: 20_000, waitTimeoutMs: 60_000, onGroup: (n) => groups.push(n) });
      const nextTurn = () => new Promise((r) => setImmediate(r));
      // Group 1: gc-lock-b1 comes first in the statement, so its row is inserted before the blocked one.
      const first = [batcher.ingest(request('gc-lock-b1')), batcher.ingest(request('gc-lock-a')), batcher.ingest(request('gc-lock-b2'))].map(settled);
      await nextTurn();
      // Group 2, also blocked: both slots are now hung.
      const second = [batcher.ingest(request('gc-lock-a', {}, 'corr-again'))].map(settled);
      await nextTurn();
      // Group 3 waits for a slot, and gets one when the hung groups time out.
      const third = [batcher.ingest(request('gc-lock-c1')), batcher.ingest(request('gc-lock-c2'))].map(settled);

      const hung = await Promise.all([...first, ...second]);
      for (const r of hung) expect(r).toMatchObject({ status: 503, code: 'EVENT_WRITE_TIMEOUT' });
      expect(await Promise.all(third)).toEqual([
        { status: 202, result: 'accepted' },
        { status: 202, result: 'accepted' },
      ]);
      expect(groups).toEqual([3, 1, 2]);
      // Nothing of the timed-out groups was written: not the unblocked events of group 1, no outbox rows.
      expect(await keysStored('gc-lock-%')).toEqual(['gc-lock-c1', 'gc-lock-c2']);
      const outbox: Array<{ n: number }> = await db.query(
        `SELECT count(*)::int AS n FROM outbox o JOIN touchpoint_events e ON o.ref = e.id::text WHERE e.idempotency_key IN ('gc-lock-b1', 'gc-lock-b2')`,
      );
      expect(outbox[0].n).toBe(0);
    } finally {
      await locker.rollbackTransaction();
      await locker.release();
    }
    // The lock gone, the same requests go through as new events (nothing of them was stored before).
    const batcher = groupCommit(store);
    const again = await Promise.all([batcher.ingest(request('gc-lock-b1')), batcher.ingest(request('gc-lock-a'))]);
    expect(again.map((a) => a[0].status)).toEqual(['accepted', 'accepted']);
  });

  it('answers every waiter 503 when Postgres hangs (within the group\'s bound) or drops the connections (at once)', async () => {
    await throughRelay(async (viaRelay, relay) => {
      // A long queue wait: the 503s must come from the group's statement bound.
      const batcher = groupCommit(new TouchpointEventStore(viaRelay), { statementTimeoutMs: 500, waitTimeoutMs: 60_000 });
      expect((await batcher.ingest(request('gc-relay-ok')))[0].status).toBe('accepted');

      relay.freeze();
      const hung = await Promise.all([batcher.ingest(request('gc-hang-1')), batcher.ingest(request('gc-hang-2')), batcher.ingest(request('gc-hang-3'))].map(settled));
      for (const r of hung) expect(r).toMatchObject({ status: 503, code: 'EVENT_WRITE_TIMEOUT' });

      relay.cut();
      const dropped = await Promise.all([batcher.ingest(request('gc-drop-1')), batcher.ingest(request('gc-drop-2'))].map(settled));
      for (const r of dropped) expect(r).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    });
  });

  it('takes its pool and bounds from EVENT_GROUP_*: the defaults are the class\'s, a tiny statement timeout answers a hung group 503 quickly', async () => {
    expect(groupCommitSettings(loadConfig({}))).toEqual({
      maxConcurrentGroups: GROUP_COMMIT_DEFAULTS.maxConcurrentGroups,
      statementTimeoutMs: GROUP_COMMIT_DEFAULTS.statementTimeoutMs,
      lockTimeoutMs: GROUP_COMMIT_DEFAULTS.lockTimeoutMs,
    });
    const settings = groupCommitSettings(loadConfig({ EVENT_GROUP_POOL_SIZE: '4', EVENT_GROUP_STATEMENT_TIMEOUT_MS: '200', EVENT_GROUP_LOCK_TIMEOUT_MS: '100' }));
    expect(settings).toEqual({ maxConcurrentGroups: 3, statementTimeoutMs: 200, lockTimeoutMs: 100 });
    await throughRelay(async (viaRelay, relay) => {
      const batcher = groupCommit(new TouchpointEventStore(viaRelay), { ...settings, waitTimeoutMs: 60_000 });
      expect((await batcher.ingest(request('gc-set-ok')))[0].status).toBe('accepted');
      relay.freeze();
      // A server that stops answering: the group gives up after the statement timeout and the
      // client's 1 s margin (the default 4 s statement timeout would take 5 s).
      const started = Date.now();
      expect(await settled(batcher.ingest(request('gc-set-hang')))).toMatchObject({ status: 503, code: 'EVENT_WRITE_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });

  it('writes what is queued before it closes (shutdown), and refuses what comes after', async () => {
    const batcher = new EventGroupCommit(store, { maxConcurrentGroups: 1 });
    const queued = [1, 2, 3].map((n) => batcher.ingest(request(`gc-drain-${n}`)));
    await new Promise((r) => setImmediate(r));
    const later = [4, 5].map((n) => batcher.ingest(request(`gc-drain-${n}`)));
    await batcher.onModuleDestroy();
    expect((await Promise.all([...queued, ...later])).map((a) => a[0].status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted', 'accepted']);
    expect(await settled(batcher.ingest(request('gc-drain-6')))).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
    expect(await keysStored('gc-drain-%')).toEqual(['gc-drain-1', 'gc-drain-2', 'gc-drain-3', 'gc-drain-4', 'gc-drain-5']);
  });

  /** Runs `use` with a data source whose connections go through a relay it can freeze or cut; closes both after. */
  async function throughRelay(use: (viaRelay: DataSource, relay: PostgresRelay) => Promise<void>): Promise<void> {
    const relay = new PostgresRelay();
    await relay.start();
    const url = new URL(ctx.databaseUrl);
    url.host = `127.0.0.1:${relay.port}`;
    const viaRelay = await new DataSource(dataSourceOptions({ url: url.toString(), connectTimeoutMs: 1_000 })).initialize();
    try {
      await use(viaRelay, relay);
    } finally {
      await viaRelay.destroy().catch(() => undefined);
      await relay.close();
    }
  }

  /** A request's outcome as the client would hear it. */
  async function settled(answer: Promise<Array<{ status: string }>>): Promise<{ status: number; result?: string; code?: string }> {
    try {
      return { status: 202, result: (await answer)[0].status };
    } catch (e) {
      const { status, body } = errorResponseOf(e);
      return { status, code: body.code };
    }
  }

  async function keysStored(like: string): Promise<string[]> {
    const rows: Array<{ k: string }> = await db.query(`SELECT idempotency_key AS k FROM touchpoint_events WHERE idempotency_key LIKE $1 ORDER BY 1`, [like]);
    return rows.map((r) => r.k);
  }
});
