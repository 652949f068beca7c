import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDefined, IsInt, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { STRATEGY_LIMITS } from '@corridor/domain';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';
import { CreateStageDto } from '../journey/journey.dto';
import { CreatePersonaDto } from '../personas/persona.dto';
import { SegmentationRunDto } from '../segmentation/segmentation.dto';
import { ContactPoliciesDto, StrategyCellDto } from '../strategy/strategy.dto';
import { CreateTouchpointDto } from '../touchpoints/touchpoint.dto';

/** A persona as a configuration file holds it: its position in the list is its evaluation order. */
export class ConfigPersonaDto extends OmitType(CreatePersonaDto, ['priority'] as const) {}

export class ConfigStageDto extends OmitType(CreateStageDto, ['position'] as const) {}

export class ConfigJourneyDto {
  @ApiProperty({ type: [ConfigStageDto], description: 'Every stage, in journey order (stages cannot be removed)' })
  @IsArray()
  @ArrayMaxSize(200)
  @ValidateNested({ each: true })
  @Type(() => ConfigStageDto)
  stages: ConfigStageDto[];

  @ApiProperty({ type: [CreateTouchpointDto], description: "The admins' touchpoints (built-in ones are Corridor's and stay out)" })
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => CreateTouchpointDto)
  touchpoints: CreateTouchpointDto[];
}

export class ConfigStrategyDto {
  @ApiProperty({ type: [StrategyCellDto] })
  @IsArray()
  @ArrayMaxSize(STRATEGY_LIMITS.maxCells)
  @ValidateNested({ each: true })
  @Type(() => StrategyCellDto)
  cells: StrategyCellDto[];

  @ApiPropertyOptional({ type: ContactPoliciesDto, description: "Fields left out keep the draft's value; the holdout's hash key stays Corridor's" })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => ContactPoliciesDto)
  policies?: ContactPoliciesDto;
}

/** The live version of each kind, as GET /v1/config returns it: an opaque token that moves with every change. */
export class ConfigVersionsDto {
  @ApiProperty({ example: 'set3.3-9f1c2a7b40d1e6aa' }) personas: string;
  @ApiProperty({ example: '5be0c1d2e3f40516' }) journey: string;
  @ApiProperty({ example: 'v4.r9', description: 'live strategy version and draft revision' }) strategy: string;
}

export class ExpectedVersionsDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(100) personas?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(100) journey?: string;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MaxLength(100) strategy?: string;
}

export class ConfigLiveDto {
  @ApiProperty({ description: 'Live persona set version (0: none yet)' }) personaSet: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Live strategy version (null: none yet)' }) strategyVersion: number | null;
}

export class ConfigDocumentDto {
  @ApiProperty({ type: ConfigVersionsDto }) versions: ConfigVersionsDto;
  @ApiProperty({ type: ConfigLiveDto }) live: ConfigLiveDto;
  @ApiProperty({ type: [ConfigPersonaDto], description: 'The persona draft in evaluation order, without the fallback' }) personas: ConfigPersonaDto[];
  @ApiProperty({ type: ConfigJourneyDto }) journey: ConfigJourneyDto;
  @ApiProperty({ type: ConfigStrategyDto, description: 'The strategy draft' }) strategy: ConfigStrategyDto;
}

export class ApplyConfigDto {
  @ApiProperty({ type: ExpectedVersionsDto, description: 'For every kind given, its version from GET /v1/config that the change was reviewed against; 409 CONFIG_STALE when it moved' })
  @IsDefined({ message: 'expectedVersions is required (the versions from GET /v1/config)' })
  @ValidateNested()
  @Type(() => ExpectedVersionsDto)
  expectedVersions: ExpectedVersionsDto;

  @ApiPropertyOptional({ type: [ConfigPersonaDto], description: 'Every persona (without the fallback) in evaluation order: left out ones are archived' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => ConfigPersonaDto)
  personas?: ConfigPersonaDto[];

  @ApiPropertyOptional({ type: ConfigJourneyDto })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => ConfigJourneyDto)
  journey?: ConfigJourneyDto;

  @ApiPropertyOptional({ type: ConfigStrategyDto })
  @IsOptionalNotNull()
  @ValidateNested()
  @Type(() => ConfigStrategyDto)
  strategy?: ConfigStrategyDto;

  @ApiPropertyOptional({ default: false, description: 'Do everything in the transaction, then roll it back: the full check, nothing written' })
  @IsOptionalNotNull()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ default: 0, description: 'Seconds to wait for the persona re-segmentation (0-3600)' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(3600)
  wait?: number;
}

export class ConfigChangesDto {
  @ApiProperty() personas: number;
  @ApiProperty() journey: number;
  @ApiProperty() strategy: number;
}

export class AppliedPersonasDto {
  @ApiProperty() setVersion: number;
  @ApiProperty({ type: SegmentationRunDto }) run: SegmentationRunDto;
}

export class AppliedStrategyDto {
  @ApiProperty() version: number;
  @ApiProperty() draftRevision: number;
}

export class ConfigApplyResultDto {
  @ApiProperty({ description: 'false for a dry run, or when the document is what is live' }) applied: boolean;
  @ApiProperty({ type: ConfigChangesDto, description: 'Items created, changed or removed, per kind' }) changes: ConfigChangesDto;
  @ApiProperty({ type: ConfigVersionsDto, description: 'The versions after the apply' }) versions: ConfigVersionsDto;
  @ApiProperty({ type: AppliedPersonasDto, nullable: true, description: 'The persona set published (live when its run completes)' }) personas: AppliedPersonasDto | null;
  @ApiProperty({ type: AppliedStrategyDto, nullable: true, description: 'The strategy version published' }) strategy: AppliedStrategyDto | null;
}
