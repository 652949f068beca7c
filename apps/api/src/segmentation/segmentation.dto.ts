import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class RunsQuery {
  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 200, description: 'How many runs, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

// Response bodies (the OpenAPI document describes them; the console's client is generated from it).

const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;

export class RunProgressDto {
  @ApiProperty({ description: 'Customers to evaluate, counted when the run started' }) total: number;
  @ApiProperty() done: number;
  @ApiProperty({ example: 42.5 }) percent: number;
  @ApiProperty() chunksTotal: number;
  @ApiProperty() chunksDone: number;
  @ApiProperty({ description: 'Chunks not done yet that are being retried (stalled or failed an attempt)' }) chunksRetrying: number;
  @ApiProperty({ description: 'Times a chunk stalled (its worker died or froze) and was taken over' }) stalls: number;
  @ApiProperty({ description: 'Chunk attempts that failed with a retryable error' }) failedAttempts: number;
}

export class SegmentationRunDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['full', 'preview'] }) kind: string;
  @ApiProperty({ enum: ['running', 'completed', 'failed', 'superseded'] }) status: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'full: the set being applied' }) setVersion: number | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'The live set when the run started (transitions are counted from it)' }) baselineVersion: number | null;
  @ApiProperty({ type: String, format: 'date-time' }) evaluatedAt: Date;
  @ApiProperty({ type: RunProgressDto }) progress: RunProgressDto;
  @ApiPropertyOptional({
    nullable: true,
    ...JSON_OBJECT,
    description: 'When finished. full: {customers, changed, perPersona, lastHistoryId}; preview: {total, perPersona, transitions (from → to → count), moved}',
  })
  result: object | null;
  @ApiPropertyOptional({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) startedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) finishedAt: Date | null;
}

export class SegmentationRunListDto {
  @ApiProperty({ type: [SegmentationRunDto] }) runs: SegmentationRunDto[];
}

export class StartedRunDto {
  @ApiProperty({ description: 'The persona set version the run applies' }) setVersion: number;
  @ApiProperty({ type: SegmentationRunDto }) run: SegmentationRunDto;
}

export class PersonaSetMemberDto {
  @ApiProperty({ format: 'uuid' }) personaId: string;
  @ApiProperty({ format: 'uuid' }) personaVersionId: string;
  @ApiProperty() version: number;
  @ApiProperty() key: string;
  @ApiProperty() name: string;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'null for the fallback (always last)' }) priority: number | null;
  @ApiProperty() isFallback: boolean;
  @ApiPropertyOptional({ nullable: true, ...JSON_OBJECT, description: 'A rule-language node; null for the fallback' }) rule: unknown;
}

export class CatalogEntryDto {
  @ApiProperty() name: string;
  @ApiProperty({ example: 'string' }) type: string;
  @ApiPropertyOptional({ type: [String] }) enumValues?: readonly string[];
}

export class PersonaSetDto {
  @ApiProperty() version: number;
  @ApiProperty({ type: [PersonaSetMemberDto], description: 'In evaluation order, the fallback last' }) members: PersonaSetMemberDto[];
  @ApiProperty({ type: [CatalogEntryDto], description: 'The attribute catalog the rules were compiled against' }) catalog: CatalogEntryDto[];
  @ApiProperty({ example: 'UTC' }) timeZone: string;
  @ApiProperty({ enum: ['publishing', 'live', 'superseded', 'retired'] }) status: string;
  @ApiProperty({ enum: ['publish', 'refresh'] }) reason: string;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'uuid' }) publishedBy: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) publishedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time' }) liveAt: Date | null;
}

export class PersonaSetListDto {
  @ApiProperty({ type: [PersonaSetDto] }) sets: PersonaSetDto[];
}
