import { Injectable } from '@nestjs/common';
import { ConflictError, JourneyStage, NotFoundError, ValidationError } from '@corridor/domain';
import { JourneyRepository } from '@corridor/persistence';

/** The journey's stages: list, add, rename, reorder (stages are never removed: touchpoints and published strategies name them). */
@Injectable()
export class JourneyService {
  constructor(private readonly journey: JourneyRepository) {}

  stages(): Promise<JourneyStage[]> {
    return this.journey.stages();
  }

  create(input: { key: string; name: string; position?: number }): Promise<JourneyStage> {
    return this.journey.transaction(async (tx) => {
      const stages = await tx.stages();
      const position = input.position ?? stages.length + 1;
      if (position > stages.length + 1) {
        throw new ValidationError('position is past the end of the journey', [{ field: 'position', message: `must be between 1 and ${stages.length + 1}`, code: 'POSITION_OUT_OF_RANGE' }]);
      }
      if (!(await tx.createStage({ key: input.key, name: input.name, position }))) {
        throw new ConflictError(`A stage with key ${JSON.stringify(input.key)} exists`, [{ field: 'key', message: 'is already used by another stage', code: 'STAGE_KEY_TAKEN' }], 'STAGE_KEY_TAKEN');
      }
      return { key: input.key, name: input.name, position };
    });
  }

  async rename(key: string, name: string): Promise<JourneyStage> {
    return this.journey.transaction(async (tx) => {
      if (!(await tx.renameStage(key, name))) throw new NotFoundError('Stage', key, 'STAGE_NOT_FOUND');
      return (await tx.stages()).find((s) => s.key === key)!;
    });
  }

  reorder(keys: string[]): Promise<JourneyStage[]> {
    return this.journey.transaction(async (tx) => {
      const known = new Set((await tx.stages()).map((s) => s.key));
      const given = new Set(keys);
      const details = [
        ...[...known].filter((k) => !given.has(k)).map((k) => ({ field: 'keys', message: `is missing ${k}`, code: 'ORDER_INCOMPLETE' })),
        ...keys.filter((k) => !known.has(k)).map((k) => ({ field: 'keys', message: `names no stage: ${k}`, code: 'UNKNOWN_STAGE' })),
        ...(given.size !== keys.length ? [{ field: 'keys', message: 'lists a stage twice', code: 'DUPLICATE_KEY' }] : []),
      ];
      if (details.length) throw new ValidationError('keys must list every stage exactly once', details);
      await tx.setStageOrder(keys);
      return tx.stages();
    });
  }
}
