import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { ATTRIBUTE_TYPES, CHANNELS } from '@corridor/domain';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';
import { JOURNEY_KEY, JOURNEY_KEY_MESSAGE } from '../journey/journey.dto';

export class TouchpointKeyParams {
  @ApiProperty({ example: 'checkout' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;
}

export class EventPropertyDto {
  @ApiProperty({ example: 'cart_value', description: 'Usable in strategy conditions as `event.<name>`' })
  @Matches(/^[a-z][a-z0-9_]{0,62}$/, { message: 'name must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)' })
  name: string;

  @ApiProperty({ enum: ATTRIBUTE_TYPES })
  @IsIn(ATTRIBUTE_TYPES)
  type: (typeof ATTRIBUTE_TYPES)[number];

  @ApiPropertyOptional({ type: [String], description: 'Required for `enum`, refused otherwise' })
  @ValidateIf((o: EventPropertyDto) => o.type === 'enum' || o.enumValues !== undefined)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  enumValues?: string[];
}

class TouchpointFieldsDto {
  @ApiProperty({ example: 'Checkout' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'purchase', description: 'A journey stage key' })
  @Matches(JOURNEY_KEY, { message: `stageKey ${JOURNEY_KEY_MESSAGE}` })
  stageKey: string;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: (typeof CHANNELS)[number];

  @ApiPropertyOptional({ default: false, description: 'Part of the journey backbone; more than ten is allowed with a warning' })
  @IsOptionalNotNull()
  @IsBoolean()
  major?: boolean;

  @ApiPropertyOptional({ default: false, description: 'A moment that decides how the customer feels (wins priority; gap report)' })
  @IsOptionalNotNull()
  @IsBoolean()
  momentOfTruth?: boolean;

  @ApiPropertyOptional({ example: 'Web team', description: 'Team or third party that runs it' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(200)
  owner?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ type: [EventPropertyDto], description: 'Typed properties its events carry (at most 50)' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EventPropertyDto)
  eventProperties?: EventPropertyDto[];
}

export class CreateTouchpointDto extends TouchpointFieldsDto {
  @ApiProperty({ example: 'checkout', description: 'Stable: events and strategies refer to it' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;
}

export class UpdateTouchpointDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @Matches(JOURNEY_KEY, { message: `stageKey ${JOURNEY_KEY_MESSAGE}` })
  stageKey?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptionalNotNull()
  @IsIn(CHANNELS)
  channel?: (typeof CHANNELS)[number];

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  major?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  momentOfTruth?: boolean;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(200)
  owner?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ type: [EventPropertyDto] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => EventPropertyDto)
  eventProperties?: EventPropertyDto[];
}

export class WarningDto {
  @ApiProperty({ example: 'major' })
  field: string;

  @ApiProperty()
  message: string;

  @ApiProperty({ example: 'TOO_MANY_MAJOR_TOUCHPOINTS' })
  code?: string;
}

export class EventPropertyViewDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ATTRIBUTE_TYPES }) type: string;
  @ApiPropertyOptional({ type: [String] }) enumValues?: readonly string[];
}

export class TouchpointDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty() stageKey: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty() major: boolean;
  @ApiProperty() momentOfTruth: boolean;
  @ApiProperty() owner: string;
  @ApiProperty() description: string;
  @ApiProperty({ description: 'Raised by Corridor itself; cannot be deleted' }) builtIn: boolean;
  @ApiProperty({ description: 'Order within its stage (1-based)' }) position: number;
  @ApiProperty({ type: [EventPropertyViewDto] }) eventProperties: EventPropertyViewDto[];
}

/** A touchpoint as written, with what the admin should know (more than ten major touchpoints). */
export class TouchpointAnswerDto extends TouchpointDto {
  @ApiProperty({ type: [WarningDto] })
  warnings: WarningDto[];
}

export class TouchpointListDto {
  @ApiProperty({ type: [TouchpointDto], description: 'In journey order: by stage, then position' })
  touchpoints: TouchpointDto[];

  @ApiProperty({ description: 'How many are major' })
  majorCount: number;

  @ApiProperty({ type: [WarningDto] })
  warnings: WarningDto[];
}
