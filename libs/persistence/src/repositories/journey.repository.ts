import { Injectable } from '@nestjs/common';
import { AttributeDefinition, Channel, JourneyStage, Touchpoint } from '@corridor/domain';
import { DataSource, EntityManager } from 'typeorm';
import { JourneyStageEntity } from '../entities/journey-stage.entity';
import { TouchpointEntity } from '../entities/touchpoint.entity';

export type TouchpointFields = Omit<Touchpoint, 'builtIn' | 'position'>;

/**
 * The journey as admins edit it: stages in order and the touchpoints in them. Writes go through
 * `transaction`, which serialises editors (advisory lock) so positions stay a strict order.
 */
@Injectable()
export class JourneyRepository {
  constructor(private readonly db: DataSource) {}

  transaction<T>(fn: (tx: JourneyTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (em) => {
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('corridor.journey'))`);
      return fn(new JourneyTransaction(em));
    });
  }

  stages(): Promise<JourneyStage[]> {
    return new JourneyTransaction(this.db.manager).stages();
  }

  touchpoints(): Promise<Touchpoint[]> {
    return new JourneyTransaction(this.db.manager).touchpoints();
  }

  touchpoint(key: string): Promise<Touchpoint | null> {
    return new JourneyTransaction(this.db.manager).touchpoint(key);
  }
}

export class JourneyTransaction {
  constructor(private readonly em: EntityManager) {}

  async stages(): Promise<JourneyStage[]> {
    const rows = await this.em.getRepository(JourneyStageEntity).find({ order: { position: 'ASC' } });
    return rows.map((r) => ({ key: r.key, name: r.name, position: r.position }));
  }

  /** Inserts a stage at `position` (others move down); false when the key is taken. */
  async createStage(stage: JourneyStage): Promise<boolean> {
    const taken = await this.em.getRepository(JourneyStageEntity).existsBy({ key: stage.key });
    if (taken) return false;
    await this.em.query(`UPDATE journey_stages SET position = position + 1 WHERE position >= $1`, [stage.position]);
    await this.em.getRepository(JourneyStageEntity).insert(stage);
    return true;
  }

  async renameStage(key: string, name: string): Promise<boolean> {
    const res = await this.em.getRepository(JourneyStageEntity).update({ key }, { name });
    return (res.affected ?? 0) > 0;
  }

  /** Sets positions 1..n in the order given (the caller checks that keys are every stage once). */
  async setStageOrder(keys: readonly string[]): Promise<void> {
    await this.em.query(
      `UPDATE journey_stages s SET position = o.position FROM unnest($1::text[]) WITH ORDINALITY AS o(key, position) WHERE s.key = o.key`,
      [keys],
    );
  }

  /** Touchpoints in journey order: by stage position, then position within the stage. */
  async touchpoints(): Promise<Touchpoint[]> {
    const rows: TouchpointEntity[] = await this.em
      .getRepository(TouchpointEntity)
      .createQueryBuilder('t')
      .leftJoin(JourneyStageEntity, 's', 's.key = t.stage_key')
      .orderBy('s.position', 'ASC', 'NULLS LAST')
      .addOrderBy('t.position', 'ASC')
      .addOrderBy('t.key', 'ASC')
      .getMany();
    return rows.map(toTouchpoint);
  }

  async touchpoint(key: string): Promise<Touchpoint | null> {
    const row = await this.em.getRepository(TouchpointEntity).findOneBy({ key });
    return row ? toTouchpoint(row) : null;
  }

  /** Appends a touchpoint to its stage; false when the key is taken. */
  async createTouchpoint(t: TouchpointFields): Promise<Touchpoint | null> {
    if (await this.em.getRepository(TouchpointEntity).existsBy({ key: t.key })) return null;
    const position = await this.nextPosition(t.stageKey);
    await this.em.getRepository(TouchpointEntity).insert({ ...t, eventProperties: t.eventProperties as TouchpointEntity['eventProperties'], builtIn: false, position } as never);
    return this.touchpoint(t.key);
  }

  /** Changes fields; moving to another stage appends it there. */
  async updateTouchpoint(key: string, changes: Partial<Omit<TouchpointFields, 'key'>>): Promise<Touchpoint | null> {
    const current = await this.touchpoint(key);
    if (!current) return null;
    const patch: Partial<TouchpointEntity> = { updatedAt: new Date() };
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) (patch as Record<string, unknown>)[k] = v;
    if (changes.stageKey !== undefined && changes.stageKey !== current.stageKey) patch.position = await this.nextPosition(changes.stageKey);
    await this.em.getRepository(TouchpointEntity).update({ key }, patch as never);
    return this.touchpoint(key);
  }

  async deleteTouchpoint(key: string): Promise<void> {
    await this.em.getRepository(TouchpointEntity).delete({ key, builtIn: false });
  }

  async countMajor(): Promise<number> {
    return this.em.getRepository(TouchpointEntity).countBy({ major: true });
  }

  private async nextPosition(stageKey: string): Promise<number> {
    const [{ max }] = await this.em.query(`SELECT coalesce(max(position), 0) AS max FROM touchpoints WHERE stage_key = $1`, [stageKey]);
    return Number(max) + 1;
  }
}

function toTouchpoint(r: TouchpointEntity): Touchpoint {
  return {
    key: r.key,
    name: r.name,
    stageKey: r.stageKey,
    channel: r.channel as Channel,
    major: r.major,
    momentOfTruth: r.momentOfTruth,
    owner: r.owner,
    description: r.description,
    builtIn: r.builtIn,
    position: r.position,
    eventProperties: r.eventProperties as AttributeDefinition[],
  };
}
