import { ApiKeyEntity } from './entities/api-key.entity';
import { AssignmentEntity } from './entities/assignment.entity';
import { AttributeEntity } from './entities/attribute.entity';
import { ConnectionEntity } from './entities/connection.entity';
import { CustomerAliasEntity } from './entities/customer-alias.entity';
import { CustomerEntity } from './entities/customer.entity';
import { PersonaHistoryEntity } from './entities/persona-history.entity';
import { PersonaRunChangeEntity } from './entities/persona-run-change.entity';
import { PersonaOrderEntity } from './entities/persona-order.entity';
import { PersonaSetEntity } from './entities/persona-set.entity';
import { PersonaVersionEntity } from './entities/persona-version.entity';
import { PersonaEntity } from './entities/persona.entity';
import { SegmentationChunkEntity } from './entities/segmentation-chunk.entity';
import { SegmentationRunEntity } from './entities/segmentation-run.entity';
import { SegmentationRunOverrideEntity } from './entities/segmentation-run-override.entity';
import { SyncCursorEntity } from './entities/sync-cursor.entity';
import { SyncRunEntity } from './entities/sync-run.entity';
import { SyncRunSeenEntity } from './entities/sync-run-seen.entity';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WritebackCursorEntity } from './entities/writeback-cursor.entity';
import { WritebackPublishedEntity } from './entities/writeback-published.entity';
import { JourneyStageEntity } from './entities/journey-stage.entity';
import { TouchpointEntity } from './entities/touchpoint.entity';
import { TreatmentEntity } from './entities/treatment.entity';
import { DestinationEntity } from './entities/destination.entity';
import { StrategyVersionEntity } from './entities/strategy-version.entity';
import { TouchpointEventEntity } from './entities/touchpoint-event.entity';
import { TouchpointEventKeyEntity } from './entities/touchpoint-event-key.entity';
import { OutboxEntity } from './entities/outbox.entity';
import { DecisionEntity } from './entities/decision.entity';
import { DeliveryEntity } from './entities/delivery.entity';
import { StrategyDraftEntity } from './entities/strategy-draft.entity';
import { FeedCursorEntity } from './entities/feed-cursor.entity';
import { EventSourceEntity } from './entities/event-source.entity';
import { OutcomeEntity } from './entities/outcome.entity';
import { CustomerExperienceEntity } from './entities/customer-experience.entity';
import { CustomerBehaviourEntity } from './entities/customer-behaviour.entity';
import { ExperienceSettingsEntity } from './entities/experience-settings.entity';
import { TreatmentFatigueEntity } from './entities/treatment-fatigue.entity';
import { MeasureDeltaEntity } from './entities/measure-delta.entity';
import { MeasureCellEntity } from './entities/measure-cell.entity';
import { MeasureCellReasonEntity } from './entities/measure-cell-reason.entity';
import { MeasureConversionEntity } from './entities/measure-conversion.entity';
import { MeasureTargetEntity } from './entities/measure-target.entity';
import { AuditLogEntity } from './entities/audit-log.entity';

/** Listed, not globbed: globs break under bundlers and hide a forgotten entity. */
export const ENTITIES = [
  ApiKeyEntity,
  AttributeEntity,
  ConnectionEntity,
  CustomerEntity,
  CustomerAliasEntity,
  PersonaEntity,
  PersonaVersionEntity,
  PersonaOrderEntity,
  PersonaSetEntity,
  SegmentationRunEntity,
  SegmentationChunkEntity,
  SegmentationRunOverrideEntity,
  AssignmentEntity,
  PersonaHistoryEntity,
  PersonaRunChangeEntity,
  SyncRunEntity,
  SyncCursorEntity,
  SyncRunSeenEntity,
  WebhookEventEntity,
  WritebackCursorEntity,
  WritebackPublishedEntity,
  JourneyStageEntity,
  TouchpointEntity,
  TreatmentEntity,
  DestinationEntity,
  StrategyVersionEntity,
  TouchpointEventEntity,
  TouchpointEventKeyEntity,
  OutboxEntity,
  DecisionEntity,
  DeliveryEntity,
  StrategyDraftEntity,
  FeedCursorEntity,
  EventSourceEntity,
  OutcomeEntity,
  CustomerExperienceEntity,
  CustomerBehaviourEntity,
  ExperienceSettingsEntity,
  TreatmentFatigueEntity,
  MeasureDeltaEntity,
  MeasureCellEntity,
  MeasureCellReasonEntity,
  MeasureConversionEntity,
  MeasureTargetEntity,
  AuditLogEntity,
];
