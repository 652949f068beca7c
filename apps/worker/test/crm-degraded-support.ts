import { PERSONA_CHANGES } from '@corridor/contracts';
import type { FaultOptions } from '../../crm-sandbox/src/core/fault-injector';
import type { CrmStats } from '../../crm-sandbox/src/core/request-stats';
import type { SyncHarness } from './crm-sync-harness';

/**
 * A degraded CRM: a fifth of requests answer 5xx, one in twenty loses its connection half-way
 * through the body, every request waits 20–60 ms, and now and then a 429 storm refuses everything
 * for 1.5 s (with Retry-After). Faults are decided before a request is handled, as a failing load
 * balancer does: a refused write was not applied. `overrides` adapt it to one CRM's own answers.
 */
export function degradedFaults(overrides: Partial<FaultOptions> = {}): Partial<FaultOptions> {
  return {
    errorRate: 0.2,
    errorStatuses: [500, 502, 503, 504],
    latencyMs: 20,
    latencyJitterMs: 40,
    dropRate: 0.05,
    dropStyle: 'mid-body',
    stormRate: 0.01,
    stormMs: 1500,
    stormRetryAfter: true,
    ...overrides,
  };
}

/** A connection dropped part-way through a body is given up on after this (the production bound is 60 s). */
export const DEGRADED_CALL_TIMEOUT_MS = '4000';

/** Every fault kind happened, and every request the CRM received is accounted for by its outcome. */
export function expectFaultsAccountedFor(stats: CrmStats, kinds: ReadonlyArray<'injectedError' | 'dropped' | 'injectedStorm'>): void {
  const o = stats.byOutcome;
  // Named in the failure message: which kind of fault never happened.
  for (const kind of kinds) expect([kind, o[kind] > 0]).toEqual([kind, true]);
  expect(o.ok + o.clientError + o.serverError + o.rateLimited + o.injectedError + o.injectedStorm + o.dropped).toBe(stats.total);
}

/** How many times each id occurs. */
export function countPerId(ids: Iterable<string>): Map<string, number> {
  const per = new Map<string, number>();
  for (const id of ids) per.set(id, (per.get(id) ?? 0) + 1);
  return per;
}

/**
 * Records a persona change to the fallback persona for the first `limit` live customers of the
 * connection (as a segmentation run does) and announces it: the crm-writeback worker picks it up.
 */
export async function changePersonas(
  h: SyncHarness,
  connectionId: string,
  limit: number,
  /** 'mixed': a spread over the connection's objects (Contacts and Leads), not its first rows. */
  pick: 'first' | 'mixed' = 'first',
): Promise<Array<{ id: string; external_id: string; crm_object: string }>> {
  const { rows: fallback } = await h.db.query(`SELECT id FROM personas WHERE key = 'everyone_else'`);
  const { rows: changed } = await h.db.query(
    `SELECT id::text, external_id, crm_object FROM customers
      WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL ORDER BY ${pick === 'mixed' ? 'md5(external_id)' : 'id'} LIMIT $2`,
    [connectionId, limit],
  );
  await h.db.query(
    `INSERT INTO persona_history (customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at)
     SELECT unnest($1::bigint[]), NULL, $2, 1, 'new_customer', now()`,
    [changed.map((c) => c.id), fallback[0].id],
  );
  const { rows: last } = await h.db.query(`SELECT max(id)::text AS max FROM persona_history`);
  await h.jobs.enqueue(PERSONA_CHANGES, { toHistoryId: last[0].max, count: changed.length });
  return changed;
}

/** Corridor's live (unmerged) customers of a connection: external id → the given attributes joined by '|'. */
export async function corridorCopy(h: SyncHarness, connectionId: string, attributes: readonly string[]): Promise<Map<string, string>> {
  const { rows } = await h.db.query(
    `SELECT external_id, (SELECT string_agg(coalesce(attributes->>a, ''), '|' ORDER BY o) FROM unnest($2::text[]) WITH ORDINALITY AS t(a, o)) AS v
       FROM customers WHERE connection_id = $1 AND deleted_at IS NULL AND merged_into_id IS NULL`,
    [connectionId, attributes],
  );
  return new Map(rows.map((r) => [r.external_id, r.v]));
}
