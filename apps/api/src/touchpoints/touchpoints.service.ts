import { Injectable } from '@nestjs/common';
import {
  ConflictError,
  ErrorDetail,
  MAJOR_TOUCHPOINTS_WARNING_THRESHOLD,
  NotFoundError,
  Touchpoint,
  ValidationError,
} from '@corridor/domain';
import { JourneyRepository, JourneyTransaction, StrategyDraftRepository, TouchpointFields } from '@corridor/persistence';
import { CreateTouchpointDto, UpdateTouchpointDto } from './touchpoint.dto';

export type TouchpointAnswer = Touchpoint & { warnings: ErrorDetail[] };

/** Touchpoints of the journey: CRUD, built-in ones kept, a warning past ten major ones. */
@Injectable()
export class TouchpointsService {
  constructor(
    private readonly journey: JourneyRepository,
    private readonly drafts: StrategyDraftRepository,
  ) {}

  async list(): Promise<{ touchpoints: Touchpoint[]; majorCount: number; warnings: ErrorDetail[] }> {
    const touchpoints = await this.journey.touchpoints();
    const majorCount = touchpoints.filter((t) => t.major).length;
    return { touchpoints, majorCount, warnings: majorWarnings(majorCount) };
  }

  async get(key: string): Promise<Touchpoint> {
    const t = await this.journey.touchpoint(key);
    if (!t) throw new NotFoundError('Touchpoint', key, 'TOUCHPOINT_NOT_FOUND');
    return t;
  }

  create(dto: CreateTouchpointDto): Promise<TouchpointAnswer> {
    return this.journey.transaction(async (tx) => {
      await this.checkStage(tx, dto.stageKey);
      const fields: TouchpointFields = {
        key: dto.key,
        name: dto.name,
        stageKey: dto.stageKey,
        channel: dto.channel,
        major: dto.major ?? false,
        momentOfTruth: dto.momentOfTruth ?? false,
        owner: dto.owner ?? '',
        description: dto.description ?? '',
        eventProperties: checkEventProperties(dto.eventProperties ?? []),
      };
      const created = await tx.createTouchpoint(fields);
      if (!created) {
        throw new ConflictError(`A touchpoint with key ${JSON.stringify(dto.key)} exists`, [{ field: 'key', message: 'is already used by another touchpoint', code: 'TOUCHPOINT_KEY_TAKEN' }], 'TOUCHPOINT_KEY_TAKEN');
      }
      return { ...created, warnings: created.major ? majorWarnings(await tx.countMajor()) : [] };
    });
  }

  update(key: string, dto: UpdateTouchpointDto): Promise<TouchpointAnswer> {
    return this.journey.transaction(async (tx) => {
      const current = await tx.touchpoint(key);
      if (!current) throw new NotFoundError('Touchpoint', key, 'TOUCHPOINT_NOT_FOUND');
      if (current.builtIn && (dto.eventProperties !== undefined || dto.channel !== undefined)) {
        // Corridor raises it with these properties; a different declaration would not match its events.
        throw new ValidationError('A built-in touchpoint keeps its channel and event properties', [
          { field: dto.eventProperties !== undefined ? 'eventProperties' : 'channel', message: `cannot be changed on built-in touchpoint ${key}`, code: 'TOUCHPOINT_BUILT_IN' },
        ]);
      }
      if (dto.stageKey !== undefined) await this.checkStage(tx, dto.stageKey);
      const updated = (await tx.updateTouchpoint(key, {
        ...dto,
        eventProperties: dto.eventProperties === undefined ? undefined : checkEventProperties(dto.eventProperties),
      }))!;
      return { ...updated, warnings: updated.major ? majorWarnings(await tx.countMajor()) : [] };
    });
  }

  async remove(key: string): Promise<void> {
    await this.journey.transaction(async (tx) => {
      const current = await tx.touchpoint(key);
      if (!current) throw new NotFoundError('Touchpoint', key, 'TOUCHPOINT_NOT_FOUND');
      if (current.builtIn) {
        throw new ConflictError(`${key} is built in: Corridor raises it`, [{ field: 'key', message: 'names a built-in touchpoint, which cannot be deleted', code: 'TOUCHPOINT_BUILT_IN' }], 'TOUCHPOINT_BUILT_IN');
      }
      const draft = await this.drafts.current();
      const used = (draft?.cells ?? []).filter((c) => c.touchpointKey === key).map((c) => c.personaKey);
      if (used.length) {
        throw new ConflictError(`${key} is used by the strategy draft`, [{ field: 'key', message: `has cells for personas ${used.join(', ')}; remove them from the draft first`, code: 'TOUCHPOINT_IN_USE' }], 'TOUCHPOINT_IN_USE');
      }
      await tx.deleteTouchpoint(key);
    });
  }

  private async checkStage(tx: JourneyTransaction, stageKey: string): Promise<void> {
    const stages = await tx.stages();
    if (!stages.some((s) => s.key === stageKey)) {
      throw new ValidationError('stageKey names no stage', [{ field: 'stageKey', message: `names no stage: ${stageKey} (one of ${stages.map((s) => s.key).join(', ')})`, code: 'UNKNOWN_STAGE' }]);
    }
  }
}

function majorWarnings(majorCount: number): ErrorDetail[] {
  if (majorCount <= MAJOR_TOUCHPOINTS_WARNING_THRESHOLD) return [];
  return [
    {
      field: 'major',
      message: `${majorCount} touchpoints are major; past ${MAJOR_TOUCHPOINTS_WARNING_THRESHOLD}, teams are usually mapping their org chart rather than the customer's journey`,
      code: 'TOO_MANY_MAJOR_TOUCHPOINTS',
    },
  ];
}

export function checkEventProperties(props: Array<{ name: string; type: string; enumValues?: string[] }>): TouchpointFields['eventProperties'] {
  const seen = new Set<string>();
  const details: ErrorDetail[] = [];
  props.forEach((p, i) => {
    if (seen.has(p.name)) details.push({ field: `eventProperties[${i}].name`, message: `repeats ${p.name}`, code: 'DUPLICATE_NAME' });
    seen.add(p.name);
    if (p.type !== 'enum' && p.enumValues !== undefined) details.push({ field: `eventProperties[${i}].enumValues`, message: 'is only for type enum', code: 'NOT_ENUM' });
  });
  if (details.length) throw new ValidationError('eventProperties are not valid', details);
  return props.map((p) => (p.type === 'enum' ? { name: p.name, type: 'enum', enumValues: p.enumValues } : { name: p.name, type: p.type })) as TouchpointFields['eventProperties'];
}
