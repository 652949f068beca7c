import { Foundation1795458755669 } from './1795458755669-Foundation';
import { CrmSync1795459570371 } from './1795459570371-CrmSync';
import { ChunkTrouble1796000000000 } from './1796000000000-ChunkTrouble';
import { PersonaOrders1796300000000 } from './1796300000000-PersonaOrders';
import { SyncRunSeen1796600000000 } from './1796600000000-SyncRunSeen';
import { WritebackStatus1796700000000 } from './1796700000000-WritebackStatus';
import { FeedHorizon1796750000000 } from './1796750000000-FeedHorizon';
import { Treatments1796800000000 } from './1796800000000-Treatments';
import { StrategyDrafts1796810000000 } from './1796810000000-StrategyDrafts';
import { EventsIn1796820000000 } from './1796820000000-EventsIn';
import { DeliveryReplays1796840000000 } from './1796840000000-DeliveryReplays';
import { WritebackPublished1796850000000 } from './1796850000000-WritebackPublished';
import { Outcomes1797000000000 } from './1797000000000-Outcomes';
import { OutcomesIn1797010000000 } from './1797010000000-OutcomesIn';
import { Measures1797020000000 } from './1797020000000-Measures';
import { ExperienceSettings1797030000000 } from './1797030000000-ExperienceSettings';
import { BehaviourInRules1797040000000 } from './1797040000000-BehaviourInRules';
import { CustomerNameSearch1797060000000 } from './1797060000000-CustomerNameSearch';
import { AuditAndErasure1797110000000 } from './1797110000000-AuditAndErasure';
import { ApiKeyExpiry1797120000000 } from './1797120000000-ApiKeyExpiry';
import { WorkerHeartbeats1797130000000 } from './1797130000000-WorkerHeartbeats';
import { HotQueryIndexes1797140000000 } from './1797140000000-HotQueryIndexes';
import { PartitionEvents1797200000000 } from './1797200000000-PartitionEvents';
import { OutboxNotifyUnrelayed1797300000000 } from './1797300000000-OutboxNotifyUnrelayed';
import { OutboxTraceContext1797550000000 } from './1797550000000-OutboxTraceContext';
import { PersonaHistoryCustomerKey1797660000000 } from './1797660000000-PersonaHistoryCustomerKey';
import { DeliveryNotice1797720000000 } from './1797720000000-DeliveryNotice';
import { FeedbackSeenInCommitOrder1797740000000 } from './1797740000000-FeedbackSeenInCommitOrder';
import { EventsSeenInCommitOrder1797741000000 } from './1797741000000-EventsSeenInCommitOrder';
import { AssignmentsSeenInCommitOrder1797742000000 } from './1797742000000-AssignmentsSeenInCommitOrder';
import { FullRunSnapshots1797743000000 } from './1797743000000-FullRunSnapshots';
import { OutboxJobId1797750000000 } from './1797750000000-OutboxJobId';
import { PersonaRunChanges1797760000000 } from './1797760000000-PersonaRunChanges';

/** Every migration, in order. Listed, not globbed (see data-source-options.ts). */
export const MIGRATIONS: Function[] = [
  Foundation1795458755669,
  CrmSync1795459570371,
  ChunkTrouble1796000000000,
  PersonaOrders1796300000000,
  SyncRunSeen1796600000000,
  WritebackStatus1796700000000,
  FeedHorizon1796750000000,
  Treatments1796800000000,
  StrategyDrafts1796810000000,
  EventsIn1796820000000,
  DeliveryReplays1796840000000,
  WritebackPublished1796850000000,
  Outcomes1797000000000,
  OutcomesIn1797010000000,
  Measures1797020000000,
  ExperienceSettings1797030000000,
  BehaviourInRules1797040000000,
  CustomerNameSearch1797060000000,
  AuditAndErasure1797110000000,
  ApiKeyExpiry1797120000000,
  WorkerHeartbeats1797130000000,
  HotQueryIndexes1797140000000,
  PartitionEvents1797200000000,
  OutboxNotifyUnrelayed1797300000000,
  OutboxTraceContext1797550000000,
  PersonaHistoryCustomerKey1797660000000,
  DeliveryNotice1797720000000,
  FeedbackSeenInCommitOrder1797740000000,
  EventsSeenInCommitOrder1797741000000,
  AssignmentsSeenInCommitOrder1797742000000,
  FullRunSnapshots1797743000000,
  OutboxJobId1797750000000,
  PersonaRunChanges1797760000000,
];
