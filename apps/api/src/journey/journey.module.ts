import { Module } from '@nestjs/common';
import { JourneyController } from './journey.controller';
import { JourneyService } from './journey.service';

/** Journey stages admin API. */
@Module({ controllers: [JourneyController], providers: [JourneyService], exports: [JourneyService] })
export class JourneyModule {}
