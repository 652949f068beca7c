import { DynamicModule, Module, Type } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { JobsModule } from '@corridor/jobs';
import { LoggingModule } from '@corridor/observability';
import { AgentReadsModule, DatabaseLimitsModule, PersistenceModule } from '@corridor/persistence';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AttributesModule } from './attributes/attributes.module';
import { AuthModule } from './auth/auth.module';
import { HealthModule } from './health/health.module';
import { ImportsModule } from './imports/imports.module';
import { InputModule } from './input/input.module';
import { MetricsModule } from './metrics/metrics.module';
import { ConnectionsModule } from './connections/connections.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { PersonasModule } from './personas/personas.module';
import { SegmentationModule } from './segmentation/segmentation.module';
import { CustomersModule } from './customers/customers.module';
import { RulesModule } from './rules/rules.module';
import { CustomerStrategyModule } from './customer-strategy/customer-strategy.module';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { JourneyModule } from './journey/journey.module';
import { TouchpointsModule } from './touchpoints/touchpoints.module';
import { TreatmentsModule } from './treatments/treatments.module';
import { DestinationsModule } from './destinations/destinations.module';
import { StrategyModule } from './strategy/strategy.module';
import { ConfigAsCodeModule } from './config-as-code/config.module';
import { EventsModule } from './events/events.module';
import { ExperienceModule } from './experience/experience.module';
import { OutcomesModule } from './outcomes/outcomes.module';
import { MeasuresModule } from './measures/measures.module';
import { ConsoleModule } from './console/console.module';
import { QueuesBoardModule } from './queues-board/queues-board.module';
import { AuditModule } from './audit/audit.module';
import { CustomerDataModule } from './customer-data/customer-data.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';

export const API_STATEMENT_TIMEOUT_MS = 30_000;

/** What every API process needs before any feature: config, logs, database, queues, auth, probes. */
const PLATFORM_MODULES: Array<Type | DynamicModule> = [
  ConfigModule,
  LoggingModule.forApp('api'),
  PersistenceModule,
  AgentReadsModule,
  // A request never waits on one statement longer than this (503 DATABASE_UNAVAILABLE).
  DatabaseLimitsModule.of({ statementTimeoutMs: API_STATEMENT_TIMEOUT_MS }),
  JobsModule,
  AuthModule,
  // After AuthModule: counts per authenticated key.
  RateLimitModule,
  // After AuthModule: its guard (API key) runs first, then the input checks.
  InputModule,
  HealthModule,
  MetricsModule,
];

/**
 * ─── Feature modules: append yours here, one per line (and its import above). ───
 * This list is the only part of this file a feature touches. Every controller in them must
 * declare @Roles(...) or @Public() on each route, or the API refuses to boot.
 */
export const FEATURE_MODULES: Array<Type | DynamicModule> = [
  ApiKeysModule,
  AttributesModule,
  ImportsModule,
  ConnectionsModule,
  WebhooksModule,
  PersonasModule,
  SegmentationModule,
  CustomersModule,
  RulesModule,
  CustomerStrategyModule,
  DeliveriesModule,
  JourneyModule,
  TouchpointsModule,
  TreatmentsModule,
  DestinationsModule,
  StrategyModule,
  ConfigAsCodeModule,
  EventsModule,
  ExperienceModule,
  OutcomesModule,
  MeasuresModule,
  ConsoleModule,
  QueuesBoardModule,
  AuditModule,
  CustomerDataModule,
];

@Module({ imports: [...PLATFORM_MODULES, ...FEATURE_MODULES] })
export class AppModule {}
