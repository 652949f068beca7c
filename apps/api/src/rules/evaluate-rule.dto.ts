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
