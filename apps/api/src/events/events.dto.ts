import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateBy,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { EVENT_LIMITS } from '@corridor/domain';

/** Touchpoint and source keys: lower-case words joined by `_`, `-` or `.` (as the strategy admin API makes them). */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;

/** A JSON value whose serialisation is at most `bytes` long (UTF-8). */
export function MaxJsonBytes(bytes: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      validator: {
        validate: (value) => value === undefined || Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= bytes,
        defaultMessage: (args) => `${args?.property} must serialise to at most ${bytes} bytes of JSON`,
      },
    },
    options,
  );
}

export class TouchpointEventDto {
  @ApiProperty({ description: 'The touchpoint key', example: 'purchase_completed', maxLength: EVENT_LIMITS.touchpointKeyLength })
  @IsString()
  @Length(1, EVENT_LIMITS.touchpointKeyLength)
  @Matches(KEY_PATTERN, { message: 'touchpoint must be a touchpoint key (lower-case letters, digits, _ . -)' })
  touchpoint: string;

  @ApiProperty({
    description: 'The customer: `123` (Corridor id), `email:ann@x.io`, `<connectionId>:<CRM id>`, `import:<id>` (as GET /v1/customers/:ref)',
    example: 'email:ann@x.io',
  })
  @IsString()
  @Length(1, 1000)
  customer: string;

  @ApiPropertyOptional({ description: 'When the customer reached the touchpoint (ISO 8601 with offset); defaults to when Corridor received it', example: '2026-12-06T10:15:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true, strictSeparator: true })
  occurredAt?: string;

  @ApiPropertyOptional({ description: `Event properties (a JSON object, at most ${EVENT_LIMITS.propertiesBytes} bytes); conditions read them as event.<name>`, type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(EVENT_LIMITS.propertiesBytes)
  properties?: Record<string, unknown>;

  @ApiProperty({ description: 'Unique per event from this producer: a repeat is acknowledged as duplicate and changes nothing', maxLength: EVENT_LIMITS.idempotencyKeyLength })
  @IsDefined()
  @IsString()
  @Length(1, EVENT_LIMITS.idempotencyKeyLength)
  idempotencyKey: string;
}

export class TouchpointEventBatchDto {
  @ApiProperty({ type: [TouchpointEventDto], maxItems: EVENT_LIMITS.batch, minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_LIMITS.batch)
  @ValidateNested({ each: true })
  @Type(() => TouchpointEventDto)
  events: TouchpointEventDto[];
}

export class EventResultDto {
  @ApiProperty({ description: 'Position of the event in the request (0 for a single event)' })
  index: number;

  @ApiProperty({ enum: ['accepted', 'duplicate', 'rejected', 'ignored'] })
  status: string;

  @ApiPropertyOptional({ description: 'The stored event (accepted, or the earlier one a duplicate repeats)' })
  eventId?: string;

  @ApiPropertyOptional({ description: 'Why it was rejected: TOUCHPOINT_NOT_FOUND, CUSTOMER_NOT_FOUND, CUSTOMER_REF_AMBIGUOUS, ...' })
  code?: string;

  @ApiPropertyOptional({ description: 'The field at fault, e.g. events[3].touchpoint' })
  field?: string;

  @ApiPropertyOptional()
  message?: string;

  @ApiPropertyOptional({ description: 'Why an ignored call raised nothing (Segment: not a track call, or an unmapped event)' })
  reason?: string;
}

export class EventIngestAnswerDto {
  @ApiProperty() accepted: number;
  @ApiProperty() duplicate: number;
  @ApiProperty() rejected: number;
  @ApiProperty() ignored: number;
  @ApiProperty({ type: [EventResultDto] }) results: EventResultDto[];
}

export class SourceKeyParam {
  @IsString()
  @Length(1, 100)
  @Matches(KEY_PATTERN, { message: 'sourceKey must be lower-case letters, digits, _ . -' })
  sourceKey: string;
}

export class EventSourceKeyParam {
  @IsString()
  @Length(1, 100)
  @Matches(KEY_PATTERN, { message: 'key must be lower-case letters, digits, _ . -' })
  key: string;
}

/** A map of Segment event names to touchpoint keys, limited in size and shape. */
function IsEventMapping(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEventMapping',
      validator: {
        validate: (value) =>
          value !== null &&
          typeof value === 'object' &&
          !Array.isArray(value) &&
          Object.keys(value).length <= 500 &&
          Object.entries(value as Record<string, unknown>).every(
            ([k, v]) => k.length >= 1 && k.length <= 200 && typeof v === 'string' && v.length <= EVENT_LIMITS.touchpointKeyLength && KEY_PATTERN.test(v),
          ),
        defaultMessage: () => 'mappings must be an object of at most 500 event names (1-200 characters) to touchpoint keys',
      },
    },
    options,
  );
}

export class PutEventSourceDto {
  @ApiProperty({ example: 'Website (Segment)' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ description: 'Segment event name → touchpoint key; unmapped events are acknowledged and ignored', example: { 'Order Completed': 'purchase_completed' } })
  @IsEventMapping()
  mappings: Record<string, string>;
}

export class EventSourceDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) mappings: Record<string, string>;
  @ApiProperty({ description: 'The path a CDP webhook destination posts to' }) url: string;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class EventSourceListDto {
  @ApiProperty({ type: [EventSourceDto] }) sources: EventSourceDto[];
}

