import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { CHANNELS, STRATEGY_LIMITS } from '@corridor/domain';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';
import { JOURNEY_KEY, JOURNEY_KEY_MESSAGE } from '../journey/journey.dto';
import { StageDto } from '../journey/journey.dto';
import { TouchpointDto, WarningDto } from '../touchpoints/touchpoint.dto';
import { TreatmentDto } from '../treatments/treatment.dto';
import { RawJson } from '../validation/raw-json.decorator';

const ATTRIBUTE = /^[a-z][a-z0-9_]{0,62}$/;
const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

export class StrategyOptionDto {
  @ApiProperty({ example: 'welcome_call' })
  @Matches(JOURNEY_KEY, { message: `treatmentKey ${JOURNEY_KEY_MESSAGE}` })
  treatmentKey: string;

  @ApiPropertyOptional({
    description: 'A rule over customer attributes and the touchpoint\'s event properties as `event.<name>`; absent: always holds',
    example: { attribute: 'event.cart_value', operator: 'gte', value: 100 },
  })
  @IsOptional()
  @RawJson()
  condition?: unknown;
}

export class StrategyCellDto {
  @ApiProperty({ example: 'vip' })
  @Matches(JOURNEY_KEY, { message: `personaKey ${JOURNEY_KEY_MESSAGE}` })
  personaKey: string;

  @ApiProperty({ example: 'checkout' })
  @Matches(JOURNEY_KEY, { message: `touchpointKey ${JOURNEY_KEY_MESSAGE}` })
  touchpointKey: string;

  @ApiProperty({ type: [StrategyOptionDto], description: `First option whose condition holds wins (at most ${STRATEGY_LIMITS.maxOptionsPerCell})` })
  @IsArray()
  @ArrayMaxSize(STRATEGY_LIMITS.maxOptionsPerCell)
  @ValidateNested({ each: true })
  @Type(() => StrategyOptionDto)
  options: StrategyOptionDto[];
}

export class ConsentRuleDto {
  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: (typeof CHANNELS)[number];

  @ApiProperty({ example: 'email_opt_out' })
  @Matches(ATTRIBUTE, { message: 'attribute must be an attribute name' })
  attribute: string;

  @ApiPropertyOptional({ description: 'The value meaning "no consent" (default true)', oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] })
  @IsOptionalNotNull()
  @ValidateBy({
    name: 'isScalar',
    validator: {
      validate: (v: unknown) => typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 200),
      defaultMessage: () => 'refusedWhen must be a string (at most 200), a number or a boolean',
    },
  })
  refusedWhen?: string | number | boolean;
}

export class FrequencyCapDto {
  @ApiProperty({ enum: ['channel', 'treatment'] })
  @IsIn(['channel', 'treatment'])
  scope: 'channel' | 'treatment';

