/** Anything with pg's `query(text, params)`: a pg Client, or a TypeORM DataSource. */
interface Queryable {
  query(text: string, params?: unknown[]): Promise<unknown>;
}

/**
 * Marks personas (rows already in `personas`, by key) as published, for tests that write
 * persona_history by hand: write-back writes only published texts, so a persona a history row
 * names must be in some persona set. Adds one version per persona and a superseded set holding
 * them, leaving the live set (and what segmentation evaluates) alone.
 */
export async function markPersonasPublished(db: Queryable, keys: readonly string[]): Promise<void> {
  await db.query(
    `WITH v AS (
       INSERT INTO persona_versions (persona_id, version, key, name, description, priority, enabled, is_fallback, rule, change)
       SELECT id, 1, key, name, description, priority, true, false, NULL, 'create' FROM personas WHERE key = ANY($1::text[])
       RETURNING id, persona_id, key, name, priority
     )
     INSERT INTO persona_sets (version, members, time_zone, status)
     SELECT COALESCE((SELECT max(version) FROM persona_sets), 0) + 1,
            jsonb_agg(jsonb_build_object('personaId', persona_id, 'personaVersionId', id, 'version', 1, 'key', key, 'name', name,
                                         'priority', priority, 'isFallback', false, 'rule', NULL)),
            'UTC', 'superseded'
       FROM v`,
    [keys],
  );
}
