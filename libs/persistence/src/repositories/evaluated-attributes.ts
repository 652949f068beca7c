/**
 * The attributes every evaluation path reads (segmentation chunks and live evaluation, decisions,
 * previews, the customer view): the stored document, under the defaults of behavioural attributes
 * (a count is 0 for a customer with no behaviour row: behaviourDefaults in the domain), under the
 * customer's computed behavioural values. A behavioural name is Corridor's alone: a value an import
 * or a CRM mapping stored under it in the document is dropped, so it can never pose as behaviour.
 * Queries select `${EVALUATED_ATTRIBUTES} AS attributes` from `customers c ${BEHAVIOUR_JOIN}`.
 * The defaults are an uncorrelated sub-select: Postgres computes them once per statement.
 */
export const EVALUATED_ATTRIBUTES = `((c.attributes - ARRAY(SELECT name FROM attributes WHERE source = 'behaviour'))
  || (SELECT coalesce(jsonb_object_agg(name, 0), '{}'::jsonb) FROM attributes WHERE source = 'behaviour' AND behaviour->>'kind' = 'event_count')
  || coalesce(b.values, '{}'::jsonb))`;

export const BEHAVIOUR_JOIN = `LEFT JOIN customer_behaviour b ON b.customer_id = c.id`;

/**
 * Whether an assignment `a` (under the live set `s`) did not see a change: the change's transaction
 * was not visible to the snapshot the evaluation read under. Transaction start times (now()) do not
 * order commits: an evaluation that began after a change's transaction but read before its commit
 * carries a later evaluated_at than the change's time, yet never saw it. Rows without the
 * transaction or the snapshot (written before they existed) keep the timestamp comparison, where a
 * full run's rows count as fresh up to the moment the set went live.
 */
function unseen(xactId: string, changedAt: string): string {
  return `coalesce(CASE WHEN ${xactId} IS NOT NULL AND a.read_snapshot IS NOT NULL
                        THEN NOT pg_visible_in_snapshot(${xactId}::text::xid8, a.read_snapshot::pg_snapshot)
                        ELSE ${changedAt} > greatest(a.evaluated_at, s.live_at) END, false)`;
}

/** The customer's attributes (customers `c`) changed after assignment `a` read them. */
export const STALE_DATA = unseen('c.data_xact_id', 'c.data_changed_at');
/** The customer's behavioural values (customer_behaviour `b`, BEHAVIOUR_JOIN) changed after assignment `a` read them. */
export const STALE_BEHAVIOUR = unseen('b.changed_xact_id', 'b.changed_at');
