import { Module } from '@nestjs/common';
import { DecideProcessor } from './decide.processor';
import { DecisionsService } from './decisions.service';
import { StrategyCache } from './strategy.cache';

@Module({
  providers: [StrategyCache, DecisionsService, DecideProcessor],
  exports: [DecisionsService],
})
export class DecisionsWorkerModule {}
