import { ApiKeyRepository } from './api-key.repository';
import { AttributeRepository } from './attribute.repository';
import { CustomerRepository } from './customer.repository';
import { PersonaSetRepository } from './persona-set.repository';
import { PersonaRepository } from './persona.repository';
import { SegmentationStore } from './segmentation.store';
import { SegmentationWatchStore } from './segmentation-watch.store';
import { ConnectionRepository } from './connection.repository';
import { CrmAttributeRepository } from './crm-attribute.repository';
import { CrmSyncStore } from './crm-sync.store';
import { SyncRunWatchStore } from './sync-run-watch.store';
import { WritebackStore } from './writeback.store';
import { WritebackPublishedStore } from './writeback-published.store';
import { StrategyVersionRepository } from './strategy-version.repository';
import { DecisionStore } from './decision.store';
import { DispatchStore } from './dispatch.store';
import { OutcomeStore } from './outcome.store';
import { TreatmentFatigueStore } from './treatment-fatigue.store';
import { JourneyRepository } from './journey.repository';
import { TreatmentRepository } from './treatment.repository';
import { DestinationRepository } from './destination.repository';
import { StrategyDraftRepository } from './strategy-draft.repository';
import { StrategyPreviewStore } from './strategy-preview.store';
import { StrategyPublishStore } from './strategy-publish.store';
import { CompiledSetCache } from './compiled-set.cache';
import { SecretBox } from '../secrets/secret-box';
import { SealedSecretsStore } from '../secrets/sealed-secrets.store';
import { TouchpointEventStore } from './touchpoint-event.store';
import { OutboxStore } from './outbox.store';
import { BehaviourStore } from './behaviour.store';
import { PersonaFeedStore } from './persona-feed.store';
import { EventSourceStore } from './event-source.store';
import { ExperienceStore } from './experience.store';
import { TimelineStore } from './timeline.store';
import { MeasureStore } from './measure.store';
import { MeasureTargetStore } from './measure-target.store';
import { AuditStore } from './audit.store';
import { CustomerDataStore } from './customer-data.store';
import { WorkerHeartbeatStore } from './worker-heartbeat.store';
import { ConfigApplyStore } from './config-apply.store';
import { PartitionStore } from './partition.store';

export { ApiKeyRepository } from './api-key.repository';
export type { IssuedApiKey, VerifiedApiKey } from './api-key.repository';
export { AttributeRepository } from './attribute.repository';
export { CustomerRepository, contentHashOf, FULL_NAME_SQL, LAST_NAME_SQL, NAME_SEARCH_CANDIDATES, type AttributeMerge, type CustomerBatchWriter } from './customer.repository';
export { PersonaRepository, PersonaTransaction } from './persona.repository';
export type { PersonaFields } from './persona.repository';
export { PersonaSetRepository } from './persona-set.repository';
export { CompiledSetCache } from './compiled-set.cache';
export * from './segmentation.store';
export { PERSONA_CHANGES } from './persona-changes';
export * from './segmentation-watch.store';
export * from './connection.repository';
export * from './crm-attribute.repository';
export * from './crm-sync.store';
export * from './sync-run-watch.store';
export * from './writeback.store';
export * from './writeback-published.store';
export * from './strategy-version.repository';
export * from './event-arrival';
export * from './decision.store';
export * from './dispatch.store';
export * from './journey.repository';
export { TreatmentRepository } from './treatment.repository';
export * from './destination.repository';
export { StrategyDraftRepository, type StrategyDraftRevision } from './strategy-draft.repository';
export * from './strategy-preview.store';
export { StrategyPublishStore, StrategyPublishTransaction } from './strategy-publish.store';
export * from './touchpoint-event.store';
export * from './outbox.store';
export * from './persona-feed.store';
export * from './event-source.store';
export * from './behaviour.store';
export { EVALUATED_ATTRIBUTES, BEHAVIOUR_JOIN } from './evaluated-attributes';
export * from './experience.store';
export * from './timeline.store';
export * from './outcome.store';
export * from './treatment-fatigue.store';
export * from './measure.store';
export * from './measure-target.store';
export * from './audit.store';
export * from './customer-data.store';
export * from './worker-heartbeat.store';
export * from './config-apply.store';
export { currentTraceparent } from './trace-context';
export * from './partition.store';
export { SecretBox } from '../secrets/secret-box';
export { SealedSecretsStore } from '../secrets/sealed-secrets.store';
export type { ReencryptCount } from '../secrets/sealed-secrets.store';

/** Every repository, provided by PersistenceModule. Add yours here and export it above. */
export const REPOSITORIES = [ApiKeyRepository, AttributeRepository, CustomerRepository, PersonaRepository, PersonaSetRepository, CompiledSetCache, SegmentationStore, SegmentationWatchStore,
  // CRM sync (SecretBox rides along: ConnectionRepository seals credentials with it).
  ConnectionRepository, CrmAttributeRepository, CrmSyncStore, SyncRunWatchStore, WritebackStore, WritebackPublishedStore, SecretBox, SealedSecretsStore,
  // Touchpoints and treatments.
  StrategyVersionRepository, JourneyRepository, TreatmentRepository, DestinationRepository, StrategyDraftRepository, StrategyPreviewStore, StrategyPublishStore,
  DecisionStore, DispatchStore,
  // Events in: ingest with its outbox, the relay's queries, the persona-change feed, CDP sources.
  TouchpointEventStore, OutboxStore, PersonaFeedStore, EventSourceStore,
  // Behaviour in rules.
  BehaviourStore,
  // One customer's experience (score, settings) and journey timeline.
  ExperienceStore, TimelineStore,
  // Outcomes in, and the pauses after ignored deliveries.
  OutcomeStore, TreatmentFatigueStore,
  // Measures: per-cell counters and targets.
  MeasureStore, MeasureTargetStore,
  // The audit log, and customer data requests (export, erasure).
  AuditStore, CustomerDataStore,
  // Worker processes' heartbeats (readiness).
  WorkerHeartbeatStore,
  // Configuration as code: one transaction for personas, journey and strategy.
  ConfigApplyStore,
  // The event tables' monthly partitions and their retention.
  PartitionStore];
export * from './copy-text';
