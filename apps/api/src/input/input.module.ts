import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { RequestInputGuard } from './request-input.guard';

/** Checks every request's media type, nesting and text (RequestInputGuard). List it after AuthModule: guards run in that order. */
@Module({ providers: [{ provide: APP_GUARD, useClass: RequestInputGuard }] })
export class InputModule {}
