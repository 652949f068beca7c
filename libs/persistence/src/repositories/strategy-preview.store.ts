import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BEHAVIOUR_JOIN, EVALUATED_ATTRIBUTES } from './evaluated-attributes';

/** Reads for the strategy preview: today's customers with their live persona, paged by id. */
@Injectable()
export class StrategyPreviewStore {
  constructor(private readonly db: DataSource) {}

  /** Live customers after `afterId`, by id, with their attributes and live persona key (null: none yet). */
  async customersWithLivePersona(afterId: string, limit: number): Promise<Array<{ id: string; attributes: Record<string, unknown>; personaKey: string | null }>> {
    const rows: Array<{ id: string; attributes: Record<string, unknown>; persona_key: string | null }> = await this.db.query(
      `SELECT c.id::text AS id, ${EVALUATED_ATTRIBUTES} AS attributes, p.key AS persona_key
         FROM customers c ${BEHAVIOUR_JOIN}
         LEFT JOIN persona_sets s ON s.status = 'live'
         LEFT JOIN assignments a ON a.set_version = s.version AND a.customer_id = c.id
         LEFT JOIN personas p ON p.id = a.persona_id
        WHERE c.deleted_at IS NULL AND c.merged_into_id IS NULL AND c.id > $1::bigint
        ORDER BY c.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ id: r.id, attributes: r.attributes, personaKey: r.persona_key }));
  }
}