  @ApiProperty({ example: 'email', description: 'The channel, or the treatment key' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;

  @ApiProperty({ enum: ['day', 'week', 'month'] })
  @IsIn(['day', 'week', 'month'])
  period: 'day' | 'week' | 'month';

  @ApiProperty({ example: 2 })
  @IsInt()
  @Min(1)
  @Max(1000)
  max: number;
}

export class QuietHoursDto {
  @ApiProperty({ example: '21:00', description: 'Local HH:mm in the customer\'s zone' })
  @Matches(HHMM, { message: 'start must be HH:mm (00:00-23:59)' })
  start: string;

  @ApiProperty({ example: '08:00' })
  @Matches(HHMM, { message: 'end must be HH:mm (00:00-23:59)' })
  end: string;

  @ApiProperty({ enum: CHANNELS, isArray: true, example: ['phone', 'sms'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CHANNELS.length)
  @IsIn(CHANNELS, { each: true })
  channels: Array<(typeof CHANNELS)[number]>;
}

export class ContactPoliciesDto {
  @ApiPropertyOptional({ type: [ConsentRuleDto] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(STRATEGY_LIMITS.maxConsentRules)
  @ValidateNested({ each: true })
  @Type(() => ConsentRuleDto)
  consent?: ConsentRuleDto[];

  @ApiPropertyOptional({ type: [FrequencyCapDto] })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(STRATEGY_LIMITS.maxCaps)
  @ValidateNested({ each: true })
  @Type(() => FrequencyCapDto)
  caps?: FrequencyCapDto[];

  @ApiPropertyOptional({ type: QuietHoursDto, nullable: true, description: 'null: none' })
  @IsOptional()
  @ValidateNested()
  @Type(() => QuietHoursDto)
  quietHours?: QuietHoursDto | null;

  @ApiPropertyOptional({ example: 5, description: `Share of customers kept out of every treatment (0-${STRATEGY_LIMITS.maxHoldoutPercent} %)` })
  @IsOptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(STRATEGY_LIMITS.maxHoldoutPercent)
  holdoutPercent?: number;

  @ApiPropertyOptional({ example: 'time_zone', description: 'Attribute holding the customer\'s IANA time zone' })
  @IsOptionalNotNull()
  @Matches(ATTRIBUTE, { message: 'timeZoneAttribute must be an attribute name' })
  timeZoneAttribute?: string;

  @ApiPropertyOptional({ example: 'Europe/London' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(64)
  defaultTimeZone?: string;
}

/** A draft given inline (validate, preview); absent parts come from the saved draft. */
export class InlineDraftDto {
  @ApiPropertyOptional({ type: [StrategyCellDto], description: `Persona × touchpoint cells (at most ${STRATEGY_LIMITS.maxCells})` })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(STRATEGY_LIMITS.maxCells)
  @ValidateNested({ each: true })
  @Type(() => StrategyCellDto)
  cells?: StrategyCellDto[];

  @ApiPropertyOptional({ type: ContactPoliciesDto, description: 'Fields left out keep their saved value' })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => ContactPoliciesDto)
  policies?: ContactPoliciesDto;
}

export class SaveDraftDto extends InlineDraftDto {
  @ApiPropertyOptional({ description: 'The revision this edit starts from (0: none yet); 409 DRAFT_STALE when someone saved since' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  expectedRevision?: number;
}

export class PublishStrategyDto {
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The live version this publish replaces (null: none yet); 409 STRATEGY_STALE when another was published since' })
  @ValidateIf((o: PublishStrategyDto) => o.expectedLiveVersion !== undefined && o.expectedLiveVersion !== null)
  @IsInt()
  @Min(1)
  expectedLiveVersion?: number | null;

  @ApiPropertyOptional({ description: 'The draft revision reviewed; 409 DRAFT_STALE when the draft changed since' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  expectedRevision?: number;
}

export class VersionParams {
  @ApiProperty({ example: 3 })
  @Type(() => Number)
  @IsInt({ message: 'version must be a whole number' })
  @Min(1)
  @Max(2_147_483_647)
  version: number;
}

export class RevisionParams {
  @ApiProperty({ example: 2 })
  @Type(() => Number)
  @IsInt({ message: 'revision must be a whole number' })
  @Min(1)
  @Max(2_147_483_647)
  revision: number;
}

export class GapsQuery {
  @ApiPropertyOptional({ enum: ['live', 'draft'], default: 'live' })
  @IsOptional()
  @IsIn(['live', 'draft'])
  of?: 'live' | 'draft';
}

// ─── answers ───

export class QuietHoursViewDto {
  @ApiProperty() start: string;
  @ApiProperty() end: string;
  @ApiProperty({ type: [String] }) channels: string[];
}

export class ContactPoliciesViewDto {
  @ApiProperty({ type: [ConsentRuleDto] }) consent: ConsentRuleDto[];
  @ApiProperty({ type: [FrequencyCapDto] }) caps: FrequencyCapDto[];
  @ApiProperty({ type: QuietHoursViewDto, nullable: true }) quietHours: QuietHoursViewDto | null;
  @ApiProperty() holdoutPercent: number;
  @ApiProperty({ description: 'Key of the holdout hash: set once, when the draft is first saved' }) holdoutSalt: string;
  @ApiProperty() timeZoneAttribute: string;
  @ApiProperty() defaultTimeZone: string;
}

export class StrategyDraftViewDto {
  @ApiProperty({ description: '0 before the first save' }) revision: number;
  @ApiProperty({ nullable: true, type: Date }) savedAt: Date | null;
  @ApiProperty({ nullable: true, type: String }) savedBy: string | null;
  @ApiProperty({ type: [StrategyCellDto] }) cells: StrategyCellDto[];
  @ApiProperty({ type: ContactPoliciesViewDto }) policies: ContactPoliciesViewDto;
  @ApiProperty({ nullable: true, type: Number }) liveVersion: number | null;
  @ApiProperty({ type: [WarningDto] }) warnings: WarningDto[];
}

export class DraftRevisionDto {
  @ApiProperty() revision: number;
  @ApiProperty({ nullable: true, type: String }) savedBy: string | null;
  @ApiProperty() savedAt: Date;
  @ApiProperty() cells: number;
}

export class DraftRevisionViewDto {
  @ApiProperty() revision: number;
  @ApiProperty({ nullable: true, type: String }) savedBy: string | null;
  @ApiProperty() savedAt: Date;
  @ApiProperty({ type: [StrategyCellDto] }) cells: StrategyCellDto[];
  @ApiProperty({ type: ContactPoliciesViewDto }) policies: ContactPoliciesViewDto;
}

export class DraftRevisionListDto {
  @ApiProperty({ type: [DraftRevisionDto] }) revisions: DraftRevisionDto[];
}

export class StrategyValidationDto {
  @ApiProperty({ example: true }) valid: boolean;
  @ApiProperty({ type: [WarningDto] }) warnings: WarningDto[];
}

export class PreviewOptionDto {
  @ApiProperty() index: number;
  @ApiProperty() treatmentKey: string;
  @ApiProperty({ description: 'Customers whose attributes make this option win, or (dependsOnEvent non-empty) who reach it and the event decides' })
  customers: number;
  @ApiProperty({ type: [String], description: 'event.* properties its condition reads: the outcome depends on the event' })
  dependsOnEvent: string[];
}

export class PreviewCellDto {
  @ApiProperty() personaKey: string;
  @ApiProperty() customers: number;
  @ApiProperty({ type: [PreviewOptionDto] }) options: PreviewOptionDto[];
  @ApiProperty({ description: 'No cell, or no option holds' }) noTreatment: number;
}

export class PreviewChangeDto {
  @ApiProperty() personaKey: string;
  @ApiProperty({ description: 'Live treatment key, `none` or `depends_on_event`' }) from: string;
  @ApiProperty() to: string;
  @ApiProperty() customers: number;
}

export class PreviewTouchpointDto {
  @ApiProperty() touchpointKey: string;
  @ApiProperty() momentOfTruth: boolean;
  @ApiProperty({ type: [PreviewCellDto] }) personas: PreviewCellDto[];
  @ApiProperty({ type: [PreviewChangeDto] }) changes: PreviewChangeDto[];
}

export class StrategyPreviewDto {
  @ApiProperty({ description: 'Live customers considered' }) customers: number;
  @ApiProperty({ description: 'Customers without a live persona (counted nowhere else)' }) withoutPersona: number;
  @ApiProperty({ nullable: true, type: Number }) liveVersion: number | null;
  @ApiProperty({ type: [PreviewTouchpointDto] }) touchpoints: PreviewTouchpointDto[];
  @ApiProperty({ type: [WarningDto] }) warnings: WarningDto[];
}

export class StrategyVersionSummaryDto {
  @ApiProperty() version: number;
  @ApiProperty() publishedAt: Date;
  @ApiProperty({ nullable: true, type: String, description: 'API key id' }) publishedBy: string | null;
}

export class StrategyVersionListDto {
  @ApiProperty({ nullable: true, type: Number }) liveVersion: number | null;
  @ApiProperty({ type: [StrategyVersionSummaryDto] }) versions: StrategyVersionSummaryDto[];
}

export class PublishedStrategyDto {
  @ApiProperty() version: number;
  @ApiProperty() publishedAt: string;
  @ApiProperty({ type: [StageDto] }) stages: StageDto[];
  @ApiProperty({ type: [TouchpointDto] }) touchpoints: TouchpointDto[];
  @ApiProperty({ type: [TreatmentDto] }) treatments: TreatmentDto[];
  @ApiProperty({ type: [StrategyCellDto] }) cells: StrategyCellDto[];
  @ApiProperty({ type: ContactPoliciesViewDto }) policies: ContactPoliciesViewDto;
}

export class PublishResultDto {
  @ApiProperty() version: number;
  @ApiProperty() publishedAt: string;
  @ApiProperty({ description: 'The draft revision frozen' }) draftRevision: number;
  @ApiProperty({ type: [WarningDto] }) warnings: WarningDto[];
}

export class StrategyGapDto {
  @ApiProperty() touchpointKey: string;
  @ApiProperty() personaKey: string;
  @ApiProperty({ enum: ['no_cell', 'no_options', 'no_action_only', 'conditional_only'] }) reason: string;
  @ApiProperty() message: string;
}

export class GapReportDto {
  @ApiProperty({ enum: ['live', 'draft'] }) of: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The strategy version read (of=live); null before the first publish' }) version: number | null;
  @ApiProperty({ type: [String], description: 'The live persona set\'s personas checked' }) personas: string[];
  @ApiProperty({ type: [String] }) momentsOfTruth: string[];
  @ApiProperty({ type: [StrategyGapDto] }) gaps: StrategyGapDto[];
}
