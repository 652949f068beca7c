import { Module } from '@nestjs/common';
import { Watchdog } from './watchdog.service';

/** Rebuilds queue state Redis lost (schedules, unfinished runs) from Postgres; see Watchdog. */
@Module({ providers: [Watchdog], exports: [Watchdog] })
export class WatchdogModule {}
