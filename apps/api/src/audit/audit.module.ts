import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditBeforeLoader } from './audit-before.loader';
import { AuditController } from './audit.controller';
import { AuditInterceptor } from './audit.interceptor';

/** The audit log of admin changes: recorded by a global interceptor, read at GET /v1/audit. */
@Module({
  controllers: [AuditController],
  providers: [AuditBeforeLoader, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
})
export class AuditModule {}
