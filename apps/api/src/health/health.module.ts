import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MigrationsHealthIndicator } from './migrations.health';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, MigrationsHealthIndicator, WorkersHealthIndicator],
})
export class HealthModule {}
