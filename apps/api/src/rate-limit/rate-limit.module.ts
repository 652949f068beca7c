import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '@corridor/config';
import { AuthenticatedRequest } from '../auth/current-key.decorator';
import { MetricsModule } from '../metrics/metrics.module';
import { FailedAuthLimiter } from './failed-auth.limiter';
import { RATE_LIMIT_THROTTLER, RateLimitGuard } from './rate-limit.guard';
import { RateLimitStorage } from './rate-limit.storage';

/** The shared counters, and the failed-authentication limiter that uses them (ApiKeyGuard's). */
@Module({ imports: [MetricsModule], providers: [RateLimitStorage, FailedAuthLimiter], exports: [RateLimitStorage, FailedAuthLimiter] })
export class RateLimitStorageModule {}

/**
 * Per-key request limits (RATE_LIMIT_* settings: one per role, one for requests without a key),
 * counted in Redis and shared by every api process. Import after AuthModule: guards run in
 * registration order and this one needs the authenticated key.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AppConfig, RateLimitStorage],
      useFactory: (config: AppConfig, storage: RateLimitStorage) => ({
        storage,
        throttlers: [
          {
            name: RATE_LIMIT_THROTTLER,
            ttl: config.RATE_LIMIT_WINDOW_SECONDS * 1000,
            limit: (context) => {
              const role = context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.role;
              return config.rateLimitOf(role ?? 'anonymous');
            },
            // A limit of 0 means unlimited: no counter at all.
            skipIf: (context) => config.rateLimitOf(context.switchToHttp().getRequest<AuthenticatedRequest>().apiKey?.role ?? 'anonymous') === 0,
          },
        ],
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
