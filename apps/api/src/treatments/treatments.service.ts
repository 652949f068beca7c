import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ConflictError, ErrorDetail, NotFoundError, Treatment, TreatmentType, validateTemplate, ValidationError } from '@corridor/domain';
import { AttributeRepository, DestinationRepository, StrategyDraftRepository, TreatmentRepository } from '@corridor/persistence';
import { validationDetailsOf } from '../errors/validation-details';
import { CONFIG_CLASSES, TEMPLATE_FIELDS } from './treatment-config.dto';
import { CreateTreatmentDto, UpdateTreatmentDto } from './treatment.dto';

/** Typed treatments: config checked per type, templates checked as data, webhooks pointed at an existing destination. */
@Injectable()
export class TreatmentsService {
  constructor(
    private readonly treatments: TreatmentRepository,
    private readonly destinations: DestinationRepository,
    private readonly attributes: AttributeRepository,
    private readonly drafts: StrategyDraftRepository,
  ) {}

  list(): Promise<Treatment[]> {
    return this.treatments.list();
  }

  async get(key: string): Promise<Treatment> {
    const t = await this.treatments.get(key);
    if (!t) throw new NotFoundError('Treatment', key, 'TREATMENT_NOT_FOUND');
    return t;
  }

  async create(dto: CreateTreatmentDto): Promise<Treatment> {
    const config = await this.checkConfig(dto.type, dto.config);
    const treatment = {
      key: dto.key,
      name: dto.name,
      description: dto.description ?? '',
      type: dto.type,
      channel: dto.channel,
      config,
      responseWindowHours: dto.responseWindowHours ?? null,
      ignoredInARow: dto.ignoredInARow ?? null,
      pauseDays: dto.pauseDays ?? null,
    } as Treatment;
    if (!(await this.treatments.create(treatment))) {
      throw new ConflictError(`A treatment with key ${JSON.stringify(dto.key)} exists`, [{ field: 'key', message: 'is already used by another treatment', code: 'TREATMENT_KEY_TAKEN' }], 'TREATMENT_KEY_TAKEN');
    }
    return treatment;
  }

  async update(key: string, dto: UpdateTreatmentDto): Promise<Treatment> {
    const current = await this.get(key);
    const config = dto.config === undefined ? current.config : await this.checkConfig(current.type, dto.config);
    const next = {
      ...current,
      name: dto.name ?? current.name,
      description: dto.description ?? current.description,
      channel: dto.channel ?? current.channel,
      config,
      // Absent keeps the setting; null goes back to the default.
      responseWindowHours: dto.responseWindowHours === undefined ? (current.responseWindowHours ?? null) : dto.responseWindowHours,
      ignoredInARow: dto.ignoredInARow === undefined ? (current.ignoredInARow ?? null) : dto.ignoredInARow,
      pauseDays: dto.pauseDays === undefined ? (current.pauseDays ?? null) : dto.pauseDays,
    } as Treatment;
    if (!(await this.treatments.replace(next))) throw new NotFoundError('Treatment', key, 'TREATMENT_NOT_FOUND');
    return next;
  }

  async remove(key: string): Promise<void> {
    await this.get(key);
    const draft = await this.drafts.current();
    const cells = (draft?.cells ?? []).filter((c) => c.options.some((o) => o.treatmentKey === key)).map((c) => `${c.personaKey} × ${c.touchpointKey}`);
    const caps = (draft?.policies.caps ?? []).some((c) => c.scope === 'treatment' && c.key === key);
    if (cells.length || caps) {
      throw new ConflictError(`${key} is used by the strategy draft`, [
        { field: 'key', message: cells.length ? `is an option in cells ${cells.join(', ')}` : 'has a frequency cap in the draft policies', code: 'TREATMENT_IN_USE' },
      ], 'TREATMENT_IN_USE');
    }
    await this.treatments.delete(key);
  }

  /** The config as the type's class accepts it (unknown fields refused), with its templates checked. */
  private async checkConfig(type: TreatmentType, raw: Record<string, unknown>): Promise<Record<string, unknown>> {
    const instance = plainToInstance(CONFIG_CLASSES[type] as new () => object, raw);
    const details: ErrorDetail[] = validationDetailsOf(validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false })).map((d) => ({
      ...d,
      field: `config.${d.field}`,
    }));
    const templateFields = TEMPLATE_FIELDS[type].filter((f) => Object.hasOwn(raw, f) && raw[f] !== undefined);
    if (templateFields.length) {
      const catalog = await this.attributes.loadCatalog();
      const customerAttributes = new Set(catalog.keys());
      for (const f of templateFields) {
        if (f === 'payloadTemplate' && raw[f] === null) continue;
        details.push(...validateTemplate(raw[f], `config.${f}`, { customerAttributes }));
      }
    }
    if (type === 'webhook' && typeof raw.destinationId === 'string' && !details.some((d) => d.field === 'config.destinationId')) {
      if (!(await this.destinations.get(raw.destinationId))) {
        details.push({ field: 'config.destinationId', message: `names no destination: ${raw.destinationId}`, code: 'DESTINATION_NOT_FOUND' });
      }
    }
    if (details.length) throw new ValidationError(`config is not a valid ${type} treatment`, details);
    // The client's own object (validated above): templates keep every key as sent.
    return raw;
  }
}
