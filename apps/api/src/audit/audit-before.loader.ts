import { Injectable } from '@nestjs/common';
import {
  ApiKeyRepository,
  AttributeRepository,
  ConnectionRepository,
  DestinationRepository,
  EventSourceStore,
  ExperienceStore,
  JourneyRepository,
  MeasureTargetStore,
  PersonaRepository,
  StrategyDraftRepository,
  StrategyVersionRepository,
  TreatmentRepository,
} from '@corridor/persistence';

/**
 * The state of a resource before an admin changes it, for the audit log's `before`: read through
 * the same repositories the feature uses, in the same request, just before the handler runs.
 * Secrets come out redacted afterwards (redactSecrets); connections are read as summaries, which
 * carry no credentials at all. Undefined where there is nothing to read (a create) or no loader.
 */
@Injectable()
export class AuditBeforeLoader {
  constructor(
    private readonly personas: PersonaRepository,
    private readonly journey: JourneyRepository,
    private readonly treatments: TreatmentRepository,
    private readonly destinations: DestinationRepository,
    private readonly connections: ConnectionRepository,
    private readonly drafts: StrategyDraftRepository,
    private readonly versions: StrategyVersionRepository,
    private readonly experience: ExperienceStore,
    private readonly attributes: AttributeRepository,
    private readonly eventSources: EventSourceStore,
    private readonly targets: MeasureTargetStore,
    private readonly keys: ApiKeyRepository,
  ) {}

  async load(action: string, targetType: string, targetId: string | null): Promise<unknown> {
    try {
      return await this.read(action, targetType, targetId);
    } catch {
      // Not found or malformed: the handler answers for it (and a failed change is not logged).
      return undefined;
    }
  }

  private async read(action: string, targetType: string, id: string | null): Promise<unknown> {
    switch (action) {
      case 'persona.order.update':
        return { order: (await this.personas.list()).map((p) => p.key) };
      case 'strategy.draft.update':
        return this.drafts.current();
      case 'strategy.publish': {
        const [latest] = await this.versions.list(1);
        return latest ? this.versions.get(latest.version) : null;
      }
      case 'experience.settings.update':
        return this.experience.settings();
      case 'journey_stage.order.update':
        return { order: (await this.journey.stages()).map((s) => s.key) };
    }
    if (id === null) return undefined;
    switch (targetType) {
      case 'persona':
        return this.personas.find(id);
      case 'touchpoint':
        return this.journey.touchpoint(id);
      case 'journey_stage':
        return (await this.journey.stages()).find((s) => s.key === id) ?? null;
      case 'treatment':
        return this.treatments.get(id);
      case 'destination':
        return this.destinations.get(id);
      case 'connection':
        return this.connections.summary(id);
      case 'attribute':
        return this.attributes.findByName(id);
      case 'event_source':
        return this.eventSources.get(id);
      case 'measure_target': {
        const [personaKey, touchpointKey] = id.split('/');
        return this.targets.get(personaKey, touchpointKey);
      }
      case 'api_key':
        return this.keys.findById(id);
      default:
        return undefined;
    }
  }
}
