import { Module } from '@nestjs/common';
import { TouchpointEventStore } from '@corridor/persistence';
import { EventGroupCommit } from './event-group-commit';
import { EventsController, EventSourcesController } from './events.controller';
import { EventSourcesService } from './event-sources.service';
import { EventsService } from './events.service';

/** Touchpoint events in (API and Segment-spec) and the CDP sources' mappings. */
@Module({
  controllers: [EventsController, EventSourcesController],
  providers: [
    EventsService,
    EventSourcesService,
    { provide: EventGroupCommit, useFactory: (store: TouchpointEventStore) => new EventGroupCommit(store), inject: [TouchpointEventStore] },
  ],
})
export class EventsModule {}
