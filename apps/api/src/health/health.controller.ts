import { Controller, Get, HttpStatus, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HealthCheckResult, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DomainError, ErrorDetail } from '@corridor/domain';
import { ApiErrorDto } from '../errors/api-error.dto';
import { Public } from '../auth/roles.decorator';
import { ShutdownState } from '../shutdown/shutdown-state';
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

/** 503 from /health or /health/ready: the error body; while shutting down also `status: draining`. */
export class HealthUnavailableDto extends ApiErrorDto {
  @ApiPropertyOptional({ enum: ['draining'], description: 'Present while the process shuts down (SIGTERM): take it out of rotation' })
  status?: 'draining';
}

/** What /health and /health/ready answer from SIGTERM on, without asking any dependency. */
function drainingBody(since: Date): HealthUnavailableDto {
  return {
    status: 'draining',
    code: 'DRAINING',
    message: `The API is shutting down (since ${since.toISOString()}): send requests to another instance`,
    details: [],
  };
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
    private readonly shutdown: ShutdownState,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The api can serve: Postgres and Redis answer a ping, migrations are applied (a container health check); 503 draining once it shuts down' })
  @ApiOkResponse({ type: HealthDto, description: 'Postgres and Redis answered; no migration pending' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableDto, description: 'A dependency is down (details name it), or the process is shutting down (`status: draining`, code DRAINING)' })
  check(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult | HealthUnavailableDto> {
    return this.run(res, [
      () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      () => this.migrations.check('migrations'),
    ]);
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness of the whole deployment: /health, and a worker seen within WORKER_STALE_SECONDS; 503 draining from SIGTERM on' })
  @ApiOkResponse({ type: HealthDto, description: 'Ready: dependencies answered, migrations applied, a worker is alive' })
  @ApiServiceUnavailableResponse({ type: HealthUnavailableDto, description: 'Something is down or no worker was seen (details name it), or the process is shutting down (`status: draining`, code DRAINING)' })
  ready(@Res({ passthrough: true }) res: Response): Promise<HealthCheckResult | HealthUnavailableDto> {
    return this.run(res, [
      () => this.postgres.pingCheck('postgres', { timeout: PING_TIMEOUT_MS }),
      () => this.redis.pingCheck('redis', PING_TIMEOUT_MS),
      () => this.migrations.check('migrations'),
      () => this.workers.check('workers'),
    ]);
  }

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no dependency is checked, so a Redis outage does not restart it; it stays 200 while the process drains)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  private async run(res: Response, checks: Parameters<HealthCheckService['check']>[0]): Promise<HealthCheckResult | HealthUnavailableDto> {
    const since = this.shutdown.drainingSince;
    if (since) {
      // Not thrown: the error filter's body has no `status`, and a probe reads this one.
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return drainingBody(since);
    }
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
