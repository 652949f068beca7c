import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../input/is-optional-not-null.decorator';

/** Standard Webhooks secrets: `whsec_` + base64 of 24-64 random bytes (what `standardwebhooks` takes). */
export const SECRET_PATTERN = /^whsec_(?:[A-Za-z0-9+/]{4}){8,22}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const SECRET_MESSAGE = 'secret must be whsec_ followed by base64 of 24 to 64 random bytes (e.g. "whsec_" + `openssl rand -base64 32`)';

export class DestinationIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class CreateDestinationDto {
  @ApiProperty({ example: 'Marketing automation' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'https://hooks.example.com/corridor', description: 'http or https; must resolve to public addresses unless DESTINATION_ALLOWED_HOSTS names it' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', description: 'Signing secret (Standard Webhooks). Encrypted at rest, never returned.', writeOnly: true })
  @Matches(SECRET_PATTERN, { message: SECRET_MESSAGE })
  secret: string;

  @ApiPropertyOptional({ default: 5000, description: 'Per attempt, 100-30000 ms' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Requests per second, shared by every worker (1-10000); null: unlimited' })
  @ValidateIf((o: CreateDestinationDto) => o.rateLimitPerSecond !== undefined && o.rateLimitPerSecond !== null)
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional({ default: true })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateDestinationDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ description: 'A new signing secret (rotation); never returned', writeOnly: true })
  @IsOptionalNotNull()
  @Matches(SECRET_PATTERN, { message: SECRET_MESSAGE })
  secret?: string;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, type: Number })
  @ValidateIf((o: UpdateDestinationDto) => o.rateLimitPerSecond !== undefined && o.rateLimitPerSecond !== null)
  @IsInt()
  @Min(1)
  @Max(10_000)
  rateLimitPerSecond?: number | null;

  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

/** A destination as shown: never its secret. */
export class DestinationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() url: string;
  @ApiProperty() timeoutMs: number;
  @ApiProperty({ nullable: true, type: Number }) rateLimitPerSecond: number | null;
  @ApiProperty() enabled: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class DestinationListDto {
  @ApiProperty({ type: [DestinationDto] })
  destinations: DestinationDto[];
}
