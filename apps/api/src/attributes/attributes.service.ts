import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { REFRESH_BEHAVIOUR } from '@corridor/contracts';
import { JobProducer } from '@corridor/jobs';
import {
  attributeChangeProblems,
  behaviourDefinitionProblems,
  BehaviourKind,
  planBehaviour,
  AttributeChanges,
  attributeDefinitionProblems,
  CatalogEntry,
  NewAttribute,
  NotFoundError,
  ValidationError,
} from '@corridor/domain';
import { AttributeRepository, BehaviourStore, JourneyRepository } from '@corridor/persistence';

/** The catalog's rules (domain) applied around the repository's reads and writes. */
@Injectable()
export class AttributesService {
  private readonly logger = new Logger(AttributesService.name);

  constructor(
    private readonly attributes: AttributeRepository,
    private readonly behaviour: BehaviourStore,
    private readonly journey: JourneyRepository,
    private readonly jobs: JobProducer,
    private readonly config: AppConfig,
  ) {}

  list(): Promise<CatalogEntry[]> {
    return this.attributes.list();
  }

  async get(name: string): Promise<CatalogEntry> {
    const entry = await this.attributes.findByName(name);
    if (!entry) throw new NotFoundError('Attribute', name, 'ATTRIBUTE_NOT_FOUND');
    return entry;
  }

  async create(input: NewAttribute): Promise<CatalogEntry> {
    const problems = attributeDefinitionProblems(input);
    if (problems.length) throw new ValidationError('The attribute definition is not valid', problems);
    return this.attributes.createCustom(input);
  }

  /**
   * Defines a behavioural attribute, marks the customers who may already have a value other than
   * the default (events of its touchpoint in its window, or an experience), and asks the worker
   * to compute them (REFRESH_BEHAVIOUR); if that job is lost, the daily refresh computes them.
   */
  async createBehaviour(input: { name: string; kind: BehaviourKind; touchpoint?: string; days?: number; label?: string | null; description?: string | null }): Promise<CatalogEntry> {
    const behaviour = { kind: input.kind, touchpoint: input.touchpoint, days: input.days };
    const problems = [...attributeDefinitionProblems({ name: input.name, type: 'number' }), ...behaviourDefinitionProblems(behaviour)];
    if (!problems.length && input.touchpoint !== undefined && !(await this.journey.touchpoints()).some((t) => t.key === input.touchpoint)) {
      problems.push({ field: 'touchpoint', message: `no touchpoint has the key ${JSON.stringify(input.touchpoint)}`, code: 'TOUCHPOINT_NOT_FOUND' });
    }
    if (problems.length) throw new ValidationError('The behavioural attribute definition is not valid', problems);
    const entry = await this.attributes.createBehaviour({ name: input.name, behaviour, label: input.label, description: input.description });
    const definition = { name: entry.name, behaviour: entry.behaviour! };
    const [window] = planBehaviour([definition], Date.now(), this.config.SEGMENTATION_TIMEZONE).windows;
    const marked = await this.behaviour.markCandidates(entry.behaviour!, window && window.since !== -Infinity ? new Date(window.since) : null);
    if (marked) {
      await this.jobs.enqueue(REFRESH_BEHAVIOUR, {}).catch((e: Error) => {
        this.logger.warn({ msg: 'could not queue the behaviour backfill; the daily refresh computes it', attribute: entry.name, err: e.message });
      });
    }
    return entry;
  }

  async update(name: string, changes: AttributeChanges): Promise<CatalogEntry> {
    const problems = attributeChangeProblems(await this.get(name), changes);
    if (problems.length) throw new ValidationError('The attribute change is not valid', problems);
    return this.attributes.update(name, changes);
  }

  delete(name: string): Promise<void> {
    return this.attributes.deleteCustom(name);
  }
}
