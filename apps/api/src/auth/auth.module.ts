import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ApiKeyCache } from './api-key.cache';
import { RateLimitStorageModule } from '../rate-limit/rate-limit.module';
import { ApiKeyGuard } from './api-key.guard';
import { RouteAccessCheck } from './route-access.check';

/** API-key authentication and role checks for every route, and the boot-time declaration check. */
@Module({
  imports: [DiscoveryModule, RateLimitStorageModule],
  providers: [{ provide: APP_GUARD, useClass: ApiKeyGuard }, ApiKeyCache, RouteAccessCheck],
  exports: [RouteAccessCheck, ApiKeyCache],
})
export class AuthModule {}
