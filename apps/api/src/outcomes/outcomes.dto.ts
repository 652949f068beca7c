import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, IsUUID, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import { EVENT_LIMITS, FEEDBACK_SCALES, OUTCOME_LIMITS, OUTCOME_TYPES } from '@corridor/domain';

export class OutcomeDto {
  @ApiPropertyOptional({ description: 'The delivery this answers: the `webhook-id` it was sent with. Exactly one of webhookId, eventId, eventKey.', example: 'msg_2b7f0c…', maxLength: OUTCOME_LIMITS.webhookIdLength })
  @IsOptional()
  @IsString()
  @Length(1, OUTCOME_LIMITS.webhookIdLength)
  webhookId?: string;

  @ApiPropertyOptional({ description: "The touchpoint event, by Corridor's id (as POST /v1/events answered it)", example: '1042' })
  @IsOptional()
  @IsString()
  @Matches(/^[1-9][0-9]{0,17}$/, { message: 'eventId must be an event id (digits)' })
  eventId?: string;

  @ApiPropertyOptional({ description: 'The touchpoint event, by the idempotencyKey its producer sent it with (see eventSource)', example: 'order-1', maxLength: EVENT_LIMITS.idempotencyKeyLength })
  @IsOptional()
  @IsString()
  @Length(1, EVENT_LIMITS.idempotencyKeyLength)
  eventKey?: string;

  @ApiPropertyOptional({ description: 'With eventKey: the source the event came in by: `api` (the default, POST /v1/events) or `segment:<sourceKey>`', example: 'api', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  eventSource?: string;

  @ApiProperty({ enum: OUTCOME_TYPES })
  @IsIn(OUTCOME_TYPES)
  type: (typeof OUTCOME_TYPES)[number];

  @ApiPropertyOptional({ description: 'A conversion\'s value (only with type converted)', example: 49.9 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-OUTCOME_LIMITS.maxAbsValue)
  @Max(OUTCOME_LIMITS.maxAbsValue)
  value?: number;

  @ApiPropertyOptional({ description: 'Feedback: customer satisfaction, 1 to 5', minimum: FEEDBACK_SCALES.csat.min, maximum: FEEDBACK_SCALES.csat.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.csat.min)
  @Max(FEEDBACK_SCALES.csat.max)
  csat?: number;

  @ApiPropertyOptional({ description: 'Feedback: likelihood to recommend, 0 to 10', minimum: FEEDBACK_SCALES.nps.min, maximum: FEEDBACK_SCALES.nps.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.nps.min)
  @Max(FEEDBACK_SCALES.nps.max)
  nps?: number;

  @ApiPropertyOptional({ description: 'Feedback: customer effort, 1 (effortless) to 7 (very hard)', minimum: FEEDBACK_SCALES.effort.min, maximum: FEEDBACK_SCALES.effort.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.effort.min)
  @Max(FEEDBACK_SCALES.effort.max)
  effort?: number;

  @ApiPropertyOptional({ description: 'Feedback: the customer\'s words', maxLength: OUTCOME_LIMITS.commentLength })
  @IsOptional()
  @IsString()
  @Length(0, OUTCOME_LIMITS.commentLength)
  comment?: string;

  @ApiPropertyOptional({ description: 'When it happened (ISO 8601 with offset); defaults to when Corridor received it', example: '2026-12-06T10:15:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  occurredAt?: string;

  @ApiProperty({ description: 'Unique per outcome from this source: a repeat is acknowledged as duplicate and changes nothing', maxLength: OUTCOME_LIMITS.idempotencyKeyLength })
  @IsDefined()
  @IsString()
  @Length(1, OUTCOME_LIMITS.idempotencyKeyLength)
  idempotencyKey: string;
}

export class OutcomeBatchDto {
  @ApiProperty({ type: [OutcomeDto], minItems: 1, maxItems: OUTCOME_LIMITS.batch })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(OUTCOME_LIMITS.batch)
  @ValidateNested({ each: true })
  @Type(() => OutcomeDto)
  outcomes: OutcomeDto[];
}

export class OutcomeResultDto {
  @ApiProperty({ description: 'Position of the outcome in the request (0 for a single outcome)' })
  index: number;

  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected'] })
  status: string;

  @ApiPropertyOptional({ description: 'The stored outcome (accepted, or the earlier one a duplicate repeats)' })
  outcomeId?: string;

  @ApiPropertyOptional({ description: 'Why it was rejected: DELIVERY_NOT_FOUND, EVENT_NOT_FOUND' })
  code?: string;

  @ApiPropertyOptional({ description: 'The field at fault, e.g. outcomes[3].webhookId' })
  field?: string;

  @ApiPropertyOptional()
  message?: string;
}

export class OutcomeIngestAnswerDto {
  @ApiProperty() accepted: number;
  @ApiProperty() duplicate: number;
  @ApiProperty() rejected: number;
  @ApiProperty({ type: [OutcomeResultDto] }) results: OutcomeResultDto[];
}

export class CallbackDestinationParams {
  @ApiProperty({ description: 'The destination (as GET /v1/destinations lists it)', format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}
