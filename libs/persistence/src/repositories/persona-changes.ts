/**
 * Persona changes live in two tables with the same columns (issue 12, docs/segmentation.md#persona-history):
 * persona_history (incremental evaluation; full runs before persona_run_changes existed) and
 * persona_run_changes (full runs going live). Readers read them as one relation through these.
 */
const COLUMNS = 'id, customer_id, from_persona_id, to_persona_id, set_version, cause, changed_at, xact_id';

/**
 * Every persona change, for the feed's readers. A plain UNION ALL, which Postgres flattens: their
 * conditions reach both tables and an ORDER BY (xact_id, id) … LIMIT merges the two feed indexes.
 */
export const PERSONA_CHANGES = `(SELECT ${COLUMNS} FROM persona_history UNION ALL SELECT ${COLUMNS} FROM persona_run_changes)`;

/**
 * The set versions that went live: the only ones persona_run_changes holds rows of. Its key leads
 * with the version (so a run's rows land at the tree's right edge), so a customer's changes there
 * are found with one probe per version.
 */
export const LIVE_VERSIONS = `ARRAY(SELECT version FROM persona_sets WHERE live_at IS NOT NULL)`;

/**
 * The persona changes of the customers whose id satisfies `customer_id <condition>` (`= $1`,
 * `= ANY($1::bigint[])`), for the timeline, export and merge.
 */
export function personaChangesWhere(condition: string): string {
  return `(SELECT ${COLUMNS} FROM persona_history WHERE customer_id ${condition}
           UNION ALL
           SELECT ${COLUMNS} FROM persona_run_changes WHERE set_version = ANY(${LIVE_VERSIONS}) AND customer_id ${condition})`;
}
