import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { ApiKey, ApiKeyState, apiKeyState, Role, ROLES } from '@corridor/domain';

export class CreateApiKeyDto {
  @ApiProperty({ enum: ROLES, description: 'admin: everything; agent: read customers and strategies; integration: send data and events' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ example: 'CRM connector', description: 'Who or what uses the key; defaults to "<role> key"' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;

  @ApiPropertyOptional({ format: 'date-time', example: '2027-03-01T00:00:00Z', description: 'When the key stops working (401 API_KEY_EXPIRED); must be in the future. Omitted: never expires.' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'expiresAt must be an ISO 8601 date-time' })
  expiresAt?: string;
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

  @ApiProperty({ nullable: true, type: Date, description: 'When the key stops working; null: never' })
  expiresAt: Date | null;

  @ApiProperty({ nullable: true, type: Date })
  revokedAt: Date | null;

  @ApiProperty({ enum: ['active', 'revoked', 'expired'], description: 'Whether the key works now' })
  state: ApiKeyState;

  static of(key: ApiKey): ApiKeyDto {
    return Object.assign(new ApiKeyDto(), {
      id: key.id,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      createdAt: key.createdAt,
      lastUsedAt: key.lastUsedAt,
      expiresAt: key.expiresAt,
      revokedAt: key.revokedAt,
      state: apiKeyState(key, new Date()),
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
