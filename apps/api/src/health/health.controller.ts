import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DomainError, ErrorDetail } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Public } from '../auth/roles.decorator';
import { MigrationsHealthIndicator } from './migrations.health';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';

const PING_TIMEOUT_MS = 1500;

const INDICATORS = {
  type: 'object' as const,
  additionalProperties: { type: 'object', properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true },
  example: { postgres: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' } },
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
    private readonly migrations: MigrationsHealthIndicator,
    private readonly workers: WorkersHealthIndicator,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The api can serve: Postgres and Redis answer a ping, migrations are applied (a container health check)' })
  @ApiOkResponse({ type: HealthDto, description: 'Postgres and Redis answered; no migration pending' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'A dependency is down: details name it' })
  check(): Promise<HealthCheckResult> {
    return this.run([
      () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      () => this.migrations.check('migrations'),
    ]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness of the whole deployment: /health, and a worker seen within WORKER_STALE_SECONDS' })
  @ApiOkResponse({ type: HealthDto, description: 'Ready: dependencies answered, migrations applied, a worker is alive' })
  @ApiServiceUnavailableResponse({ type: ApiErrorDto, description: 'Something is down or no worker was seen: details name it' })
  ready(): Promise<HealthCheckResult> {
    return this.run([
      () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      () => this.migrations.check('migrations'),
      () => this.workers.check('workers'),
    ]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked, so a Redis outage does not restart it)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private async run(checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult> {
    try {
      return await this.health.check(checks);
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
