import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ContactPolicies, PersonaSet, PersonaSetDraft, PublishedStrategy, StrategyCell, Treatment } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { TreatmentEntity } from '../entities/treatment.entity';
import { JourneyTransaction } from './journey.repository';
import { PersonaTransaction } from './persona.repository';
import { RunPlan, SegmentationStore } from './segmentation.store';
import { StrategyDraftRevision, toDraftRevision } from './strategy-draft.repository';
import { StrategyDraftEntity } from '../entities/strategy-draft.entity';
import { StrategyVersionRepository } from './strategy-version.repository';
import { toTreatment } from './treatment.repository';

/**
 * The live version of each kind of configuration, as one token per kind: it moves whenever
 * anything an export shows (or a publish freezes) changes, so an apply can refuse a document
 * diffed against an older state.
 */
export interface ConfigVersions {
  personas: string;
  journey: string;
  strategy: string;
}

/**
 * Configuration as code applies personas, the journey and the strategy in ONE transaction: this
 * store opens it, takes every lock the separate editors take (same order every time, so it
 * cannot deadlock with them), and hands out their transactions on the same connection.
 */
@Injectable()
export class ConfigApplyStore {
  constructor(
    private readonly db: DataSource,
    private readonly segmentation: SegmentationStore,
    private readonly versions: StrategyVersionRepository,
  ) {}

  /** A consistent read of everything an export shows, with the versions it was read at. */
  read<T>(fn: (tx: ConfigTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction('REPEATABLE READ', (em) => fn(new ConfigTransaction(em, this.segmentation, this.versions)));
  }

  transaction<T>(fn: (tx: ConfigTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.personas'))`);
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.journey'))`);
      await em.query(`LOCK TABLE strategy_drafts IN EXCLUSIVE MODE`);
      await em.query(`LOCK TABLE strategy_versions IN EXCLUSIVE MODE`);
      return fn(new ConfigTransaction(em, this.segmentation, this.versions));
    });
  }
}

export class ConfigTransaction {
  readonly personas: PersonaTransaction;
  readonly journey: JourneyTransaction;

  constructor(
    private readonly em: EntityManager,
    private readonly segmentation: SegmentationStore,
    private readonly strategyVersions: StrategyVersionRepository,
  ) {
    this.personas = new PersonaTransaction(em);
    this.journey = new JourneyTransaction(em);
  }

  async versions(): Promise<ConfigVersions> {
    // One after another: the transaction's one connection runs one query at a time (pg 9 refuses a second).
    const [sets] = await this.em.query(`SELECT coalesce(max(version) FILTER (WHERE status = 'live'), 0) AS live, coalesce(max(version), 0) AS latest FROM persona_sets`);
    const personas = await this.em.query(`SELECT key, version, priority FROM personas WHERE archived_at IS NULL ORDER BY key`);
    const [order] = await this.em.query(`SELECT coalesce(max(version), 0) AS v FROM persona_orders`);
    const stages = await this.em.query(`SELECT key, name, position FROM journey_stages ORDER BY key`);
    const touchpoints = await this.em.query(`SELECT * FROM touchpoints ORDER BY key`);
    const [strategy] = await this.em.query(
      `SELECT (SELECT coalesce(max(version), 0) FROM strategy_versions) AS live, (SELECT coalesce(max(revision), 0) FROM strategy_drafts) AS revision`,
    );
    // Persona versions count every edit of a persona, and the order has versions of its own.
    return {
      personas: `set${sets.live}.${sets.latest}-${hash([personas, order.v])}`,
      journey: hash([stages, touchpoints.map((t: Record<string, unknown>) => ({ ...t, updated_at: undefined, created_at: undefined }))]),
      strategy: `v${strategy.live}.r${strategy.revision}`,
    };
  }

  async livePersonaSet(): Promise<number> {
    const [row] = await this.em.query(`SELECT version FROM persona_sets WHERE status = 'live'`);
    return row ? Number(row.version) : 0;
  }

  /** The persona-version ids the draft consists of (what a publish freezes), as this transaction sees it. */
  async personaDraftWithVersionIds() {
    const personas = await this.personas.list();
    const rows: Array<{ persona_id: string; id: string }> = await this.em.query(
      `SELECT v.persona_id, v.id FROM persona_versions v JOIN personas p ON p.id = v.persona_id AND p.version = v.version WHERE p.archived_at IS NULL`,
    );
    const byPersona = new Map(rows.map((r) => [r.persona_id, r.id]));
    return personas.map((p) => ({ ...p, versionId: byPersona.get(p.id)! }));
  }

  publishPersonaSet(draft: PersonaSetDraft, options: { timeZone: string; publishedBy: string | null; chunkSize: number; now: Date }): Promise<{ set: PersonaSet; plan: RunPlan } | null> {
    return this.segmentation.publish(draft, { ...options, em: this.em });
  }

  async strategyDraft(): Promise<StrategyDraftRevision | null> {
    const rows = await this.em.getRepository(StrategyDraftEntity).find({ order: { revision: 'DESC' }, take: 1 });
    return rows[0] ? toDraftRevision(rows[0]) : null;
  }

  async liveStrategy(): Promise<PublishedStrategy | null> {
    const [row] = await this.em.query(`SELECT document, version FROM strategy_versions ORDER BY version DESC LIMIT 1`);
    return row ? { ...(row.document as PublishedStrategy), version: Number(row.version) } : null;
  }

  async treatments(): Promise<Treatment[]> {
    return (await this.em.getRepository(TreatmentEntity).find({ order: { key: 'ASC' } })).map(toTreatment);
  }

  /** Saves the next draft revision (the strategy_drafts lock is held by this transaction). */
  async saveStrategyDraft(draft: { cells: StrategyCell[]; policies: ContactPolicies }, savedBy: string | null): Promise<number> {
    const [{ current }] = await this.em.query(`SELECT coalesce(max(revision), 0) AS current FROM strategy_drafts`);
    const revision = Number(current) + 1;
    await this.em.query(`INSERT INTO strategy_drafts (revision, cells, policies, saved_by) VALUES ($1, $2, $3, $4)`, [
      revision,
      JSON.stringify(draft.cells),
      JSON.stringify(draft.policies),
      savedBy,
    ]);
    return revision;
  }

  publishStrategy(document: Omit<PublishedStrategy, 'version' | 'publishedAt'>, publishedBy: string | null): Promise<PublishedStrategy | null> {
    return this.strategyVersions.publish(document, publishedBy, { em: this.em });
  }
}

function hash(v: unknown): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}
