import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SegmentationRunDto } from '../segmentation/segmentation.dto';

// Response bodies of /v1/personas (the console's client is generated from the OpenAPI document).

const RULE = { type: 'object', additionalProperties: true, description: 'A rule-language node; null for the fallback' } as const;

export class PersonaDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'vip' }) key: string;
  @ApiProperty({ example: 'VIP' }) name: string;
  @ApiProperty() description: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: '1 is evaluated first; null for the fallback (always last)' }) priority: number | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty() isFallback: boolean;
  @ApiPropertyOptional({ nullable: true, ...RULE }) rule: unknown;
  @ApiProperty({ description: 'The draft version of this persona (its content changes)' }) version: number;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: Date;
}

export class LiveSetSummaryDto {
  @ApiProperty() version: number;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) liveAt: Date | null;
  @ApiProperty({ type: [String], description: 'Persona keys of the live set, in evaluation order' }) members: string[];
}

export class PersonaListDto {
  @ApiProperty({ type: [PersonaDto], description: 'The draft, in evaluation order (fallback last)' }) personas: PersonaDto[];
  @ApiProperty({ type: LiveSetSummaryDto }) live: LiveSetSummaryDto;
}

export class PersonasDto {
  @ApiProperty({ type: [PersonaDto] }) personas: PersonaDto[];
}

export class RuleValidDto {
  @ApiProperty({ enum: [true] }) valid: boolean;
  @ApiProperty({ type: [String], description: 'Attributes the rule reads' }) attributes: string[];
}

export class PersonaOrderDto {
  @ApiProperty() version: number;
  @ApiProperty({ type: [String], description: 'Persona keys, first evaluated first; the fallback is not listed' }) keys: string[];
  @ApiProperty({ enum: ['initial', 'create', 'reorder', 'archive'] }) change: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The persona created or archived (null for a reorder)' }) personaKey: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) changedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class PersonaOrderViewDto {
  @ApiProperty({ type: [String] }) keys: string[];
  @ApiProperty({ description: '0 before any order was recorded' }) version: number;
  @ApiProperty({ type: [PersonaOrderDto], description: 'Newest first' }) history: PersonaOrderDto[];
}

export class PublishedDto {
  @ApiProperty() setVersion: number;
  @ApiProperty({ type: SegmentationRunDto }) run: SegmentationRunDto;
}

export class PersonaMembersDto {
  @ApiProperty() persona: string;
  @ApiProperty({ type: [String] }) customerIds: string[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as afterId for the next page; null on the last' }) nextAfterId: string | null;
}

export class PersonaVersionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) personaId: string;
  @ApiProperty() version: number;
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiProperty() description: string;
  @ApiPropertyOptional({ nullable: true, type: Number }) priority: number | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty() isFallback: boolean;
  @ApiPropertyOptional({ nullable: true, ...RULE }) rule: unknown;
  @ApiProperty({ enum: ['create', 'update', 'reorder', 'disable', 'enable', 'archive'] }) change: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) changedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

export class PersonaVersionsDto {
  @ApiProperty({ type: [PersonaVersionDto], description: 'Newest first' }) versions: PersonaVersionDto[];
}
