import { Injectable } from '@nestjs/common';
import { PublishedStrategy } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { StrategyVersionEntity } from '../entities/strategy-version.entity';

/** Published strategies, frozen; the highest version is live. */
@Injectable()
export class StrategyVersionRepository {
  constructor(private readonly db: DataSource) {}

  /** The live strategy, or null before the first publish. */
  async live(): Promise<PublishedStrategy | null> {
    const rows = await this.db.getRepository(StrategyVersionEntity).find({ order: { version: 'DESC' }, take: 1 });
    return rows[0] ? toStrategy(rows[0]) : null;
  }

  async get(version: number): Promise<PublishedStrategy | null> {
    const row = await this.db.getRepository(StrategyVersionEntity).findOneBy({ version });
    return row ? toStrategy(row) : null;
  }

  async list(limit = 50): Promise<Array<{ version: number; publishedAt: Date; publishedBy: string | null }>> {
    const rows = await this.db.getRepository(StrategyVersionEntity).find({ select: ['version', 'publishedAt', 'publishedBy'], order: { version: 'DESC' }, take: limit });
    return rows.map((r) => ({ version: r.version, publishedAt: r.publishedAt, publishedBy: r.publishedBy }));
  }

  /**
   * Freezes the next version. The table lock serialises publishes, so two never take the same
   * version; `expectedLive` (optional) refuses with null when someone published in between.
   */
  async publish(
    document: Omit<PublishedStrategy, 'version' | 'publishedAt'>,
    publishedBy: string | null,
    options: { expectedLive?: number | null; em?: EntityManager } = {},
  ): Promise<PublishedStrategy | null> {
    const run = async (em: EntityManager) => {
      await em.query(`LOCK TABLE strategy_versions IN EXCLUSIVE MODE`);
      const [{ live }] = await em.query(`SELECT max(version) AS live FROM strategy_versions`);
      const current = live === null ? null : Number(live);
      if (options.expectedLive !== undefined && options.expectedLive !== current) return null;
      const version = (current ?? 0) + 1;
      const publishedAt = new Date();
      const strategy: PublishedStrategy = { ...document, version, publishedAt: publishedAt.toISOString() };
      await em.query(`INSERT INTO strategy_versions (version, document, published_by, published_at) VALUES ($1, $2, $3, $4)`, [version, JSON.stringify(strategy), publishedBy, publishedAt]);
      return strategy;
    };
    return options.em ? run(options.em) : this.db.transaction(run);
  }
}

function toStrategy(r: StrategyVersionEntity): PublishedStrategy {
  return { ...(r.document as unknown as PublishedStrategy), version: r.version };
}
