import { Injectable } from '@nestjs/common';
import { CustomerRef, EventIngestResult, isRaisedSource, ResolvedTouchpointEvent, TouchpointEventInput } from '@corridor/domain';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { IMPORT_CONNECTION_ID } from '../import-connection';
import { currentTraceparent } from './trace-context';

/** The outbox topic that asks for a decision (the relay turns it into DECIDE_EVENT). */
export const DECIDE_EVENT_TOPIC = 'decide-event';

/**
 * The same for events Corridor raises itself (persona_changed, CRM property changes): a publish
 * or a full sync can raise a million of them at once, so the relay enqueues them at a lower priority and a
 * customer's own event is decided first.
 */
export const DECIDE_RAISED_EVENT_TOPIC = 'decide-raised-event';

/** A statement run by name on a pool connection (prepared there on first use); answers its rows. */
type PreparedQuery = <T>(name: string, text: string, values: unknown[]) => Promise<T[]>;

/** A pool of the ingest path's own, whose sessions bound every statement (see TouchpointEventStore.withOwnPool). */
export interface OwnPoolBounds {
  connections: number;
  /** Postgres cancels a statement past this: it is rolled back, nothing of it written. */
  statementTimeoutMs: number;
  /** Postgres gives up waiting for a lock another session holds after this (rolled back too). */
  lockTimeoutMs: number;
  /** The client stops waiting for an answer after this (a database that stalls): the connection is dropped. */
  readTimeoutMs: number;
  applicationName: string;
}

/** A store on a pool of its own; `end` closes that pool (the data source is left alone). */
export interface StoreOnOwnPool {
  store: TouchpointEventStore;
  end(): Promise<void>;
}

type Resolution = { id: string } | { code: 'CUSTOMER_NOT_FOUND' | 'CUSTOMER_REF_AMBIGUOUS'; message: string };

/**
 * Touchpoint events in: each new event is inserted with its outbox row in the transaction of its
 * batch, so nothing is acknowledged that is not committed, and nothing committed lacks its job.
 * The unique (source, idempotency_key) makes a repeat a no-op, even when two requests race.
 */
@Injectable()
export class TouchpointEventStore {
  /** Set by withOwnPool; otherwise the data source's pool. */
  private ownPool?: Pool;

  constructor(private readonly db: DataSource) {}

  /**
   * The same store with its ingest statements on a small pool of their own, each session started
   * with a statement and a lock timeout, so a statement that hangs (a lock another session holds
   * on a key it writes, a stalled server) fails within a known bound and rolls back, and its
   * caller's requests neither wait on the API's pool nor hold it. No per-statement round trip:
   * the timeouts are startup parameters of the session.
   */
  withOwnPool(bounds: OwnPoolBounds): StoreOnOwnPool {
    const master = (this.db.driver as unknown as { master: Pool & { options: Record<string, unknown> } }).master;
    // The data source's own pg.Pool class and connection settings, with tighter session limits.
    const PoolClass = master.constructor as new (options: Record<string, unknown>) => Pool;
    const pool = new PoolClass({
      ...master.options,
      max: bounds.connections,
      statement_timeout: bounds.statementTimeoutMs,
      lock_timeout: bounds.lockTimeoutMs,
      query_timeout: bounds.readTimeoutMs,
      application_name: bounds.applicationName,
    });
    // An idle connection that the server drops must not crash the process; the next query reconnects.
    pool.on('error', () => undefined);
    const store = new TouchpointEventStore(this.db);
    store.ownPool = pool;
    return { store, end: () => pool.end() };
  }

  /**
   * The ingest path's statements as named prepared statements on the pool's connections: each is
   * parsed and planned once per connection rather than once per request (planning the resolve
   * costs several times its execution). node-postgres prepares a name on a connection's first use.
   */
  private readonly prepared: PreparedQuery = async (name, text, values) => {
    const pool = this.ownPool ?? (this.db.driver as unknown as { master: Pool }).master;
    // Told to the DataSource's logger like every TypeORM query (query logging, the EXPLAIN check).
    this.db.logger.logQuery(text, values);
    return (await pool.query({ name, text, values })).rows;
  };

