import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { ATTRIBUTE_TYPES, AttributeSource, AttributeType, BEHAVIOUR_KINDS, BehaviourKind, CatalogEntry, MAX_BEHAVIOUR_DAYS } from '@corridor/domain';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

const SOURCES: AttributeSource[] = ['canonical', 'custom', 'crm', 'behaviour'];

export class CreateAttributeDto {
  @ApiProperty({ example: 'plan', pattern: '^[a-z][a-z0-9_]{0,62}$' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,62}$/, { message: 'name must start with a-z and hold only a-z, 0-9 and _ (at most 63 characters)' })
  name: string;

  @ApiProperty({ enum: ATTRIBUTE_TYPES })
  @IsIn(ATTRIBUTE_TYPES)
  type: AttributeType;

  @ApiPropertyOptional({ type: [String], example: ['free', 'pro'], description: 'Required (non-empty, unique) for type enum; refused otherwise' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  enumValues?: string[];

  @ApiPropertyOptional({ example: 'Plan' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  label?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class CreateBehaviourAttributeDto {
  @ApiProperty({ example: 'support_tickets_30d', pattern: '^[a-z][a-z0-9_]{0,62}$' })
  @IsString()
  @Matches(/^[a-z][a-z0-9_]{0,62}$/, { message: 'name must start with a-z and hold only a-z, 0-9 and _ (at most 63 characters)' })
  name: string;

  @ApiProperty({
    enum: BEHAVIOUR_KINDS,
    description:
      'event_count: events of `touchpoint` in the last `days` calendar days, today included (0 without any); days_since_event: whole calendar days since the last event of `touchpoint` (missing: never); last_csat, last_nps: the latest answer; experience_score: 0–100',
  })
  @IsIn(BEHAVIOUR_KINDS)
  kind: BehaviourKind;

  @ApiPropertyOptional({ example: 'support_ticket', description: 'The touchpoint counted: required for event_count and days_since_event, refused otherwise' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  touchpoint?: string;

  @ApiPropertyOptional({ example: 30, minimum: 1, maximum: MAX_BEHAVIOUR_DAYS, description: 'The window in calendar days: required for event_count, refused otherwise' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_BEHAVIOUR_DAYS)
  days?: number;

  @ApiPropertyOptional({ example: 'Support tickets, 30 days' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  label?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class BehaviourDto {
  @ApiProperty({ enum: BEHAVIOUR_KINDS })
  kind: BehaviourKind;

  @ApiPropertyOptional()
  touchpoint?: string;

  @ApiPropertyOptional()
  days?: number;
}

export class UpdateAttributeDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  label?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], description: 'The full new list: existing values must all stay (values can be added, not removed); not null' })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  enumValues?: string[];
}

export class AttributeNameParams {
  @ApiProperty({ example: 'plan' })
  @IsString()
  @MaxLength(63)
  name: string;
}

export class AttributeDto {
  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ATTRIBUTE_TYPES })
  type: AttributeType;

  @ApiPropertyOptional({ type: [String] })
  enumValues?: string[];

  @ApiProperty({ enum: SOURCES, description: 'canonical: built in; custom: defined by an admin; crm: discovered from a CRM; behaviour: computed by Corridor from events and feedback' })
  source: AttributeSource;

  @ApiPropertyOptional({ type: BehaviourDto, description: 'What a behavioural attribute measures (source behaviour only)' })
  behaviour?: BehaviourDto;

  @ApiProperty({ nullable: true, type: String })
  label: string | null;

  @ApiProperty({ nullable: true, type: String })
  description: string | null;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty()
  updatedAt: Date;

  static of(entry: CatalogEntry): AttributeDto {
    return Object.assign(new AttributeDto(), {
      name: entry.name,
      type: entry.type,
      ...(entry.enumValues ? { enumValues: [...entry.enumValues] } : {}),
      source: entry.source,
      label: entry.label,
      description: entry.description,
      ...(entry.behaviour ? { behaviour: { ...entry.behaviour } } : {}),
      createdAt: entry.createdAt,
      updatedAt: entry.updatedAt,
    });
  }
}

export class AttributeListDto {
  @ApiProperty({ type: [AttributeDto] })
  items: AttributeDto[];
}
