import { Module } from '@nestjs/common';
import { StrategyController } from './strategy.controller';
import { StrategyService } from './strategy.service';

/** Strategy admin API: draft, validate, preview, publish, versions, gap report. */
@Module({ controllers: [StrategyController], providers: [StrategyService], exports: [StrategyService] })
export class StrategyModule {}