  /**
   * Resolves customers and touchpoints, then writes the events that name both. `field(index, name)`
   * says how the caller's body names a field of event `index` (`events[3].touchpoint`).
   */
  async ingest(
    source: string,
    items: ReadonlyArray<{ index: number; event: TouchpointEventInput; customerField?: string; correlationId?: string; traceparent?: string }>,
    field: (index: number, name: string) => string,
    correlationId?: string,
  ): Promise<EventIngestResult[]> {
    if (items.length === 0) return [];
    const { customers, touchpoints } = await this.resolve(items.map((i) => i.event.customer), items.map((i) => i.event.touchpoint));
    const results: EventIngestResult[] = [];
    const ready: Array<{ index: number; event: ResolvedTouchpointEvent; correlationId?: string; traceparent?: string }> = [];
    for (const { index, event, customerField, correlationId: own, traceparent } of items) {
      const customer = customers.get(refKey(event.customer))!;
      if (!touchpoints.has(event.touchpoint)) {
        results.push({ index, status: 'rejected', code: 'TOUCHPOINT_NOT_FOUND', field: field(index, 'touchpoint'), message: `no touchpoint has the key ${JSON.stringify(event.touchpoint)}` });
      } else if (!('id' in customer)) {
        results.push({ index, status: 'rejected', code: customer.code, field: customerField ?? field(index, 'customer'), message: customer.message });
      } else {
        ready.push({ index, event: { ...event, customerId: customer.id }, correlationId: own, traceparent });
      }
    }
    // No explicit transaction: the events and their outbox rows are one statement, atomic and
    // committed before it returns (BEGIN and COMMIT would be two more round trips per request);
    // the lookup of duplicates after it only reads committed rows.
    if (ready.length) results.push(...(await insertTouchpointEvents(this.db.manager, source, ready, correlationId, this.prepared)));
    return results.sort((a, b) => a.index - b.index);
  }

  /**
   * Writes events whose customer and touchpoint are known, within the caller's transaction
   * (Corridor's own events commit with the fact that raised them: a feed cursor, a CRM upsert).
   */
  async insertResolved(manager: EntityManager, source: string, events: readonly ResolvedTouchpointEvent[], correlationId?: string): Promise<EventIngestResult[]> {
    if (events.length === 0) return [];
    return insertTouchpointEvents(manager, source, events.map((event, index) => ({ index, event })), correlationId);
  }

  /**
   * The touchpoints that exist among `keys`, and the one live customer each distinct reference
   * names (merged-away ids and CRM ids follow to the survivor): one statement, one round trip,
   * since it runs for every request. The survivor is probed by its key for each customer named
   * (the LIMIT keeps that subquery from being flattened into a join the planner may reorder): on a
   * customers table not analysed yet (a fresh bulk import before autovacuum gets to it, or a server
   * running without autovacuum) the join was planned as a scan of every customer per customer
   * named, 1,000 × 1,000 rows a request in bench:treatments and most of Postgres' CPU there.
   */
  private async resolve(refs: readonly CustomerRef[], keys: readonly string[]): Promise<{ customers: Map<string, Resolution>; touchpoints: Set<string> }> {
    const ids = new Set<string>();
    const emails = new Set<string>();
    const external = new Map<string, { c: string; e: string }>();
    for (const r of refs) {
      if (r.kind === 'id') ids.add(r.id);
      else if (r.kind === 'email') emails.add(r.email);
      else {
        const c = r.kind === 'import' ? IMPORT_CONNECTION_ID : r.connectionId;
        external.set(`${c}:${r.externalId}`, { c, e: r.externalId });
      }
    }
    type Hits = Array<{ ref: string; ids: string[] }>;
    const [row]: Array<{ touchpoints: string[]; by_id: Hits; by_email: Hits; by_external: Hits }> = await this.prepared(
      'corridor_resolve_events',
      `SELECT (SELECT coalesce(array_agg(key), '{}') FROM touchpoints WHERE key = ANY($1::text[])) AS touchpoints,
              (SELECT coalesce(json_agg(r), '[]') FROM (
                 SELECT c.id::text AS ref, ARRAY[s.id::text] AS ids FROM customers c
                   JOIN LATERAL (SELECT id FROM customers s WHERE s.id = COALESCE(c.merged_into_id, c.id) AND s.deleted_at IS NULL AND s.merged_into_id IS NULL LIMIT 1) s ON true
                  WHERE c.id = ANY($2::bigint[])) r) AS by_id,
              (SELECT coalesce(json_agg(r), '[]') FROM (
                 SELECT email AS ref, array_agg(id::text ORDER BY id) AS ids FROM customers
                  WHERE email = ANY($3::text[]) AND merged_into_id IS NULL AND deleted_at IS NULL GROUP BY email) r) AS by_email,
              (SELECT coalesce(json_agg(r), '[]') FROM (
                 SELECT x.c::text || ':' || x.e AS ref, array_agg(DISTINCT m.id::text) AS ids
                   FROM jsonb_to_recordset($4::jsonb) AS x(c uuid, e text)
                   JOIN LATERAL (SELECT id FROM customers WHERE connection_id = x.c AND external_id = x.e AND merged_into_id IS NULL AND deleted_at IS NULL
                                 UNION
                                 SELECT s.id FROM customer_aliases a JOIN customers s ON s.id = a.customer_id
                                  WHERE a.connection_id = x.c AND a.external_id = x.e AND s.deleted_at IS NULL AND s.merged_into_id IS NULL) m ON true
                  GROUP BY x.c, x.e) r) AS by_external`,
      [[...new Set(keys)], [...ids], [...emails], JSON.stringify([...external.values()])],
    );
    const found = new Map<string, string[]>();
    for (const r of row.by_id) found.set(`id:${r.ref}`, r.ids);
    for (const r of row.by_email) found.set(`email:${r.ref}`, r.ids);
    for (const r of row.by_external) found.set(`ext:${r.ref}`, r.ids);
    const customers = new Map<string, Resolution>();
    for (const r of refs) {
      const key = refKey(r);
      const hits = found.get(key) ?? [];
      customers.set(
        key,
        hits.length === 1
          ? { id: hits[0] }
          : hits.length === 0
            ? { code: 'CUSTOMER_NOT_FOUND', message: 'no live customer matches this reference' }
            : { code: 'CUSTOMER_REF_AMBIGUOUS', message: `${hits.length} customers match (ids ${hits.slice(0, 5).join(', ')}): name one by its id or <connectionId>:<CRM id>` },
      );
    }
    return { customers, touchpoints: new Set(row.touchpoints) };
  }
}

