import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface EventSource {
  key: string;
  name: string;
  /** Segment event name → touchpoint key. */
  mappings: Record<string, string>;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  key: string;
  name: string;
  mappings: Record<string, string>;
  created_at: Date;
  updated_at: Date;
}

const toSource = (r: Row): EventSource => ({ key: r.key, name: r.name, mappings: r.mappings, createdAt: r.created_at, updatedAt: r.updated_at });

/** CDP sources (Segment-spec) and their event → touchpoint mappings. */
@Injectable()
export class EventSourceStore {
  constructor(private readonly db: DataSource) {}

  async list(): Promise<EventSource[]> {
    return ((await this.db.query(`SELECT * FROM event_sources ORDER BY key`)) as Row[]).map(toSource);
  }

  async get(key: string): Promise<EventSource | null> {
    const rows: Row[] = await this.db.query(`SELECT * FROM event_sources WHERE key = $1`, [key]);
    return rows[0] ? toSource(rows[0]) : null;
  }

  /** Creates or replaces a source's name and mapping. */
  async put(key: string, name: string, mappings: Record<string, string>): Promise<EventSource> {
    const rows: Row[] = await this.db.query(
      `INSERT INTO event_sources (key, name, mappings) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, mappings = EXCLUDED.mappings, updated_at = now()
       RETURNING *`,
      [key, name, JSON.stringify(mappings)],
    );
    return toSource(rows[0]);
  }

  async remove(key: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(`DELETE FROM event_sources WHERE key = $1 RETURNING key`, [key]);
    return rows.length > 0;
  }

  /** Which of these keys name no touchpoint. */
  async unknownTouchpoints(keys: readonly string[]): Promise<string[]> {
    const rows: Array<{ key: string }> = await this.db.query(`SELECT key FROM touchpoints WHERE key = ANY($1::text[])`, [[...new Set(keys)]]);
    const known = new Set(rows.map((r) => r.key));
    return [...new Set(keys)].filter((k) => !known.has(k));
  }
}
