import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ApiKey, Role, ROLES } from '@corridor/domain';

export class CreateApiKeyDto {
  @ApiProperty({ enum: ROLES, description: 'admin: everything; agent: read customers and strategies; integration: send data and events' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ example: 'CRM connector', description: 'Who or what uses the key; defaults to "<role> key"' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

export class ApiKeyIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ enum: ROLES })
  role: Role;

  @ApiProperty({ example: '3fa85f64a1b2', description: 'The public part of the key (crd_<prefix>_…), to tell keys apart' })
  prefix: string;

  @ApiProperty()
  createdAt: Date;

  @ApiProperty({ nullable: true, type: Date })
  lastUsedAt: Date | null;

  @ApiProperty({ nullable: true, type: Date })
  revokedAt: Date | null;

  static of(key: ApiKey): ApiKeyDto {
    return Object.assign(new ApiKeyDto(), {
      id: key.id,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      createdAt: key.createdAt,
      lastUsedAt: key.lastUsedAt,
      revokedAt: key.revokedAt,
    });
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ example: 'crd_3fa85f64a1b2_…', description: 'The key itself. Shown this once: store it now; only its hash is kept.' })
  key: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: [ApiKeyDto] })
  items: ApiKeyDto[];
}
