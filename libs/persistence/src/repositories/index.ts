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
import { WritebackStore } from './writeback.store';
import { WritebackPublishedStore } from './writeback-published.store';
import { StrategyVersionRepository } from './strategy-version.repository';
import { CompiledSetCache } from './compiled-set.cache';
import { SecretBox } from '../secrets/secret-box';

export { ApiKeyRepository } from './api-key.repository';
export type { IssuedApiKey } from './api-key.repository';
export { AttributeRepository } from './attribute.repository';
export { CustomerRepository, contentHashOf, type AttributeMerge, type CustomerBatchWriter } from './customer.repository';
export { PersonaRepository, PersonaTransaction } from './persona.repository';
export type { PersonaFields } from './persona.repository';
export { PersonaSetRepository } from './persona-set.repository';
export { CompiledSetCache } from './compiled-set.cache';
export * from './segmentation.store';
export * from './segmentation-watch.store';
export * from './connection.repository';
export * from './crm-attribute.repository';
export * from './crm-sync.store';
export * from './writeback.store';
export * from './writeback-published.store';
export * from './strategy-version.repository';
export { SecretBox } from '../secrets/secret-box';

/** Every repository, provided by PersistenceModule. Add yours here and export it above. */
export const REPOSITORIES = [ApiKeyRepository, AttributeRepository, CustomerRepository, PersonaRepository, PersonaSetRepository, CompiledSetCache, SegmentationStore, SegmentationWatchStore,
  // CRM sync (SecretBox rides along: ConnectionRepository seals credentials with it).
  ConnectionRepository, CrmAttributeRepository, CrmSyncStore, WritebackStore, WritebackPublishedStore, SecretBox,
  // Touchpoints and treatments.
  StrategyVersionRepository];
export * from './copy-text';
