import { Injectable } from '@nestjs/common';
import { ContactPolicies, StrategyCell } from '@corridor/domain';
import { DataSource } from 'typeorm';
import { StrategyDraftEntity } from '../entities/strategy-draft.entity';

export interface StrategyDraftRevision {
  revision: number;
  cells: StrategyCell[];
  policies: ContactPolicies;
  savedBy: string | null;
  savedAt: Date;
}

/** The strategy draft's revisions, insert-only: saving writes the next revision, the highest is the draft. */
@Injectable()
export class StrategyDraftRepository {
  constructor(private readonly db: DataSource) {}

  async current(): Promise<StrategyDraftRevision | null> {
    const rows = await this.db.getRepository(StrategyDraftEntity).find({ order: { revision: 'DESC' }, take: 1 });
    return rows[0] ? toDraftRevision(rows[0]) : null;
  }

  async get(revision: number): Promise<StrategyDraftRevision | null> {
    const row = await this.db.getRepository(StrategyDraftEntity).findOneBy({ revision });
    return row ? toDraftRevision(row) : null;
  }

  async list(limit = 50): Promise<Array<{ revision: number; savedBy: string | null; savedAt: Date; cells: number }>> {
    const rows: Array<{ revision: number; saved_by: string | null; saved_at: Date; cells: number }> = await this.db.query(
      `SELECT revision, saved_by, saved_at, jsonb_array_length(cells) AS cells FROM strategy_drafts ORDER BY revision DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ revision: r.revision, savedBy: r.saved_by, savedAt: r.saved_at, cells: Number(r.cells) }));
  }

  /**
   * Saves the next revision. `expectedRevision` (0: no draft yet) refuses with null when someone
   * saved in between; the table lock serialises savers so two never take the same revision.
   */
  async save(draft: { cells: StrategyCell[]; policies: ContactPolicies }, savedBy: string | null, expectedRevision?: number): Promise<StrategyDraftRevision | null> {
    return this.db.transaction(async (em) => {
      await em.query(`LOCK TABLE strategy_drafts IN EXCLUSIVE MODE`);
      const [{ current }] = await em.query(`SELECT coalesce(max(revision), 0) AS current FROM strategy_drafts`);
      if (expectedRevision !== undefined && expectedRevision !== Number(current)) return null;
      const revision = Number(current) + 1;
      await em.query(`INSERT INTO strategy_drafts (revision, cells, policies, saved_by) VALUES ($1, $2, $3, $4)`, [
        revision,
        JSON.stringify(draft.cells),
        JSON.stringify(draft.policies),
        savedBy,
      ]);
      return toDraftRevision((await em.getRepository(StrategyDraftEntity).findOneByOrFail({ revision })));
    });
  }
}

export function toDraftRevision(r: StrategyDraftEntity): StrategyDraftRevision {
  return { revision: r.revision, cells: r.cells as StrategyCell[], policies: r.policies as unknown as ContactPolicies, savedBy: r.savedBy, savedAt: r.savedAt };
}
