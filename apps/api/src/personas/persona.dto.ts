import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ValidateIf,
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { RawJson } from '../validation/raw-json.decorator';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

const KEY = /^[a-z][a-z0-9_]{0,62}$/;
const KEY_MESSAGE = 'key must start with a lower-case letter and hold only a-z, 0-9 and _ (at most 63 characters)';
const RULE_EXAMPLE = { all: [{ attribute: 'total_revenue', operator: 'gte', value: 50000 }] };

export class CreatePersonaDto {
  @ApiProperty({ example: 'vip', description: 'Stable identifier, used in the CRM and in exports.' })
  @Matches(KEY, { message: KEY_MESSAGE })
  key: string;

  @ApiProperty({ example: 'VIP customers' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'Position in the evaluation order, 1 first. Omitted: last before the fallback.' })
  @IsOptional()
  @IsInt()
  @Min(1)
  priority?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ description: 'A rule in the Corridor rule language.', example: RULE_EXAMPLE })
  // null goes on to the rule validator, which reports it at `$` like any other bad node.
  @ValidateIf((o) => o.rule !== null)
  @IsDefined({ message: 'rule is required' })
  @RawJson()
  rule: unknown;
}

export class UpdatePersonaDto {
  @ApiPropertyOptional({ description: 'Not null' })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it (same as "")' })
  // A persona's description is never null: null clears it to "".
  @Transform(({ value }) => (value === null ? '' : value))
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional({ description: 'Not null' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ example: RULE_EXAMPLE })
  @IsOptional()
  @RawJson()
  rule?: unknown;
}

export class ReorderPersonasDto {
  @ApiProperty({ example: ['vip', 'churn_risk', 'new_lead'], description: 'Every persona key except the fallback, first evaluated first.' })
  @IsArray()
  @ArrayMinSize(1)
  @Matches(KEY, { each: true, message: KEY_MESSAGE })
  keys: string[];
}

export class ValidateRuleDto {
  @ApiProperty({ example: RULE_EXAMPLE })
  // null goes on to the rule validator, which reports it at `$` like any other bad node.
  @ValidateIf((o) => o.rule !== null)
  @IsDefined({ message: 'rule is required' })
  @RawJson()
  rule: unknown;
}

export class DraftPersonaDto {
  @ApiProperty()
  @Matches(KEY, { message: KEY_MESSAGE })
  key: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ example: RULE_EXAMPLE })
  // null goes on to the rule validator, which reports it at `$` like any other bad node.
  @ValidateIf((o) => o.rule !== null)
  @IsDefined({ message: 'rule is required' })
  @RawJson()
  rule: unknown;
}

export class PreviewDto {
  @ApiPropertyOptional({
    type: [DraftPersonaDto],
    description: 'A draft set in priority order (fallback excluded). Omitted: the current draft personas.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @ValidateNested({ each: true })
  @Type(() => DraftPersonaDto)
  personas?: DraftPersonaDto[];

  @ApiPropertyOptional({ description: 'Seconds to wait for the result before answering 202 with the running preview.', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(300)
  wait?: number;
}

export class PublishDto {
  @ApiPropertyOptional({ description: 'Seconds to wait for the re-segmentation to finish before answering.', default: 0 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  wait?: number;
}

export class PersonaMembersQuery {
  @ApiPropertyOptional({ default: 50, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Return customers with a larger id (the previous page\'s nextAfterId)' })
  @IsOptional()
  @Matches(/^[0-9]{1,19}$/, { message: 'afterId must be a customer id' })
  afterId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  connectionId?: string;
}
