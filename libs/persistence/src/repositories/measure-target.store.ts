import { Injectable } from '@nestjs/common';
import type { CellTarget, TargetMeasure } from '@corridor/domain';
import { DataSource } from 'typeorm';

export interface StoredTarget extends CellTarget {
  note: string;
  updatedBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface Row {
  persona_key: string;
  touchpoint_key: string;
  measure: string;
  target: string;
  note: string;
  updated_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const toTarget = (r: Row): StoredTarget => ({
  personaKey: r.persona_key,
  touchpointKey: r.touchpoint_key,
  measure: r.measure as TargetMeasure,
  target: Number(r.target),
  note: r.note,
  updatedBy: r.updated_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The target score admins set per persona × touchpoint cell (expectation versus experience). */
@Injectable()
export class MeasureTargetStore {
  constructor(private readonly db: DataSource) {}

  async list(filter: { personaKey?: string; touchpointKey?: string } = {}): Promise<StoredTarget[]> {
    const rows: Row[] = await this.db.query(
      `SELECT * FROM measure_targets WHERE ($1::text IS NULL OR persona_key = $1) AND ($2::text IS NULL OR touchpoint_key = $2) ORDER BY persona_key, touchpoint_key`,
      [filter.personaKey ?? null, filter.touchpointKey ?? null],
    );
    return rows.map(toTarget);
  }

  async get(personaKey: string, touchpointKey: string): Promise<StoredTarget | null> {
    const rows: Row[] = await this.db.query(`SELECT * FROM measure_targets WHERE persona_key = $1 AND touchpoint_key = $2`, [personaKey, touchpointKey]);
    return rows[0] ? toTarget(rows[0]) : null;
  }

  /** Creates or replaces a cell's target; `created` says which. */
  async put(t: CellTarget & { note: string; updatedBy: string | null }): Promise<{ target: StoredTarget; created: boolean }> {
    const rows: Array<Row & { created: boolean }> = await this.db.query(
      `INSERT INTO measure_targets (persona_key, touchpoint_key, measure, target, note, updated_by) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (persona_key, touchpoint_key) DO UPDATE SET measure = EXCLUDED.measure, target = EXCLUDED.target, note = EXCLUDED.note,
          updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING *, (xmax = 0) AS created`,
      [t.personaKey, t.touchpointKey, t.measure, t.target, t.note, t.updatedBy],
    );
    return { target: toTarget(rows[0]), created: rows[0].created };
  }

  async remove(personaKey: string, touchpointKey: string): Promise<boolean> {
    // TypeORM answers a DELETE with [rows, affected].
    const [, affected]: [unknown[], number] = await this.db.query(`DELETE FROM measure_targets WHERE persona_key = $1 AND touchpoint_key = $2`, [personaKey, touchpointKey]);
    return affected > 0;
  }

  /** Whether the keys name a persona (any version) and a touchpoint. */
  async known(personaKey: string, touchpointKey: string): Promise<{ persona: boolean; touchpoint: boolean }> {
    const [r] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM personas WHERE key = $1) AS persona, EXISTS (SELECT 1 FROM touchpoints WHERE key = $2) AS touchpoint`,
      [personaKey, touchpointKey],
    );
    return { persona: r.persona, touchpoint: r.touchpoint };
  }
}
