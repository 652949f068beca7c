import { Injectable } from '@nestjs/common';
import { CrmObject } from '@corridor/domain';
import { DataSource } from 'typeorm';

/** A persona as the live set published it (never the draft's name or description). */
export interface PublishedPersonaText {
  personaId: string;
  key: string;
  name: string;
  description: string;
}

/** What is published now: the live persona set with its personas' texts, and the live strategy's version. */
export interface PublishedContent {
  /** `s<set version>-t<strategy version>` (t0: no strategy yet); changes with every publish of either. */
  key: string;
  setVersion: number;
  strategyVersion: number;
  personas: ReadonlyMap<string, PublishedPersonaText>;
}

/** A customer whose CRM record does not carry what its live persona's published texts say. */
export interface StaleWriteback {
  customerId: string;
  externalId: string;
  crmObject: CrmObject;
  personaId: string;
  crmValues: Record<string, string | null> | null;
}

/** `s<set>-t<strategy>`: the published content a connection's write-back texts reflect. */
export function publishedKeyOf(setVersion: number, strategyVersion: number): string {
  return `s${setVersion}-t${strategyVersion}`;
}

/**
 * The published side of write-back: what the live persona set and strategy say, which connections'
 * CRM records were last brought up to date with which publish, and the customers whose records
 * still differ (the redundancy check done in SQL, so a publish that changes one persona's text reads
 * and writes only that persona's customers).
 */
@Injectable()
export class WritebackPublishedStore {
  constructor(private readonly db: DataSource) {}

  /** The live set and strategy versions (cheap: two index lookups). */
  async currentKey(): Promise<string> {
    const [row] = await this.db.query(
      `SELECT COALESCE((SELECT version FROM persona_sets WHERE status = 'live'), 0) AS s, COALESCE((SELECT max(version) FROM strategy_versions), 0) AS t`,
    );
    return publishedKeyOf(row.s, row.t);
  }

  /**
   * The published content now. Each persona's text is its version in the live set, or for a
   * persona the live set no longer holds, its last published version (a history row behind the
   * cursor may still name it); a set still publishing is not published yet, and a draft never is.
   */
  async current(): Promise<PublishedContent> {
    const rows: Array<{ persona_id: string; key: string; name: string; description: string }> = await this.db.query(
      `SELECT DISTINCT ON (m->>'personaId') m->>'personaId' AS persona_id, v.key, v.name, v.description
         FROM persona_sets s
         CROSS JOIN LATERAL jsonb_array_elements(s.members) m
         JOIN persona_versions v ON v.id = (m->>'personaVersionId')::uuid
        WHERE s.status IN ('live', 'superseded', 'retired')
        ORDER BY m->>'personaId', s.status = 'live' DESC, s.version DESC`,
    );
    const [{ s: setVersion, t: strategyVersion }] = await this.db.query(
      `SELECT COALESCE((SELECT version FROM persona_sets WHERE status = 'live'), 0) AS s, COALESCE((SELECT max(version) FROM strategy_versions), 0) AS t`,
    );
    const personas = new Map(rows.map((r) => [r.persona_id, { personaId: r.persona_id, key: r.key, name: r.name, description: r.description }]));
    return { key: publishedKeyOf(setVersion, strategyVersion), setVersion, strategyVersion, personas };
  }

  /** The published content each connection's records were last brought up to date with (absent: never). */
  async keys(): Promise<Map<string, string>> {
    const rows: Array<{ connection_id: string; published_key: string }> = await this.db.query(`SELECT connection_id, published_key FROM crm_writeback_published`);
    return new Map(rows.map((r) => [r.connection_id, r.published_key]));
  }

  async keyOf(connectionId: string): Promise<string | null> {
    const [row] = await this.db.query(`SELECT published_key FROM crm_writeback_published WHERE connection_id = $1`, [connectionId]);
    return row?.published_key ?? null;
  }

  async markUpToDate(connectionId: string, key: string): Promise<void> {
    await this.db.query(
      `INSERT INTO crm_writeback_published (connection_id, published_key, updated_at) VALUES ($1, $2, now())
       ON CONFLICT (connection_id) DO UPDATE SET published_key = EXCLUDED.published_key, updated_at = now()`,
      [connectionId, key],
    );
  }

  /**
   * The connection's live customers assigned in `setVersion` whose known CRM values do not contain
   * what their persona should carry (`wanted`: persona id → field → value), after `afterId`, by id.
   */
  async stale(
    connectionId: string,
    setVersion: number,
    wanted: ReadonlyMap<string, Record<string, string>>,
    afterId: string,
    limit: number,
  ): Promise<StaleWriteback[]> {
    const rows: Array<{ id: string; external_id: string; crm_object: string; persona_id: string; crm_writeback_values: Record<string, string | null> | null }> =
      await this.db.query(
        `SELECT c.id::text AS id, c.external_id, c.crm_object, a.persona_id, c.crm_writeback_values
           FROM assignments a
           JOIN customers c ON c.id = a.customer_id
           JOIN jsonb_each($3::jsonb) w ON w.key = a.persona_id::text
          WHERE a.set_version = $2 AND c.connection_id = $1 AND c.id > $4::bigint
            AND c.deleted_at IS NULL AND c.merged_into_id IS NULL
            AND NOT (COALESCE(c.crm_writeback_values, '{}'::jsonb) @> w.value)
          ORDER BY c.id
          LIMIT $5`,
        [connectionId, setVersion, JSON.stringify(Object.fromEntries(wanted)), afterId, limit],
      );
    return rows.map((r) => ({
      customerId: r.id,
      externalId: r.external_id,
      crmObject: r.crm_object as CrmObject,
      personaId: r.persona_id,
      crmValues: r.crm_writeback_values,
    }));
  }
}
