import { Injectable } from '@nestjs/common';
import { PublishedStrategy, Treatment } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { StrategyDraftEntity } from '../entities/strategy-draft.entity';
import { TreatmentEntity } from '../entities/treatment.entity';
import { JourneyTransaction } from './journey.repository';
import { StrategyDraftRevision, toDraftRevision } from './strategy-draft.repository';
import { StrategyVersionRepository } from './strategy-version.repository';
import { toTreatment } from './treatment.repository';

/**
 * Publishing reads the draft, stages, touchpoints and treatments and inserts the frozen version in
 * one REPEATABLE READ transaction: the version is one consistent snapshot, and the draft revision
 * the caller checked is the one frozen.
 */
@Injectable()
export class StrategyPublishStore {
  constructor(
    private readonly db: DataSource,
    private readonly versions: StrategyVersionRepository,
  ) {}

  transaction<T>(fn: (tx: StrategyPublishTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction('REPEATABLE READ', async (em) => {
      // Before any read: the snapshot starts after the lock, so it sees every version published
      // before ours and `max(version) + 1` is free (Postgres: take locks before the first query).
      await em.query(`LOCK TABLE strategy_versions IN EXCLUSIVE MODE`);
      return fn(new StrategyPublishTransaction(em, this.versions));
    });
  }
}

export class StrategyPublishTransaction {
  readonly journey: JourneyTransaction;

  constructor(
    private readonly em: EntityManager,
    private readonly versions: StrategyVersionRepository,
  ) {
    this.journey = new JourneyTransaction(em);
  }

  async draft(): Promise<StrategyDraftRevision | null> {
    const rows = await this.em.getRepository(StrategyDraftEntity).find({ order: { revision: 'DESC' }, take: 1 });
    return rows[0] ? toDraftRevision(rows[0]) : null;
  }

  async treatments(): Promise<Treatment[]> {
    return (await this.em.getRepository(TreatmentEntity).find({ order: { key: 'ASC' } })).map(toTreatment);
  }

  async live(): Promise<number | null> {
    const [{ live }] = await this.em.query(`SELECT max(version) AS live FROM strategy_versions`);
    return live === null ? null : Number(live);
  }

  /** Null when `expectedLive` is given and another version was published (see StrategyVersionRepository.publish). */
  publish(document: Omit<PublishedStrategy, 'version' | 'publishedAt'>, publishedBy: string | null, expectedLive?: number | null): Promise<PublishedStrategy | null> {
    return this.versions.publish(document, publishedBy, { expectedLive, em: this.em });
  }
}
