import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Public, Roles } from '../auth/roles.decorator';
import { ApiErrorDto } from '../errors/api-error.dto';
import { CallbackDestinationParams, OutcomeBatchDto, OutcomeDto, OutcomeIngestAnswerDto } from './outcomes.dto';
import { OutcomesService } from './outcomes.service';

const BODY = { schema: { oneOf: [{ $ref: getSchemaPath(OutcomeDto) }, { $ref: getSchemaPath(OutcomeBatchDto) }] } };

@ApiTags('outcomes')
@ApiExtraModels(OutcomeDto, OutcomeBatchDto)
@Controller('v1/outcomes')
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Post()
  @HttpCode(202)
  @Roles('integration')
  @ApiOperation({
    summary: 'Outcomes and feedback: one, or {outcomes: [...]} (up to 1,000)',
    description:
      'Each answers a delivery (webhookId) or a touchpoint event (eventId, or eventKey with eventSource). New outcomes are committed before the answer; ' +
      'a repeated idempotencyKey is `duplicate` and changes nothing; an unknown delivery or event is `rejected` for that outcome alone. ' +
      'A malformed request is refused whole (400 naming e.g. outcomes[3].csat).',
  })
  @ApiBody(BODY)
  @ApiAcceptedResponse({ type: OutcomeIngestAnswerDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  ingest(@Body() body: unknown): Promise<OutcomeIngestAnswerDto> {
    return this.outcomes.ingest(body);
  }
}

/** Raw body as received (kept by the JSON parser, see bootstrap.ts): the signature is over bytes, not over the parsed JSON. */
type RawRequest = Request & { rawBody?: Buffer };

/** Outcomes a destination calls back with. Public: each request is verified against the destination's signing secret instead of an API key. */
@ApiTags('outcomes')
@ApiExtraModels(OutcomeDto, OutcomeBatchDto)
@Controller('v1/destinations')
@Public()
export class OutcomeCallbacksController {
  constructor(private readonly outcomes: OutcomesService) {}

  @Post(':id/callbacks')
  @HttpCode(202)
  @ApiOperation({
    summary: "Outcomes from a destination, signed with its secret (Standard Webhooks), as POST /v1/outcomes takes them",
    description:
      'webhook-signature is verified over the exact body with the destination\'s secret, in constant time; a webhook-timestamp more than 5 minutes ' +
      'from now is refused (a replay). Idempotency keys are the destination\'s own (source callback:<id>): a message sent again changes nothing.',
  })
  @ApiHeader({ name: 'webhook-id', required: true })
  @ApiHeader({ name: 'webhook-timestamp', required: true, description: 'Unix seconds' })
  @ApiHeader({ name: 'webhook-signature', required: true, description: 'v1,<base64 HMAC-SHA256 of "id.timestamp.body">' })
  @ApiBody(BODY)
  @ApiAcceptedResponse({ type: OutcomeIngestAnswerDto })
  @ApiBadRequestResponse({ type: ApiErrorDto })
  @ApiUnauthorizedResponse({ type: ApiErrorDto, description: 'CALLBACK_SIGNATURE_MISSING, CALLBACK_SIGNATURE_INVALID or CALLBACK_TIMESTAMP_STALE' })
  @ApiNotFoundResponse({ type: ApiErrorDto, description: 'DESTINATION_NOT_FOUND' })
  callback(@Param() params: CallbackDestinationParams, @Req() req: RawRequest): Promise<OutcomeIngestAnswerDto> {
    return this.outcomes.callback(
      params.id,
      { id: req.get('webhook-id'), timestamp: req.get('webhook-timestamp'), signature: req.get('webhook-signature') },
      req.rawBody,
      req.body,
    );
  }
}
