import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { Roles } from '../auth/roles.decorator';
import {
  EventIngestAnswerDto,
  EventSourceDto,
  EventSourceKeyParam,
  EventSourceListDto,
  PutEventSourceDto,
  SourceKeyParam,
  TouchpointEventBatchDto,
  TouchpointEventDto,
} from './events.dto';
import { EventSourcesService } from './event-sources.service';
import { EventsService } from './events.service';

@ApiTags('events')
@ApiExtraModels(TouchpointEventDto, TouchpointEventBatchDto)
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @Roles('integration')
  @ApiOperation({
    summary: 'Touchpoint events: one, or {events: [...]} (up to 1,000)',
    description:
      'Each new event is committed with its outbox row before the answer. A repeated idempotencyKey is `duplicate` and changes nothing; ' +
      'an unknown customer or touchpoint is `rejected` for that event alone. A malformed request is refused whole (400 naming e.g. events[3].touchpoint).',
  })
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(TouchpointEventDto) }, { $ref: getSchemaPath(TouchpointEventBatchDto) }] } })
  @ApiAcceptedResponse({ type: EventIngestAnswerDto })
  ingest(@Body() body: unknown) {
    return this.events.ingest(body);
  }

  @Post('segment/:sourceKey')
  @HttpCode(200)
  @Roles('integration')
  @ApiOperation({
    summary: 'Segment-spec track call or {batch: [...]} from a CDP source',
    description:
      'messageId is the idempotency key; userId (a customer reference) or context.traits.email names the customer; the source maps `event` to a touchpoint. ' +
      'Calls other than track, and events the source does not map, are acknowledged as `ignored`.',
  })
  @ApiBody({ schema: { type: 'object', additionalProperties: true } })
  @ApiOkResponse({ type: EventIngestAnswerDto })
  segment(@Param() params: SourceKeyParam, @Body() body: unknown) {
    return this.events.ingestSegment(params.sourceKey, body);
  }
}

@ApiTags('events')
@Controller('v1/event-sources')
@Roles('admin')
export class EventSourcesController {
  constructor(private readonly sources: EventSourcesService) {}

  @Get()
  @ApiOperation({ summary: 'CDP (Segment-spec) sources and their event → touchpoint mappings' })
  @ApiOkResponse({ type: EventSourceListDto })
  async list() {
    return { sources: await this.sources.list() };
  }

  @Get(':key')
  @ApiOkResponse({ type: EventSourceDto })
  get(@Param() params: EventSourceKeyParam) {
    return this.sources.get(params.key);
  }

  @Put(':key')
  @ApiOperation({ summary: 'Create or replace a source (name, mappings); every mapped touchpoint must exist' })
  @ApiOkResponse({ type: EventSourceDto })
  put(@Param() params: EventSourceKeyParam, @Body() body: PutEventSourceDto) {
    return this.sources.put(params.key, body.name, body.mappings);
  }

  @Delete(':key')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param() params: EventSourceKeyParam) {
    return this.sources.remove(params.key);
  }
}
