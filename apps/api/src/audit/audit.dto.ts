import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { AuditEntry } from '@corridor/domain';
import { PageQueryDto } from '../validation/page-query.dto';

export class ListAuditQuery extends PageQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Changes at or after this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Changes before this instant' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Changes made with this API key' })
  @IsOptional()
  @IsUUID()
  actorKeyId?: string;

  @ApiPropertyOptional({ example: 'persona', description: 'The kind of thing changed (persona, touchpoint, connection, customer, …)' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  targetType?: string;

  @ApiPropertyOptional({ example: 'vip', description: 'The id or key of the thing changed (with targetType)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  targetId?: string;
}

export class AuditActorDto {
  @ApiProperty({ format: 'uuid', description: 'The API key that made the change' }) keyId: string;
  @ApiProperty({ description: "The key's name" }) name: string;
  @ApiProperty({ example: 'admin' }) role: string;
}

export class AuditTargetDto {
  @ApiProperty({ example: 'persona' }) type: string;
  @ApiPropertyOptional({ nullable: true, type: String, example: 'vip', description: 'Its id or key; null for a collection-wide change (a publish)' }) id: string | null;
}

const JSON_DOC = { nullable: true, type: 'object', additionalProperties: true } as const;

export class AuditEntryDto {
  @ApiProperty() id: string;
  @ApiProperty({ type: String, format: 'date-time' }) at: Date;
  @ApiProperty({ type: AuditActorDto }) actor: AuditActorDto;
  @ApiProperty({ example: 'persona.update', description: '<resource>.<operation>: persona.publish, connection.update, customer.erase, …' }) action: string;
  @ApiProperty({ example: 'PATCH' }) method: string;
  @ApiProperty({ example: '/v1/personas/:key', description: 'The route pattern' }) route: string;
  @ApiProperty({ example: '/v1/personas/vip', description: 'The path as requested' }) path: string;
  @ApiProperty({ type: AuditTargetDto }) target: AuditTargetDto;
  @ApiProperty({ example: 200, description: 'The status the change answered with' }) statusCode: number;
  @ApiPropertyOptional({ ...JSON_DOC, description: 'The request body, secrets redacted; null where it carries customer data or was empty' }) request: unknown;
  @ApiPropertyOptional({ ...JSON_DOC, description: 'The target before the change, secrets redacted; null for a create or where none is read' }) before: unknown;
  @ApiPropertyOptional({ ...JSON_DOC, description: 'The response to the change, secrets redacted' }) after: unknown;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'The request id (X-Request-Id), also in the logs' }) correlationId: string | null;

  static of(e: AuditEntry): AuditEntryDto {
    return { ...e, actor: { ...e.actor, role: String(e.actor.role) } };
  }
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditEntryDto] }) items: AuditEntryDto[];
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Pass as `before` for the next page; null at the end' }) next: string | null;
}
