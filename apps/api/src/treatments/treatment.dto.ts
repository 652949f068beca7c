import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CHANNELS, TREATMENT_RESPONSE_DEFAULTS, TREATMENT_RESPONSE_LIMITS, TREATMENT_TYPES } from '@corridor/domain';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';
import { JOURNEY_KEY, JOURNEY_KEY_MESSAGE } from '../journey/journey.dto';
import { RawJson } from '../validation/raw-json.decorator';
import { AgentScriptConfigDto, CrmListConfigDto, CrmPropertyConfigDto, CrmTaskConfigDto, NoActionConfigDto, WebhookConfigDto } from './treatment-config.dto';

const CONFIG_SCHEMA = {
  description: 'Depends on `type`: webhook, crm_task, crm_property, crm_list, agent_script, no_action ({})',
  oneOf: [WebhookConfigDto, CrmTaskConfigDto, CrmPropertyConfigDto, CrmListConfigDto, AgentScriptConfigDto, NoActionConfigDto].map((c) => ({ $ref: getSchemaPath(c) })),
};

export class TreatmentKeyParams {
  @ApiProperty({ example: 'welcome_call' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;
}

/** How a treatment's deliveries count as ignored and pause it: the same on create and update. */
export class TreatmentResponseSettingsDto {
  @ApiPropertyOptional({
    description: `Hours after delivery with no engagement (opened, clicked, converted, dismissed) before the delivery counts as ignored; null: ${TREATMENT_RESPONSE_DEFAULTS.responseWindowHours}`,
    minimum: TREATMENT_RESPONSE_LIMITS.responseWindowHours.min,
    maximum: TREATMENT_RESPONSE_LIMITS.responseWindowHours.max,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(TREATMENT_RESPONSE_LIMITS.responseWindowHours.min)
  @Max(TREATMENT_RESPONSE_LIMITS.responseWindowHours.max)
  responseWindowHours?: number | null;

  @ApiPropertyOptional({
    description: `Ignored deliveries in a row that pause the treatment for that customer; null: ${TREATMENT_RESPONSE_DEFAULTS.ignoredInARow}`,
    minimum: TREATMENT_RESPONSE_LIMITS.ignoredInARow.min,
    maximum: TREATMENT_RESPONSE_LIMITS.ignoredInARow.max,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(TREATMENT_RESPONSE_LIMITS.ignoredInARow.min)
  @Max(TREATMENT_RESPONSE_LIMITS.ignoredInARow.max)
  ignoredInARow?: number | null;

  @ApiPropertyOptional({
    description: `Days that pause lasts; null: ${TREATMENT_RESPONSE_DEFAULTS.pauseDays}`,
    minimum: TREATMENT_RESPONSE_LIMITS.pauseDays.min,
    maximum: TREATMENT_RESPONSE_LIMITS.pauseDays.max,
    nullable: true,
  })
  @IsOptional()
  @IsInt()
  @Min(TREATMENT_RESPONSE_LIMITS.pauseDays.min)
  @Max(TREATMENT_RESPONSE_LIMITS.pauseDays.max)
  pauseDays?: number | null;
}

@ApiExtraModels(WebhookConfigDto, CrmTaskConfigDto, CrmPropertyConfigDto, CrmListConfigDto, AgentScriptConfigDto, NoActionConfigDto)
export class CreateTreatmentDto extends TreatmentResponseSettingsDto {
  @ApiProperty({ example: 'welcome_call' })
  @Matches(JOURNEY_KEY, { message: `key ${JOURNEY_KEY_MESSAGE}` })
  key: string;

  @ApiProperty({ example: 'Welcome call' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiProperty({ enum: TREATMENT_TYPES })
  @IsIn(TREATMENT_TYPES)
  type: (typeof TREATMENT_TYPES)[number];

  @ApiProperty({ enum: CHANNELS, description: 'Where it reaches the customer (consent, caps and quiet hours apply per channel)' })
  @IsIn(CHANNELS)
  channel: (typeof CHANNELS)[number];

  @ApiProperty(CONFIG_SCHEMA)
  @IsDefined({ message: 'config is required ({} for no_action)' })
  @IsObject()
  @RawJson()
  config: Record<string, unknown>;
}

export class UpdateTreatmentDto extends TreatmentResponseSettingsDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ enum: CHANNELS })
  @IsOptionalNotNull()
  @IsIn(CHANNELS)
  channel?: (typeof CHANNELS)[number];

  @ApiPropertyOptional({ ...CONFIG_SCHEMA, description: 'Replaces the whole config (the type stays)' })
  @IsOptionalNotNull()
  @IsObject()
  @RawJson()
  config?: Record<string, unknown>;
}

export class TreatmentDto {
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiProperty({ enum: TREATMENT_TYPES }) type: string;
  @ApiProperty({ enum: CHANNELS }) channel: string;
  @ApiProperty(CONFIG_SCHEMA) config: object;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: the default response window' }) responseWindowHours?: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: the default' }) ignoredInARow?: number | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null: the default' }) pauseDays?: number | null;
}

export class TreatmentListDto {
  @ApiProperty({ type: [TreatmentDto] })
  treatments: TreatmentDto[];
}
