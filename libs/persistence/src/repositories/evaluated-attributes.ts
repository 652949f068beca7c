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
