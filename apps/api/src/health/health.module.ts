import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ShutdownState } from '../shutdown/shutdown-state';
import { HealthController } from './health.controller';
import { MigrationsHealthIndicator } from './migrations.health';
import { RedisHealthIndicator } from './redis.health';
import { WorkersHealthIndicator } from './workers.health';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  // ShutdownState lives here, its one reader; the signal handler reaches it with app.get().
  providers: [RedisHealthIndicator, MigrationsHealthIndicator, WorkersHealthIndicator, ShutdownState],
})
export class HealthModule {}
