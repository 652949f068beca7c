import { Module } from '@nestjs/common';
import { ConfigModule } from '@corridor/config';
import { CliOutput } from '../cli-output';
import { ApiClient } from './api-client';
import { ConfigAsCodeService } from './config-as-code.service';
import { CONFIG_COMMANDS, JOURNEY_COMMANDS, PERSONAS_COMMANDS, STRATEGY_COMMANDS } from './config-commands';
import { CustomersCommand, CustomersExplainCommand, SyncCommand, SyncRunCommand } from './operations-commands';

// Commands that work through the API (no database or Redis of their own).
const BASE = [CliOutput, ApiClient, ConfigAsCodeService];

/** `corridor personas export|diff|apply`. */
@Module({ imports: [ConfigModule], providers: [...BASE, ...PERSONAS_COMMANDS] })
export class PersonasCliModule {}

/** `corridor journey export|diff|apply`. */
@Module({ imports: [ConfigModule], providers: [...BASE, ...JOURNEY_COMMANDS] })
export class JourneyCliModule {}

/** `corridor strategy export|diff|apply`. */
@Module({ imports: [ConfigModule], providers: [...BASE, ...STRATEGY_COMMANDS] })
export class StrategyCliModule {}

/** `corridor config export|diff|apply`: every kind at once, in one transaction. */
@Module({ imports: [ConfigModule], providers: [...BASE, ...CONFIG_COMMANDS] })
export class WholeConfigCliModule {}

/** `corridor customers explain` and `corridor sync run`. */
@Module({ imports: [ConfigModule], providers: [...BASE, CustomersCommand, CustomersExplainCommand, SyncCommand, SyncRunCommand] })
export class OperationsCliModule {}
