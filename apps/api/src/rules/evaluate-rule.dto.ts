import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, ValidateIf, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { RawJson } from '../validation/raw-json.decorator';

export class PlaygroundCustomerDto {
  @ApiProperty({ example: 'c1' })
  @IsString()
  @MaxLength(255)
  id: string;

  @ApiPropertyOptional({ example: { country: 'US', total_revenue: 72000 } })
  @IsOptional()
  @IsObject()
  @RawJson()
  attributes?: Record<string, unknown>;
}

export class EvaluateRuleDto {
  @ApiProperty({ example: { attribute: 'country', operator: 'equals', value: 'US' } })
  // null goes on to the rule validator, which reports it at `$` like any other bad node.
  @ValidateIf((o) => o.rule !== null)
  @IsDefined({ message: 'rule is required' })
  @RawJson()
  rule: unknown;

  @ApiPropertyOptional({ example: '2026-11-23T12:00:00Z', description: 'ISO 8601 with an offset; defaults to the server clock.' })
  @IsOptional()
  @IsString()
  now?: string;

  @ApiPropertyOptional({ example: 'Europe/London', description: 'IANA time zone; defaults to UTC.' })
  @IsOptional()
  @IsString()
  timezone?: string;

  @ApiProperty({ type: [PlaygroundCustomerDto] })
  @IsArray()
  @ArrayMaxSize(1000, { message: 'customers may hold at most 1000 customers' })
  @ValidateNested({ each: true })
  @Type(() => PlaygroundCustomerDto)
  customers: PlaygroundCustomerDto[];
}

// Response bodies.

export class ConditionOutcomeDto {
  @ApiProperty({ example: '$.all[0]', description: 'JSON path of the condition in the rule' }) path: string;
  @ApiProperty({ example: 'country' }) attribute: string;
  @ApiProperty({ example: 'equals' }) operator: string;
  @ApiPropertyOptional({ description: 'The rule value as written; absent for is_set / is_not_set' }) value?: unknown;
  @ApiPropertyOptional() case_sensitive?: boolean;
  @ApiProperty({ description: "The condition's own result, before an enclosing `not`" }) result: boolean;
  @ApiPropertyOptional({ enum: [true], description: 'An odd number of `not` groups enclose it' }) negated?: true;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The customer's value as the condition read it" }) actual: unknown;
}

export class RuleExplanationDto {
  @ApiProperty() matched: boolean;
  @ApiProperty({ type: [ConditionOutcomeDto], description: 'The conditions that decided it, in rule order' }) conditions: ConditionOutcomeDto[];
}

export class PlaygroundResultDto {
  @ApiProperty() id: string;
  @ApiProperty() matched: boolean;
  @ApiProperty({ type: RuleExplanationDto }) explanation: RuleExplanationDto;
}

export class PlaygroundResultsDto {
  @ApiProperty({ type: [PlaygroundResultDto] }) results: PlaygroundResultDto[];
}