function refKey(r: CustomerRef): string {
  switch (r.kind) {
    case 'id':
      return `id:${r.id}`;
    case 'email':
      return `email:${r.email}`;
    case 'external':
      return `ext:${r.connectionId}:${r.externalId}`;
    case 'import':
      return `ext:${IMPORT_CONNECTION_ID}:${r.externalId}`;
  }
}

/**
 * Inserts events whose customer and touchpoint are known, each new one with its outbox row, in the
 * caller's transaction; a repeated (source, idempotency key) is a duplicate of the stored event.
 */
export async function insertTouchpointEvents(
  manager: EntityManager,
  source: string,
  ready: ReadonlyArray<{ index: number; event: ResolvedTouchpointEvent; correlationId?: string; traceparent?: string }>,
  correlationId?: string,
  /** Outside a transaction only: runs the insert as a named prepared statement. */
  prepared?: PreparedQuery,
): Promise<EventIngestResult[]> {
  // r: an event's own correlation id and tp its own trace context, when one statement carries several
  // requests' events (the API's group commit); otherwise the caller's.
  const rows = ready.map(({ index, event, correlationId: r, traceparent: tp }) => ({ i: index, k: event.idempotencyKey, t: event.touchpoint, c: event.customerId, o: event.occurredAt.toISOString(), p: event.properties, r, tp }));
  // One statement: the events, then an outbox row for each one that is new (a repeated key, which
  // the touchpoint_events_claim_key trigger skips, returns nothing).
  const sql =
    `WITH input AS (SELECT * FROM jsonb_to_recordset($2::jsonb) AS x(i int, k text, t text, c bigint, o timestamptz, p jsonb, r text, tp text)),
          ins AS (INSERT INTO touchpoint_events (source, idempotency_key, touchpoint_key, customer_id, occurred_at, properties, correlation_id)
                  SELECT $1, k, t, c, o, p, coalesce(r, $3) FROM input ORDER BY i
                  RETURNING id, idempotency_key),
          ob AS (INSERT INTO outbox (topic, ref, traceparent)
                 SELECT $4, ins.id::text, coalesce(t.tp, $5)
                   FROM ins LEFT JOIN (SELECT DISTINCT ON (k) k, tp FROM input ORDER BY k, i) t ON t.k = ins.idempotency_key
                  ORDER BY ins.id)
     SELECT id::text AS id, idempotency_key FROM ins`;
  // The trace of whatever records the event (the API request, a sync job) continues through the outbox.
  const params = [source, JSON.stringify(rows), correlationId ?? null, isRaisedSource(source) ? DECIDE_RAISED_EVENT_TOPIC : DECIDE_EVENT_TOPIC, currentTraceparent()];
  const inserted: Array<{ id: string; idempotency_key: string }> = prepared ? await prepared('corridor_insert_events', sql, params) : await manager.query(sql, params);
  const fresh = new Map(inserted.map((r) => [r.idempotency_key, r.id]));
  const missing = [...new Set(ready.map((r) => r.event.idempotencyKey).filter((k) => !fresh.has(k)))];
  const existing = new Map<string, string>();
  if (missing.length) {
    const lookup = `SELECT id::text AS id, idempotency_key FROM touchpoint_events WHERE source = $1 AND idempotency_key = ANY($2::text[])`;
    // On the same pool as the insert (the group commit's own, bounded, when it has one).
    const rows: Array<{ id: string; idempotency_key: string }> = prepared
      ? await prepared('corridor_event_duplicates', lookup, [source, missing])
      : await manager.query(lookup, [source, missing]);
    for (const r of rows) existing.set(r.idempotency_key, r.id);
  }
  const claimed = new Set<string>();
  return ready.map(({ index, event }): EventIngestResult => {
    const key = event.idempotencyKey;
    const id = fresh.get(key);
    // The first of a batch's repeats is the accepted one; the rest are duplicates of it.
    if (id && !claimed.has(key)) {
      claimed.add(key);
      return { index, status: 'accepted', eventId: id };
    }
    return { index, status: 'duplicate', eventId: id ?? existing.get(key) ?? '' };
  });
}
