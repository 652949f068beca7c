import { Global, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '@corridor/config';
import { dataSourceOptions } from './data-source-options';
import { DATABASE_LIMITS, DatabaseLimits } from './persistence.module';
import {
  AttributeRepository,
  CustomerRepository,
  DecisionStore,
  ExperienceStore,
  PersonaRepository,
  PersonaSetRepository,
  SegmentationStore,
  StrategyVersionRepository,
  TimelineStore,
} from './repositories';

/**
 * The stores behind the agent's read routes (customer search and view, strategy view, timeline,
 * persona lists), on the read replica when DATABASE_READ_URL is set and on the primary otherwise.
 * Only reads go through these: a replica refuses writes, and lags the primary by its replay delay,
 * so whatever must see its own writes (admin edits, ingest, the worker) uses the primary's stores.
 */
@Injectable()
export class AgentReads implements OnApplicationShutdown {
  readonly customers: CustomerRepository;
  readonly segmentation: SegmentationStore;
  readonly decisions: DecisionStore;
  readonly experience: ExperienceStore;
  readonly timeline: TimelineStore;
  readonly strategies: StrategyVersionRepository;
  readonly attributes: AttributeRepository;
  readonly personas: PersonaRepository;
  readonly personaSets: PersonaSetRepository;

  /** `replica` is true when `db` is a data source of its own (closed with the app). */
  constructor(
    readonly db: DataSource,
    readonly replica: boolean,
  ) {
    this.customers = new CustomerRepository(db);
    this.segmentation = new SegmentationStore(db);
    this.decisions = new DecisionStore(db);
    this.experience = new ExperienceStore(db);
    this.timeline = new TimelineStore(db);
    this.strategies = new StrategyVersionRepository(db);
    this.attributes = new AttributeRepository(db);
    this.personas = new PersonaRepository(db);
    this.personaSets = new PersonaSetRepository(db);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.replica && this.db.isInitialized) await this.db.destroy();
  }
}

async function openAgentReads(config: AppConfig, primary: DataSource, limits?: DatabaseLimits): Promise<AgentReads> {
  if (!config.DATABASE_READ_URL) return new AgentReads(primary, false);
  const replica = new DataSource(
    dataSourceOptions({ url: config.DATABASE_READ_URL, applicationName: 'corridor-read', poolSize: 10, statementTimeoutMs: limits?.statementTimeoutMs }),
  );
  await replica.initialize();
  return new AgentReads(replica, true);
}

/** Provides AgentReads to the API (the worker never reads for agents, so opens no replica pool). */
@Global()
@Module({
  providers: [
    {
      provide: AgentReads,
      inject: [AppConfig, getDataSourceToken(), { token: DATABASE_LIMITS, optional: true }],
      useFactory: openAgentReads,
    },
  ],
  exports: [AgentReads],
})
export class AgentReadsModule {}
