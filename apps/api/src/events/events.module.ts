import { Module } from '@nestjs/common';
import { AppConfig } from '@corridor/config';
import { TouchpointEventStore } from '@corridor/persistence';
import { ApiMetrics } from '../metrics/api-metrics';
import { MetricsModule } from '../metrics/metrics.module';
import { EventGroupCommit, groupCommitSettings } from './event-group-commit';
import { EventsController, EventSourcesController } from './events.controller';
import { EventSourcesService } from './event-sources.service';
import { EventsService } from './events.service';

/** Touchpoint events in (API and Segment-spec) and the CDP sources' mappings. */
@Module({
  imports: [MetricsModule],
  controllers: [EventsController, EventSourcesController],
  providers: [
    EventsService,
    EventSourcesService,
    {
      provide: EventGroupCommit,
      useFactory: (store: TouchpointEventStore, metrics: ApiMetrics, config: AppConfig) =>
        new EventGroupCommit(store, { ...groupCommitSettings(config), onGroup: (n) => metrics.eventGroupRequests.observe(n) }),
      inject: [TouchpointEventStore, ApiMetrics, AppConfig],
    },
  ],
})
export class EventsModule {}
