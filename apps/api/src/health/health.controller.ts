import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DomainError, ErrorDetail } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Public } from '../auth/roles.decorator';
import { RedisHealthIndicator } from './redis.health';

const PING_TIMEOUT_MS = 1500;

const INDICATORS = {
  type: 'object' as const,
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true },
  example: { postgres: { status: 'up' }, redis: { status: 'up' } },
};

/** Terminus' readiness answer. */
export class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status: string;
  @ApiProperty({ ...INDICATORS, description: 'Dependencies that answered' }) info: Record<string, unknown>;
  @ApiProperty({ ...INDICATORS, description: 'Dependencies that did not (empty when ready)' }) error: Record<string, unknown>;
  @ApiProperty({ ...INDICATORS, description: 'Every dependency' }) details: Record<string, unknown>;
}

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly postgres: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Readiness: Postgres and Redis answer a ping' })
  @ApiOkResponse({ type: HealthDto, description: 'Ready: Postgres and Redis answered' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'A dependency is down: details name it' })
  async check(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
        () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      ]);
    } catch (e) {
      // Terminus answers with its own 503 body; ours has one error shape for every failure.
      if (!(e instanceof ServiceUnavailableException)) throw e;
      const result = e.getResponse() as Partial<HealthCheckResult>;
      const details: ErrorDetail[] = Object.entries(result.error ?? {}).map(([field, info]) => ({
        field,
        message: String((info as { message?: unknown }).message ?? 'down'),
        code: 'DOWN',
      }));
      throw new DomainError('UNHEALTHY', `Not ready: ${details.map((d) => d.field).join(', ')} down`, 'unavailable', details);
    }
  }
}
